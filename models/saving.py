"""Loading saved models: our custom objects must be registered before Keras deserialises.

Registration happens when :mod:`models.preprocessing` and :mod:`models.schedules` are imported
(their classes carry ``@keras.saving.register_keras_serializable``). ``import models`` does not
import them, to keep that import free of TensorFlow; call :func:`register_custom_objects` (or
use :func:`load_model`, which does) before ``keras.saving.load_model``.
"""

from __future__ import annotations

from pathlib import Path


def register_custom_objects() -> None:
    """Register Lesionlab's serializable layer and schedule with Keras (idempotent)."""
    import models.preprocessing  # noqa: F401  (registers ImagePreprocessing)
    import models.schedules  # noqa: F401  (registers CyclicalLearningRate)


def load_model(path: str | Path, compile: bool = True):
    """Load a ``.keras`` file saved from a registry model, with Keras' safe mode on.

    Safe mode refuses to run arbitrary Python (Lambda layers) from a file; our models contain
    none, so a file that needs it is not one of ours.
    """
    import keras

    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"{path.name}: Lesionlab saves whole models as .keras files; "
                         "give the .keras file of a trained model.")
    if not path.is_file():
        raise FileNotFoundError(f"Model file {path} does not exist.")
    register_custom_objects()
    return keras.saving.load_model(path, compile=compile, safe_mode=True)
