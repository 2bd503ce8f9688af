"""Validation numbers over the real images when a multi-device run pads its last batch.

With several replicas the pipeline may end an evaluation pass with blank images of sample
weight 0, so that no replica gets an empty batch (:mod:`core.datasets.batching`). Keras then
divides the mean loss by every image in the batch, blanks included, and counts the blanks in
plain (unweighted) metrics such as accuracy. :func:`compile_metrics` also compiles each metric
as a *weighted* metric (the blanks weigh nothing there), and :class:`UnpaddedValidation`
rescales ``val_loss`` and puts the weighted values in place of the plain ones before any other
callback reads them, so early stopping, checkpoints, learning-rate schedules and the stored
history see the values a single device computes. Training metrics are left as they were.
"""

from __future__ import annotations

import keras

from core.datasets.batching import BatchPlan, unpadded_loss


def compile_metrics(metrics: list[str], val_plan: BatchPlan) -> dict:
    """``compile()`` keyword arguments for ``metrics`` that stay exact under ``val_plan``."""
    if not val_plan.padding:
        return {"metrics": list(metrics)}
    return {"metrics": list(metrics), "weighted_metrics": list(metrics)}


class UnpaddedValidation(keras.callbacks.Callback):
    """Must come before every callback that reads the validation logs (they share one
    ``logs`` dict); only the weight-averaging swap (:mod:`core.training.averaging`), which
    reads no logs, comes before it."""

    def __init__(self, val_plan: BatchPlan, metrics: list[str]) -> None:
        super().__init__()
        self.plan = val_plan
        self.metrics = list(metrics)

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or not self.plan.padding:
            return
        if "val_loss" in logs:
            logs["val_loss"] = unpadded_loss(float(logs["val_loss"]), self.plan)
        for name in self.metrics:
            weighted = logs.pop(f"val_weighted_{name}", None)
            logs.pop(f"weighted_{name}", None)
            if weighted is not None:
                logs[f"val_{name}"] = weighted
