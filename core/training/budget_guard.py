"""Stop a budget run's training when the next epoch would end past its budget.

The planner chooses epochs from measured rates, but rates drift: a probe leaves out the input
pipeline, another job starts on the same cores, the first epoch traces graphs. This callback
measures each real epoch (validation included) and ends training after the epoch whose
successor would not finish before the deadline, leaving ``reserve_s`` for the final
predictions and the save. Keras' EarlyStopping restores the best weights at the end of
training whoever stopped it, so a guarded stop keeps the best epoch, not the last.
"""

from __future__ import annotations

import time
from typing import Callable

import keras


class BudgetGuard(keras.callbacks.Callback):
    """``deadline`` is a :func:`time.perf_counter` value; ``stopped_after`` says whether (and
    after which epoch, 1-based) the budget ended training."""

    def __init__(self, deadline: float, reserve_s: float = 0.0,
                 after_epoch: Callable[[int], None] | None = None) -> None:
        super().__init__()
        self.deadline = deadline
        self.reserve_s = reserve_s
        #: Called with the epochs done (1-based) at each epoch's end (a budget run keeps its
        #: plan and the time spent, so an interrupted run resumes with them:
        #: :mod:`core.training.budget_run`).
        self.after_epoch = after_epoch
        self.durations: list[float] = []
        self.stopped_after: int | None = None
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        self.durations.append(now - self._start)
        if self.after_epoch is not None:
            self.after_epoch(epoch + 1)
        # the slowest of the last two epochs: one fast epoch does not buy an epoch that
        # the machine's current load cannot deliver
        next_epoch = max(self.durations[-2:])
        if now + next_epoch + self.reserve_s > self.deadline:
            self.stopped_after = epoch + 1
            self.model.stop_training = True
