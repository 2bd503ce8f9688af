"""How long a run or a job still takes, and how long one took: arithmetic on measured speeds.

A promise of "about a quarter of an hour" that turns into 38 minutes teaches users to ignore
the number. So every figure here comes from a measurement, and there is no figure without one:

1. **measured rates** (images/s of this model at this input size and batch on this device, from
   ``throughput.json``, :mod:`core.training.throughput`): before a run's first epoch ends, its
   time is the budget planner's time model (overhead, epochs, the final val and test
   predictions; :attr:`RunPlan.total_s`);
2. **the run's own epochs**: once one has ended, its epoch times (:func:`typical_epoch_s`)
   replace the rate-based epoch. It includes what a remembered rate may miss: the input
   pipeline, the augmentation, validation, and how loaded the machine is right now.

Without either, the answer is ``None`` and the UI says so instead of guessing. An estimate is
an upper bound when early stopping ends a run before its planned epochs. This module is pure
(numbers in, numbers out), so it is tested against hand-worked examples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import fmean
from typing import Iterable, Mapping, Sequence

from core.training.budget import Rates


#: Seconds of a run outside its steady epochs, where this machine has not yet measured the
#: run's own (:func:`overhead_of`, kept in ``throughput.json`` beside its rates by the
#: in-process job runner, for runs of the same sizes): measured (2026-12-02, 2-core x86_64
#: CPU shared with other work, load average 3-5, nice 10) on the demo's idc_initial run:
#: 33.7 s of wall time, of which 4 steady epochs of about 3.5 s and a first epoch of 12.2 s
#: (tracing): 33.7 - 5 * 3.5 = 16 s. On a quiet machine a small CNN's is 2-8 s and
#: MobileNetV2's about 15 s (2026-12-04): a default for no model in particular.
RUN_OVERHEAD_S = 16.0


@dataclass(frozen=True)
class RunPlan:
    """What one run will train and predict, and the rates it is expected to run at."""

    images_per_epoch: int
    epochs: int
    n_val: int
    n_test: int
    #: ``None`` when this model at this size has never been measured on this device.
    rates: Rates | None = None
    #: Seconds outside the steady epochs: loading data, building, the first epoch's graph
    #: tracing, saving (:data:`RUN_OVERHEAD_S` where nothing better is known).
    overhead_s: float = 0.0
    #: Prediction passes over the val images per epoch: 2 when the recipe watches the
    #: validation AUC (:mod:`core.training.val_auc`), else Keras' one.
    val_passes: int = 1
    #: The run is in the store already: it will be found there, not trained (no time).
    stored: bool = False

    @classmethod
    def found_stored(cls) -> RunPlan:
        """The plan of a run the store already holds: nothing to train or predict."""
        return cls(images_per_epoch=0, epochs=0, n_val=0, n_test=0, stored=True)

    @property
    def epoch_s(self) -> float | None:
        """Seconds of one epoch at the measured rates: training, then predicting the val
        images. Every train rate is training steps alone: a probe times ``train_on_batch``,
        and a run's ``images_per_s`` stops its epoch clock when validation begins
        (:class:`core.training.measure.EpochTimer`: ``on_test_begin``), so validation is added
        whatever the rate's source (as the budget planner's time model does)."""
        if self.rates is None:
            return None
        return (self.images_per_epoch / self.rates.train
                + self.val_passes * self.n_val / self.rates.predict)

    @property
    def final_s(self) -> float:
        """Seconds of the final val and test predictions (0 when no rate is known: a few
        seconds on the sizes this tool trains, small beside the epochs)."""
        if self.rates is None:
            return 0.0
        return (self.n_val + self.n_test) / self.rates.predict

    @property
    def total_s(self) -> float | None:
        """The whole run at the measured rates: its fixed overhead, its epochs and the final
        predictions (the budget planner's time model, :func:`core.training.budget.
        expected_seconds`, with the epoch as :attr:`epoch_s` counts it); 0 for a stored run."""
        if self.stored:
            return 0.0
        if self.rates is None:
            return None
        return self.overhead_s + self.epochs * self.epoch_s + self.final_s


def run_remaining_s(plan: RunPlan | None, *, epochs_done: float,
                    epoch_seconds: Sequence[float] = (), epochs: int | None = None
                    ) -> float | None:
    """Seconds a running run still needs: the epochs left (``epochs_done`` may be fractional,
    e.g. 1.5 half-way through the second) at the mean of its own ``epoch_seconds`` when one has
    ended, else at the plan's rate-based epoch, plus the final predictions."""
    total_epochs = epochs or (plan.epochs if plan else None)
    per_epoch = typical_epoch_s(epoch_seconds) if epoch_seconds else None
    if per_epoch is None:
        per_epoch = plan.epoch_s if plan else None
    if per_epoch is None or not total_epochs:
        return None
    left = max(float(total_epochs) - float(epochs_done), 0.0)
    return left * per_epoch + (plan.final_s if plan else 0.0)


def typical_epoch_s(epoch_seconds: Sequence[float]) -> float | None:
    """The seconds of an epoch still to come: the mean of the epochs after the first when
    there are any, since the first also traces the graph (measured on the demo: 12 s, then
    3-4 s), else the first."""
    if not epoch_seconds:
        return None
    later = epoch_seconds[1:]
    return fmean(later) if later else float(epoch_seconds[0])


@dataclass(frozen=True)
class JobRemaining:
    """A job's time left: ``seconds`` over the runs whose time is known, and how many
    unfinished runs have no measured speed yet (their time is not in ``seconds``)."""

    seconds: float
    unknown_runs: int


def job_remaining(remaining: Iterable[float | None]) -> JobRemaining:
    """Sum the unfinished runs' seconds left (runs train one after another on this server)."""
    known, unknown = 0.0, 0
    for seconds in remaining:
        if seconds is None:
            unknown += 1
        else:
            known += seconds
    return JobRemaining(seconds=known, unknown_runs=unknown)


def about(seconds: float) -> str:
    """A time left in words, rounded up to whole minutes: an estimate, not a stopwatch."""
    if seconds < 60:
        return "less than a minute"
    minutes = math.ceil(seconds / 60)
    return f"about {minutes} min"


def took(seconds: float) -> str:
    """A measured duration in words: ``"42 s"``, ``"3 min 05 s"``, ``"1 h 02 min"``."""
    seconds = max(int(round(seconds)), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def newest_rates(table: Mapping[str, Mapping], model: str, size: int,
                 batch: int, augmentation: str | None = None) -> Rates | None:
    """The most recently measured rates of ``model`` at ``size`` px and ``batch`` in a
    ``throughput.json`` table, whatever device and TensorFlow version measured them (keys of
    any planner's format); those measured with ``augmentation`` (a preset name) first, since
    augmenting costs time per image, then the newest of any preset (older keys name none).

    For pages that must not start TensorFlow to learn the device's name (the Home page of a
    fresh install): one store usually lives on one machine, so its newest entry is this one's.
    Training code uses the exact key (:func:`core.training.throughput.remembered`)."""
    found = _newest_entry(table, model, size, batch, augmentation)
    return found[0] if found else None


def newest_overhead_s(table: Mapping[str, Mapping], model: str, size: int, batch: int,
                      augmentation: str | None = None, *, sizes: Sequence[int]) -> float | None:
    """The fixed seconds (:func:`overhead_of`) kept with :func:`newest_rates`' entry, when
    they were measured on a run of the same ``sizes`` (:func:`overhead_sizes`); ``None`` when
    that entry has none (written by a budget run, or before overheads were kept) or has
    another run's."""
    found = _newest_entry(table, model, size, batch, augmentation)
    return read_overhead(found[1], sizes) if found else None


def _newest_entry(table, model, size, batch, augmentation) -> tuple[Rates, Mapping] | None:
    best = None
    for key, entry in table.items():
        parts = str(key).split("|")
        if len(parts) < 4 or parts[1:4] != [model, str(size), str(batch)]:
            continue
        try:
            rates = Rates(train=float(entry["train"]), predict=float(entry["predict"]),
                          source="earlier runs")
            rank = (f"aug={augmentation}" in parts[4:], float(entry.get("at", 0.0)))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # a damaged entry is no measurement
        if rates.train > 0 and rates.predict > 0 and (best is None or rank > best[0]):
            best = (rank, (rates, entry))
    return best[1] if best else None


def overhead_sizes(plan: RunPlan) -> list[int]:
    """What a run's overhead depends on besides the model: the images it reads in an epoch,
    and its validation and test images (the first, uncached pass over the data, the
    predictions it saves). A kept overhead is used only for a run of the same sizes: a real
    dataset's must not be promised to the demo, nor the demo's to a real dataset."""
    return [int(plan.images_per_epoch), int(plan.n_val), int(plan.n_test)]


def read_overhead(entry: Mapping, sizes: Sequence[int]) -> float | None:
    """An entry's kept overhead (``overhead_s``) when it was measured on a run of ``sizes``;
    ``None`` when absent, another run's, or not a non-negative number (a damaged value is no
    measurement)."""
    try:
        value = float(entry["overhead_s"])
        if [int(n) for n in entry["overhead_sizes"]] != list(sizes):
            return None
    except (KeyError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


def overhead_or_default(overhead_s: float | None) -> float:
    """A run's fixed seconds for its plan: this machine's measurement of the same run when
    there is one, else :data:`RUN_OVERHEAD_S`."""
    return RUN_OVERHEAD_S if overhead_s is None else float(overhead_s)


def overhead_of(plan: RunPlan, *, wall_s: float, epochs_run: int, rates: Rates) -> float:
    """The seconds a finished run spent outside what :class:`RunPlan` counts (resolving and
    reading the data, building the model, the first epoch's graph tracing, saving): its time
    from start to stored (``wall_s``) less its epochs and final predictions at the rates it
    achieved itself. Kept with those rates, it makes the next estimate of the same run on
    this machine come out at this run's time; a single constant cannot, since the overhead
    grows with the graph (2-8 s for the small IDC CNNs, about 15 s for MobileNetV2 on the
    same quiet 2-core machine)."""
    counted = replace(plan, epochs=int(epochs_run), rates=rates, overhead_s=0.0,
                      stored=False).total_s
    return max(float(wall_s) - counted, 0.0)
