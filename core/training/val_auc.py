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
from models.outputs import class_probabilities

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
        out = class_probabilities(self.model.predict(self.val_ds, verbose=0))
        score = out[:len(self.is_positive), self.positive_index]
        if not np.isfinite(score).all():
            # a diverged model: NaN would become early stopping's first "best" and every later
            # epoch would lose to it; end training now (the engine reports the divergence)
            self.model.stop_training = True
            return
        logs[VAL_AUC] = float(roc_auc_score(self.is_positive, score))


def val_auc_callbacks(resolved, val_ds) -> list:
    """``[ValidationAuc]`` when the resolved run's recipe watches ``val_auc``, else ``[]``."""
    if not watches_val_auc(resolved.recipe):
        return []
    return [ValidationAuc(val_ds, resolved.rows("val")["target"].to_numpy(),
                          resolved.dataset.positive_index)]
