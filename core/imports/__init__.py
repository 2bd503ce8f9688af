"""Runs made elsewhere: bring your own predictions, or your own Keras model.

``import_predictions(file, dataset, name)`` checks a CSV/parquet file of per-image probabilities
against the dataset (every row; the first bad one is named, nothing is stored) and stores it as
a run with ``source = "imported"``. ``import_model(file.keras, dataset, name)`` loads a Keras
model in safe mode, predicts the dataset's val and test images and stores it with its model,
so Explain and saliency work on it. Both look to every reader like a trained run
(:mod:`core.imports.stored`); an imported run without a model says so
(:func:`stores_model`).

A file that arrives as bytes (an upload on Compare) is staged under its own name by
:mod:`core.imports.upload`, so the app runs the very same checks as the command line; a model
import runs in the background through :mod:`core.jobs.import_model`.

``import_model`` is loaded lazily: importing this package must not cost TensorFlow's import.
"""

from __future__ import annotations

import importlib
from typing import Any

from core.imports.errors import ImportRejected
from core.imports.predictions import ImportResult, import_predictions
from core.imports.stored import IMPORTED, stores_model
from core.imports.table import SUM_TOLERANCE

_LAZY = {"import_model": "core.imports.keras_model", "PREPROCESSING": "core.imports.keras_model"}

__all__ = sorted([*_LAZY, "IMPORTED", "SUM_TOLERANCE", "ImportRejected", "ImportResult",
                  "import_predictions", "stores_model"])


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'core.imports' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)
