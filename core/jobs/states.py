"""What a UI, a CLI or a notebook reads about a job: immutable snapshots.

A job is updated by a backend thread (or, later, by messages from Ray workers) while a Streamlit
session reruns its script in another thread. Handing the readers the live, mutable state would
let them see a run half-updated (status "done" without its run id) or change it by accident.
So readers only ever get these frozen dataclasses, built under the job's lock; nested dicts are
read-only mappings and lists are tuples, all the way down.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

from core.training.eta import JobRemaining, RunPlan, about, job_remaining, run_remaining_s, took

if TYPE_CHECKING:  # importing core.training.spec's callers may import TensorFlow
    from core.training.spec import RunSpec

QUEUED = "queued"
RUNNING = "running"
CACHED = "cached"  # the store had the run already: nothing was trained
DONE = "done"  # trained and stored
FAILED = "failed"
CANCELLED = "cancelled"  # stopped while training (finished epochs kept) or skipped before start

RUN_STATUSES = (QUEUED, RUNNING, CACHED, DONE, FAILED, CANCELLED)
TERMINAL = frozenset({CACHED, DONE, FAILED, CANCELLED})

#: Share of a run's progress bar that belongs to training; the rest is predicting val/test.
TRAIN_SHARE = 0.95


def freeze(value: Any) -> Any:
    """A read-only deep copy: dicts become mapping proxies, lists and tuples become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class RunState:
    """One run of a job as it was when the snapshot was taken.

    ``fraction`` is this run's progress in [0, 1] (epochs and batches of training, then
    predicting); ``detail`` says it in words ("epoch 2/5 · batch 10/47 · loss 0.412").
    ``last_event`` is the latest progress event the engine emitted, in its serialised form
    (``{"event": "epoch", ...}``, see :meth:`core.training.events.ProgressEvent.to_dict`).
    ``error`` is the failure message as the user should read it, ``traceback`` the full text
    for a developer.
    """

    index: int
    spec: RunSpec
    status: str
    fraction: float = 0.0
    detail: str = ""
    last_event: Mapping[str, Any] | None = None
    epoch: int | None = None  # finished epochs (absolute, counting resumed ones)
    epochs: int | None = None
    resumed_from_epoch: int | None = None
    run_id: str | None = None
    summary: Mapping[str, Any] | None = None
    error: str | None = None
    error_type: str | None = None
    traceback: str | None = None
    started_at: float | None = None  # time.time()
    finished_at: float | None = None
    #: What the run will train and the rates it should run at (:mod:`core.training.eta`);
    #: ``None`` until planned, and for runs whose size is only chosen while they run (budget).
    plan: RunPlan | None = None
    #: Wall seconds of each epoch this attempt trained, measured as the events arrive.
    epoch_seconds: tuple[float, ...] = ()
    epoch_clock: float | None = None  # time.time() when the epoch in progress started

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL

    @property
    def seconds(self) -> float | None:
        """Wall time of this run so far (or in total, once finished)."""
        if self.started_at is None:
            return None
        import time

        return (self.finished_at or time.time()) - self.started_at

    @property
    def remaining_s(self) -> float | None:
        """Seconds this run still needs (0 once finished; ``None`` with no measured speed):
        its plan's rates until an epoch ended, then its own epoch times. A budget run ends
        within its budget whatever its planned epochs say (it plans every epoch the budget
        fits and usually stops early), so what is left of the budget caps the estimate; a
        queued budget run, which is planned only when it starts, counts its whole budget
        (none when the store holds it: :meth:`core.training.eta.RunPlan.found_stored`)."""
        if self.finished:
            return 0.0
        if self.status != RUNNING:
            if self.plan:
                return self.plan.total_s
            return float(self.spec.budget_s) if self.spec.budget_s else None
        epochs = self.epochs or (self.plan.epochs if self.plan else None)
        done = self.fraction / TRAIN_SHARE * epochs if epochs else 0.0
        left = run_remaining_s(self.plan, epochs_done=done, epoch_seconds=self.epoch_seconds,
                               epochs=epochs)
        if self.spec.budget_s and self.started_at is not None:
            budget_left = max(0.0, float(self.spec.budget_s) - (self.seconds or 0.0))
            left = budget_left if left is None else min(left, budget_left)
        return left

    def time_words(self) -> str:
        """"about 3 min left" while queued or running, "took 45 s" once trained; empty when
        unknown (no measured speed yet, or a run that never started)."""
        if self.finished:
            seconds = self.seconds
            return f"took {took(seconds)}" if seconds is not None and self.started_at else ""
        left = self.remaining_s
        return f"{about(left)} left" if left is not None else ""


