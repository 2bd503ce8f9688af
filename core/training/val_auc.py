"""The validation AUC, each epoch, for early stopping and learning-rate plateaus to watch.

Why: the number Lesionlab ranks models by is the positive class's ROC AUC, and on the small
validation splits of medical datasets (78 images in BreastMNIST's) the validation *loss* is
only a stand-in for it: it can rise as a from-scratch network grows confident on a few images
while its ranking of the images still improves. The plain script users compare against
(``peer_baseline.py``) stops on AUC too. A recipe asks for it with ``monitor = "val_auc"`` (or
``plateau_monitor``); the budget profile asks for it on every binary task whose validation
split holds both classes. Measured so far, it is not what held budget runs back on
BreastMNIST: there both monitors chose the same best epoch (see the README's budget section).

The AUC is scikit-learn's on one extra prediction pass over the validation images at the end
of each epoch (exact, unlike Keras' 200-threshold approximation, and without a custom metric
in the saved model); the budget planner counts that pass in its time model.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from sklearn.metrics import roc_auc_score

from core.training.monitors import VAL_AUC, watches_val_auc

__all__ = ["ValidationAuc", "val_auc_callbacks"]


class ValidationAuc(keras.callbacks.Callback):
    """Puts ``val_auc`` into each epoch's logs. Must come before every callback that reads it
    (they share the logs dict), and after :class:`~core.training.padding.UnpaddedValidation`.

    ``val_ds`` yields the validation images in row order (a multi-device pipeline may append
    blank padding: only the first ``len(targets)`` predictions are real)."""

    def __init__(self, val_ds: Any, targets: np.ndarray, positive_index: int) -> None:
        super().__init__()
        self.val_ds = val_ds
        self.is_positive = np.asarray(targets) == positive_index
        self.positive_index = positive_index

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        out = np.asarray(self.model.predict(self.val_ds, verbose=0),
                         dtype=np.float64)[:len(self.is_positive)]
        # a sigmoid head gives P(target 1); a softmax head one column per class
        score = (out[:, 0] if self.positive_index == 1 else 1.0 - out[:, 0]) \
            if out.shape[1] == 1 else out[:, self.positive_index]
        logs[VAL_AUC] = float(roc_auc_score(self.is_positive, score)) \
            if np.isfinite(score).all() else float("nan")


def val_auc_callbacks(resolved, val_ds) -> list:
    """``[ValidationAuc]`` when the resolved run's recipe watches ``val_auc``, else ``[]``."""
    if not watches_val_auc(resolved.recipe):
        return []
    return [ValidationAuc(val_ds, resolved.rows("val")["target"].to_numpy(),
                          resolved.dataset.positive_index)]
