"""Bring your own Keras model: a ``.keras`` file predicts the dataset's val and test images and
is stored, with its model, as an imported run that Explain and saliency work on.

Safety: the file is loaded with ``keras.saving.load_model(..., safe_mode=True)`` and nothing
else. A file that needs to run Python code stored in it (a ``Lambda`` layer) is refused with
Keras' reason: a model from elsewhere is untrusted input.

Input: the model's own input size is used (square RGB, fixed in the file). Every stored model
takes 0..255 RGB and preprocesses inside itself (``models.preprocessing``), which is what the
pipeline, Explain and saliency feed it; ``preprocessing`` says what the imported network
expects instead (``scale01``: [0, 1]; ``tf``: [-1, 1]; ``caffe``/``torch``: ImageNet
normalisations; ``none``: 0..255 as is, the default), and that layer is put in front of the
network's own layers in one flat graph, so the last conv layer stays addressable by name.

Output: one sigmoid unit (binary datasets: P(positive class)) or one softmax unit per class in
the dataset's class order; outputs that are not probabilities are refused. The last conv layer
(for Grad-CAM and the other CAM methods) is the one given, or else the last layer with a
(B, H, W, C) output.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.imports.errors import ImportRejected
from core.imports.predictions import ImportResult
from core.imports.stored import (check_name, commit_import, file_sha256, find_import,
                                 import_identity, import_record)
from core.imports.table import SUM_TOLERANCE
from core.imports.target import ImportTarget, load_target
from core.store import ResultsStore, prob_columns, run_id
from models.outputs import class_probabilities
from models.vocab import PREPROCESSING_MODES

__all__ = ["PREPROCESSING", "import_model"]

PREPROCESSING = PREPROCESSING_MODES
PREPROCESSING_LAYER = "imported_preprocessing"
BATCH_SIZE = 32


def import_model(path: Path | str, dataset: str, name: str, *, preprocessing: str = "none",
                 last_conv_layer: str | None = None, split_seed: int = 0,
                 store: ResultsStore | None = None, registry_path: Path | None = None,
                 progress: Callable[[dict], None] | None = None) -> ImportResult:
    """Load ``path`` safely, predict ``dataset``'s val and test images, store the run.

    ``progress`` gets ``{"event": ...}`` before each step ("loading", "predicting" per split
    with its image count, "storing"; or "cached" when the same import is stored already); a
    background job cancels by raising from it, which stores nothing (the store is claimed
    only after "storing").
    """
    started = time.perf_counter()
    report = progress or (lambda event: None)
    path, name, store = Path(path), check_name(name), store or ResultsStore()
    if preprocessing not in PREPROCESSING:
        raise ImportRejected(f"Unknown preprocessing {preprocessing!r}.",
                             fix=f"use one of {', '.join(PREPROCESSING)}")
    target = load_target(dataset, split_seed, registry_path)
    report({"event": "loading"})
    model = with_preprocessing(load_safely(path), preprocessing, path)
    size = input_size(model, path)
    head = output_head(model, target, path)
    layer = find_last_conv(model, last_conv_layer, path)
    identity = import_identity(target, "keras", name, file_sha256(path), own_split=False,
                               preprocessing=preprocessing, input_size=size,
                               last_conv_layer=layer)
    found = find_import(store, identity)
    if found is not None:
        report({"event": "cached"})
        return ImportResult(found, False)
    target, usable = _usable(target)
    predictions = predict_splits(model, target, size, path, report)
    record = import_record(
        target, identity, predictions, source_file=path,
        model={"head": head, "last_conv_layer": layer, "input_size": size,
               "n_params": int(model.count_params()), "preprocessing": preprocessing},
        details={"preprocessing": preprocessing, "safe_mode": True}, started=started)
    record["data"].update(usable.record())
    record.update(_device())
    rid = run_id(identity)
    report({"event": "storing"})
    with store.claim(rid):
        model_file = store.work_dir(rid) / "model.keras"
        model.save(model_file)
        run, fresh = commit_import(store, identity, record, predictions, model_file)
        store.clear_work(rid)
    return ImportResult(run, fresh)


def load_safely(path: Path) -> Any:
    """The model in ``path``, loaded in safe mode; anything else is refused with its reason."""
    if path.suffix != ".keras" or not path.is_file():
        raise ImportRejected(f"{path.name} is not a .keras file (or does not exist).",
                             where=path, fix="save the model with model.save('name.keras')")
    from models import register_custom_objects

    register_custom_objects()  # a model trained here (and exported) loads too
    import keras

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - every reason a file cannot load is the user's
        reason = " ".join(str(exc).split())[:400]
        if "safe_mode" in reason or "Lambda" in reason:
            raise ImportRejected(
                "The model file needs to run Python code stored in it (e.g. a Lambda layer), "
                f"which Lesionlab never does: {reason}", where=path,
                fix="rebuild the model from built-in Keras layers (or a registered custom "
                "layer) and save it again") from None
        raise ImportRejected(f"The model file cannot be loaded ({type(exc).__name__}: "
                             f"{reason}).", where=path,
                             fix="save it with Keras 3 as a .keras file") from None


def with_preprocessing(model: Any, mode: str, path: Path) -> Any:
    """One flat functional model: 0..255 RGB in, ``mode``'s mapping, then the network's layers
    (Keras' ``clone_model`` reusing every layer, so the weights are the file's own)."""
    import keras

    from models.preprocessing import ImagePreprocessing

    if len(getattr(model, "inputs", None) or []) != 1:
        raise ImportRejected("The model must have exactly one (image) input, built as a "
                             "functional or Sequential model.", where=path,
                             fix="save a functional or Sequential Keras model")
    image = keras.Input(tuple(model.inputs[0].shape[1:]), name="image")
    pre = ImagePreprocessing(mode, name=PREPROCESSING_LAYER)(image)
    if isinstance(model, keras.Sequential):
        x = pre
        for layer in model.layers:
            x = layer(x)
        return keras.Model(image, x, name=model.name)
    original = model.inputs[0]

    def call(layer, *args, **kwargs):
        swap = lambda t: pre if t is image else t  # noqa: E731
        return layer(*keras.tree.map_structure(swap, args), **kwargs)

    try:
        return keras.models.clone_model(model, input_tensors=image, clone_function=lambda l: l,
                                        call_function=call)
    except Exception as exc:  # noqa: BLE001 - a subclassed model has no graph to rebuild
        raise ImportRejected(f"The model's layers cannot be rebuilt behind an input layer "
                             f"({type(exc).__name__}: {str(exc)[:200]}); input {original.shape}.",
                             where=path, fix="save a functional or Sequential Keras model") \
            from None


def input_size(model: Any, path: Path) -> int:
    """The model's square RGB input side, read from the model."""
    shape = tuple(model.inputs[0].shape)
    if len(shape) != 4 or shape[3] != 3 or shape[1] is None or shape[1] != shape[2]:
        raise ImportRejected(f"The model takes input shape {shape}; Lesionlab feeds square RGB "
                             "images of a fixed size, (batch, S, S, 3).", where=path,
                             fix="give the model a fixed keras.Input((S, S, 3)) and save it again")
    return int(shape[1])


