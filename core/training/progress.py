"""Progress reporting and cancellation for a training run.

The engine does not know who is watching (a CLI progress bar, the dashboard, a Ray driver): it
emits the events of :mod:`core.training.events` through one callable. Cancellation is a ``threading.Event`` checked after
every batch, so a user's "cancel" takes effect within one batch (the epoch in progress is
abandoned, not recorded as finished); the run's scratch folder is kept,
so a cancelled run resumes from its last finished epoch when it is started again.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

import keras

from core.training.events import BatchEnded, EpochEnded, ProgressEvent

ProgressFn = Callable[[ProgressEvent], None]


class TrainingCancelled(RuntimeError):
    """The user cancelled the run; its last finished epoch is kept for a resume. Not a
    :class:`~core.errors.LesionlabError`: a choice, not a fault."""


class ProgressCallback(keras.callbacks.Callback):
    """Forward epoch/batch progress as events; stop training when ``cancel`` is set."""

    def __init__(self, emit: ProgressFn | None, cancel: threading.Event | None, *, epochs: int,
                 steps: int, min_interval_s: float = 0.5) -> None:
        super().__init__()
        self.emit = emit or (lambda event: None)
        self.cancel = cancel
        self.epochs = epochs
        self.steps = steps
        self.min_interval_s = min_interval_s
        self.cancelled = False
        self._epoch = 0
        self._last = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.cancel is not None and self.cancel.is_set():
            # Raise rather than set ``model.stop_training``: with stop_training Keras still ends
            # the epoch normally (validation, on_epoch_end), so the checkpoint and the history
            # would record a half-trained epoch as finished and a resume would skip its rest.
            self.cancelled = True
            raise TrainingCancelled("Training was cancelled; the last finished epoch is kept "
                                    "and starting the run again resumes from there.")
        now = time.monotonic()
        if now - self._last >= self.min_interval_s:
            self._last = now
            self.emit(BatchEnded(epoch=self._epoch, epochs=self.epochs, batch=batch + 1,
                                 steps=self.steps,
                                 loss=float((logs or {}).get("loss", float("nan")))))

    def on_epoch_end(self, epoch, logs=None):
        self.emit(EpochEnded(epoch=epoch + 1, epochs=self.epochs,
                             logs={k: float(v) for k, v in (logs or {}).items()}))
