"""A model's output as one probability column per class, whatever its head.

A sigmoid head has one output, P(class index 1); a softmax head one column per class. Every
place that reads a model's predictions (the engine's stored predictions, the validation AUC
each epoch, an imported Keras model, an imported score column) goes through
:func:`class_probabilities`, so the columns always mean the same classes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["class_probabilities"]


def class_probabilities(out) -> np.ndarray:
    """``(n, k)`` probabilities from ``out``: a single column ``p`` becomes ``[1 - p, p]``."""
    out = np.asarray(out, dtype=np.float64)
    return np.column_stack([1.0 - out[:, 0], out[:, 0]]) if out.shape[1] == 1 else out