def output_head(model: Any, target: ImportTarget, path: Path) -> str:
    """"sigmoid" (one unit, binary datasets) or "softmax" (one unit per class)."""
    units = int(model.outputs[0].shape[-1]) if len(model.outputs) == 1 else -1
    classes = list(target.dataset.class_names)
    if units == 1 and target.positive_index is not None:
        return "sigmoid"
    if units == len(classes):
        return "softmax"
    raise ImportRejected(f"The model has {units} output unit(s); dataset {target.name!r} has "
                         f"{len(classes)} classes ({', '.join(classes)}).", where=path,
                         fix="end the model with one softmax unit per class in that order (or "
                         "one sigmoid unit for a binary dataset)")


def find_last_conv(model: Any, given: str | None, path: Path) -> str | None:
    """``given`` if it is a layer with a (B, H, W, C) output; else the last such layer."""
    def spatial(layer) -> bool:
        try:
            return len(layer.output.shape) == 4
        except (AttributeError, ValueError):
            return False

    if given is not None:
        names = [layer.name for layer in model.layers]
        if given not in names or not spatial(model.get_layer(given)):
            raise ImportRejected(f"The model has no layer {given!r} with a (B, H, W, C) output.",
                                 where=path, fix="name a conv layer of the model, or leave "
                                 "--last-conv-layer out to find it")
        return given
    import keras

    candidates = [layer.name for layer in model.layers if spatial(layer)
                  and layer.name != PREPROCESSING_LAYER
                  and not isinstance(layer, keras.layers.InputLayer)]
    return candidates[-1] if candidates else None


def predict_splits(model: Any, target: ImportTarget, size: int, path: Path,
                   progress: Callable[[dict], None] | None = None) -> pd.DataFrame:
    """Val and test probabilities in the store's schema, as the engine predicts them."""
    from core.datasets.pipeline import make_dataset

    ds, frames = target.dataset, []
    for split in ("val", "test"):
        rows = ds.table[target.splits == split]
        if progress is not None:
            progress({"event": "predicting", "split": split, "images": len(rows)})
        raw = np.asarray(model.predict(make_dataset(ds, rows, image_size=size,
                                                    batch_size=BATCH_SIZE, cache=False),
                                       verbose=0), dtype=np.float64)
        probs = class_probabilities(raw)  # a sigmoid head's one column is P(class 1)
        _require_probabilities(probs, rows, path)
        frame = pd.DataFrame({"sample_id": rows["sample_id"].to_numpy(),
                              "group": rows["group"].to_numpy(), "split": split,
                              "target": rows["target"].to_numpy(dtype=np.int64),
                              "label": rows["label"].to_numpy()})
        for k, column in enumerate(prob_columns(probs.shape[1])):
            frame[column] = probs[:, k]
        for column in ds.metadata_columns:
            frame[column] = rows[column].to_numpy()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _require_probabilities(probs: np.ndarray, rows: pd.DataFrame, path: Path) -> None:
    bad = ~np.isfinite(probs).all(axis=1) | (probs < 0).any(axis=1) | (probs > 1).any(axis=1) \
        | (np.abs(probs.sum(axis=1) - 1.0) > SUM_TOLERANCE)
    if bad.any():
        i = int(np.argmax(bad))
        raise ImportRejected(f"The model's output for image {rows['sample_id'].iloc[i]!r} is "
                             f"not a probability per class ({np.round(probs[i], 6).tolist()}).",
                             where=path, fix="end the model with a softmax (or, binary, a "
                             "sigmoid) activation")


def _usable(target: ImportTarget):
    """The target without unreadable files and with the duplicates policy applied, as a
    trained run's (:mod:`core.datasets.usable`)."""
    import dataclasses

    from core.datasets.usable import usable_data

    data = usable_data(target.dataset, target.splits, fingerprint=target.fingerprint)
    return dataclasses.replace(target, dataset=data.dataset, splits=data.splits), data


def _device() -> dict:
    from core.training.device import environment

    import tensorflow as tf

    return {"device": "gpu" if tf.config.list_logical_devices("GPU") else "cpu",
            "environment": environment()}