@dataclass(frozen=True)
class JobSnapshot:
    """A whole job at one instant. ``status`` is queued, running, finished or cancelled."""

    id: str
    label: str
    created_at: str  # ISO 8601, UTC
    status: str
    runs: tuple[RunState, ...]
    log: tuple[str, ...]
    cancel_requested: bool
    finished_at: str | None
    version: int  # grows with every change; equal versions mean equal snapshots

    @property
    def done(self) -> bool:
        return self.status in ("finished", "cancelled")

    @property
    def fraction(self) -> float:
        """Overall progress: finished runs count fully, the running one partly."""
        if not self.runs:
            return 1.0
        return sum(r.fraction for r in self.runs) / len(self.runs)

    def count(self, *statuses: str) -> int:
        return sum(r.status in statuses for r in self.runs)

    @property
    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in RUN_STATUSES if self.count(s)}

    @property
    def finished_run_ids(self) -> tuple[str, ...]:
        """Ids of the runs that are in the store now (trained by this job or found there)."""
        return tuple(r.run_id for r in self.runs if r.status in (DONE, CACHED) and r.run_id)

    @property
    def running(self) -> RunState | None:
        return next((r for r in self.runs if r.status == RUNNING), None)

    @property
    def remaining(self) -> JobRemaining:
        """Seconds left over the unfinished runs with a known speed, and how many lack one."""
        return job_remaining(r.remaining_s for r in self.runs if not r.finished)

    @property
    def took_s(self) -> float | None:
        """Wall seconds from submission to the last run's end (``None`` while running)."""
        if not self.finished_at:
            return None
        import datetime as dt

        try:
            end, start = (dt.datetime.fromisoformat(t) for t in (self.finished_at,
                                                                    self.created_at))
        except ValueError:
            return None
        return (end - start).total_seconds()

    def time_words(self) -> str:
        """The job's time in one line: "about 4 min left" (saying how many runs are not
        measured yet) while it runs, "took 3 min 05 s" once done."""
        if self.done:
            seconds = self.took_s
            return f"Took {took(seconds)}." if seconds is not None else ""
        left = self.remaining
        if left.unknown_runs == 0:
            return f"{about(left.seconds)} left.".capitalize()
        n = left.unknown_runs
        unknown = (f"{n} run{'s' if n != 1 else ''} not timed yet on this machine "
                   "(each known after its first epoch)")
        if left.unknown_runs == self.count(QUEUED, RUNNING):
            return f"Time left: not known yet; {unknown}."
        return f"{about(left.seconds)} left, plus {unknown}.".capitalize()

    def headline(self) -> str:
        """One sentence: where the job stands."""
        n = len(self.runs)
        parts = [f"{self.count(DONE)} trained", f"{self.count(CACHED)} already stored"]
        if self.count(FAILED):
            parts.append(f"{self.count(FAILED)} failed")
        if self.count(CANCELLED):
            parts.append(f"{self.count(CANCELLED)} cancelled")
        if self.count(RUNNING):  # one in-process, several at once on Ray
            parts.append(f"{self.count(RUNNING)} training")
        if self.count(QUEUED):
            parts.append(f"{self.count(QUEUED)} waiting")
        head = {"queued": "Waiting to start", "running": "Running",
                "finished": "Finished", "cancelled": "Cancelled"}[self.status]
        return f"{head}: {n} run{'s' if n != 1 else ''} — " + ", ".join(parts) + "."
