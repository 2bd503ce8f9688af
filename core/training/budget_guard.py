"""Stop a budget run's training when the next epoch would end past its budget.

The planner chooses epochs from measured rates, but rates drift: a probe leaves out the input
pipeline, another job starts on the same cores, the first epoch traces graphs. This callback
measures each real epoch (validation included) and ends training after the epoch whose
successor would not finish before the deadline, leaving ``reserve_s`` for the final
predictions and the save. Keras' EarlyStopping restores the best weights at the end of
training whoever stopped it, so a guarded stop keeps the best epoch, not the last.

A resumed run starts with the epoch durations its earlier attempts measured: when the budget
they left holds no further epoch, it trains none (:meth:`BudgetGuard.epochs_to_run`) and goes
straight to predicting, with the weights a run stopped there would keep, rather than
overrunning by one epoch.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import keras


class BudgetGuard(keras.callbacks.Callback):
    """``deadline`` is a :func:`time.perf_counter` value; ``stopped_after`` says whether (and
    after which epoch, 1-based) the budget ended training."""

    def __init__(self, deadline: float, reserve_s: float = 0.0,
                 after_epoch: Callable[[int, list[float]], None] | None = None,
                 durations: Sequence[float] = ()) -> None:
        super().__init__()
        self.deadline = deadline
        self.reserve_s = reserve_s
        #: Called with the epochs done (1-based) and the epoch durations so far at each
        #: epoch's end (a budget run keeps its plan, the time spent and the durations, so an
        #: interrupted run resumes with them: :mod:`core.training.budget_run`).
        self.after_epoch = after_epoch
        #: Seconds per epoch, validation included; a resumed run's start with its earlier
        #: attempts' last ones.
        self.durations: list[float] = list(durations)
        self.stopped_after: int | None = None
        self._start = 0.0

    def room_for_an_epoch(self) -> bool:
        """Whether one more epoch, as long as the slower of the last two measured, would end
        before the deadline with the reserve kept (True while none has been measured)."""
        if not self.durations:
            return True
        # the slowest of the last two epochs: one fast epoch does not buy an epoch that
        # the machine's current load cannot deliver
        return time.perf_counter() + max(self.durations[-2:]) + self.reserve_s <= self.deadline

    def epochs_to_run(self, planned: int, done: int) -> int:
        """The epoch count to give ``fit``: ``planned``, or ``done`` when a resumed run (``done``
        epochs restored from its checkpoint, fewer than ``planned``) has no room for another;
        then training counts as stopped by the budget after epoch ``done``. ``fit`` then
        trains nothing and ends as a run the guard stopped after that epoch would: early
        stopping's best weights restored (:mod:`core.training.averaging`)."""
        if 0 < done < planned and not self.room_for_an_epoch():
            self.stopped_after = done
            return done
        return planned

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.durations.append(time.perf_counter() - self._start)
        if self.after_epoch is not None:
            self.after_epoch(epoch + 1, self.durations)
        if not self.room_for_an_epoch():
            self.stopped_after = epoch + 1
            self.model.stop_training = True
