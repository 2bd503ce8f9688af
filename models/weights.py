"""Where a model's starting weights come from, and building it with them.

Three requests: ``"imagenet"``, ``None``/``"none"`` (random initialisation) or the path of a
local file. Local files come in two kinds, told apart by name:

* ``*.weights.h5`` / ``*.keras``: weights of this whole model, saved by Lesionlab/Keras
  (``model.save_weights`` / ``model.save``) for the same entry, input size and classes;
* any other ``*.h5``: a Keras application's *base* weights (e.g. the ImageNet "notop" file
  downloaded by hand for an offline machine), for the application entries only.

ImageNet weights are downloaded by Keras into its cache (``$KERAS_HOME/models``, default
``~/.keras/models``). Offline the download fails within seconds; we then build with random
weights and return a note that the run record and the UI show, instead of failing the run.
"""

from __future__ import annotations

import re
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from models.errors import WeightsError
from models.registry import ModelEntry, get_entry

#: Seconds a stalled connection may block the ImageNet download before we give up on it.
DOWNLOAD_TIMEOUT_S = 15.0

_RANDOM_WORDS = {"", "none", "random", "scratch"}
#: Keras adds EfficientNet's ImageNet std rescaling only for weights="imagenet", not for a file.
_RESCALES_ONLY_FOR_IMAGENET = {"efficientnet_b0"}
_WHOLE_MODEL_SUFFIXES = (".weights.h5", ".keras")


@dataclass(frozen=True)
class WeightsChoice:
    """What to load: ``source`` is "imagenet", "random", "base_file" or "model_file"."""

    source: str
    path: Path | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        """Short text for the run record ("imagenet", "random", "file:<name>")."""
        return f"file:{self.path.name}" if self.path is not None else self.source


def resolve_weights(entry: ModelEntry | str, requested: str | Path | None) -> WeightsChoice:
    """Decide what a weights request means for this entry, before building anything.

    Errors (missing file, a base-weights file for a from-scratch CNN) are raised here, so the
    UI can report them before a long build starts.
    """
    entry = get_entry(entry) if isinstance(entry, str) else entry
    if requested is None or (isinstance(requested, str) and requested.strip().lower()
                             in _RANDOM_WORDS):
        return WeightsChoice("random")
    if isinstance(requested, str) and requested.strip().lower() == "imagenet":
        if entry.supports_imagenet:
            return WeightsChoice("imagenet")
        return WeightsChoice(
            "random",
            note=f"{entry.name} is trained from scratch in its study; ImageNet weights do not "
            "apply to it: random initialisation.",
        )
    path = Path(requested).expanduser()
    if not path.is_file():
        raise WeightsError(
            f"Weights file {path} does not exist. Give an existing .weights.h5/.keras file "
            f"saved from a {entry.name} model (or an application's base .h5 file), or use "
            "'imagenet' or 'none'."
        )
    if path.name.endswith(_WHOLE_MODEL_SUFFIXES):
        return WeightsChoice("model_file", path=path)
    if path.suffix != ".h5":
        raise WeightsError(
            f"Weights file {path.name} has an unknown format; use a .weights.h5 or .keras file "
            "saved by Keras, or an application's base weights .h5 file."
        )
    if not entry.supports_imagenet:
        raise WeightsError(
            f"{path.name} looks like an application's base weights file (.h5), but "
            f"{entry.name} is not built on an application. Give a .weights.h5 or .keras file "
            f"saved from a {entry.name} model."
        )
    note = None
    if entry.name in _RESCALES_ONLY_FOR_IMAGENET:
        note = (
            f"{entry.name} built from a base weights file misses the ImageNet std rescaling "
            "Keras adds only for 'imagenet'. For ImageNet weights, put the file in "
            f"{_keras_cache_dir()} and ask for 'imagenet' instead."
        )
    return WeightsChoice("base_file", path=path, note=note)


def build_model(
    entry: ModelEntry | str,
    input_size: int,
    n_classes: int,
    weights: str | Path | WeightsChoice | None = None,
):
    """Build ``entry`` at ``input_size`` px with the requested weights: ``(model, note)``.

    ``note`` is None when the request was honoured as asked; otherwise it says what happened
    instead (ImageNet unavailable offline, ImageNet not applicable) and how to fix it.
    """
    entry = get_entry(entry) if isinstance(entry, str) else entry
    choice = weights if isinstance(weights, WeightsChoice) else resolve_weights(entry, weights)
    shape = entry.check_input(input_size, n_classes)
    if choice.source == "random":
        return entry.build(shape, n_classes, None), choice.note
    if choice.source == "imagenet":
        return _build_imagenet(entry, shape, n_classes)
    if choice.source == "base_file":
        try:
            return entry.build(shape, n_classes, str(choice.path)), choice.note
        except ValueError as exc:
            raise _does_not_fit(entry, choice.path, shape, n_classes, exc) from exc
    model = entry.build(shape, n_classes, None)
    try:
        model.load_weights(str(choice.path))
    except ValueError as exc:
        raise _does_not_fit(entry, choice.path, shape, n_classes, exc) from exc
    return model, choice.note


def _build_imagenet(entry: ModelEntry, shape, n_classes: int):
    try:
        with _socket_timeout(DOWNLOAD_TIMEOUT_S):
            return entry.build(shape, n_classes, "imagenet"), None
    except Exception as exc:  # Keras raises a plain Exception("URL fetch failure ...")
        if not _is_download_failure(exc):
            raise
        note = (
            "ImageNet weights unavailable (no internet?): random initialisation. Put the file "
            f"{_weights_file_name(exc)} in {_keras_cache_dir()} or give a local weights file."
        )
        return entry.build(shape, n_classes, None), note


@contextmanager
def _socket_timeout(seconds: float):
    """Bound a stalled download: Keras' urlretrieve has no timeout of its own."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _is_download_failure(exc: BaseException) -> bool:
    return isinstance(exc, OSError) or "URL fetch failure" in str(exc)


def _weights_file_name(exc: BaseException) -> str:
    match = re.search(r"https?://\S+/([^/\s:]+\.h5)", str(exc))
    return match.group(1) if match else "the application's ImageNet 'notop' .h5 file"


def _keras_cache_dir() -> str:
    """The folder Keras looks in before downloading (KERAS_HOME is read when Keras loads)."""
    try:
        from keras.src.backend.config import keras_home

        return str(Path(keras_home()) / "models")
    except ImportError:  # a future Keras moved it; fall back to the documented default
        return str(Path("~/.keras/models").expanduser())


def _does_not_fit(entry, path, shape, n_classes, exc) -> WeightsError:
    return WeightsError(
        f"Weights file {path.name} does not fit {entry.name} at {shape[0]}x{shape[1]} px with "
        f"{n_classes} classes ({exc}). Use a file saved from the same model, input size and "
        "number of classes, or 'imagenet' / 'none'."
    )
