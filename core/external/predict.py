"""The stored model on the target's images: the pipeline that fed it in training, at its size.

Predictions go through :func:`core.datasets.pipeline.make_dataset` with the run's own input
size (``record["model"]["input_size"]``), exactly as the training engine predicted its own
validation and test splits: the same decoding, the same resize, the same float 0..255 input,
and the model's preprocessing is part of the model itself. Probabilities follow the model's
head as on the Explain page (:func:`core.explain.class_probabilities`: a sigmoid's ``p``
becomes ``(1 - p, p)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from core.datasets import LoadedDataset
from core.explain import class_probabilities

__all__ = ["predict_probabilities"]

BATCH_SIZE = 64


def predict_probabilities(model: Any, record: dict, ds: LoadedDataset, rows: pd.DataFrame,
                          batch_size: int = BATCH_SIZE) -> np.ndarray:
    """(N, K) class probabilities of the run (its class order) for ``rows`` of ``ds``."""
    from core.datasets.pipeline import make_dataset  # TensorFlow: only when predicting

    data = make_dataset(ds, rows, image_size=int(record["model"]["input_size"]),
                        batch_size=batch_size, cache=False)
    raw = np.asarray(model.predict(data, verbose=0), dtype=np.float64)[:len(rows)]
    return class_probabilities(raw, str(record["model"]["head"]), len(record["class_names"]))
