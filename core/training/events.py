"""A training run's progress events: one small frozen dataclass per kind, with its own words.

The engine emits them through one callable (see :mod:`core.training.progress`); a job adds the
run's start and end (:class:`RunStarted`, :class:`RunFailed`, ...) and the Ray task the worker
it runs on (:class:`WorkerStarted`). The command line, the Ray printer and the Train page's job
panel all show an event as its :meth:`~ProgressEvent.describe`, so a line reads the same
wherever it is shown. Listeners choose which events to show (the command line draws batches as
a bar, for example); the words are not theirs to choose.

The events are plain frozen dataclasses of numbers, strings and dicts defined at module level,
so they pickle as they are: the Ray task puts them on the driver's queue unchanged.
:meth:`~ProgressEvent.to_dict` is their serialised form (``{"event": kind, **fields}``, the
dicts the engine emitted before these classes), kept in a job's ``last_event`` and written by
anything that logs events as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Mapping


@dataclass(frozen=True)
class ProgressEvent:
    """The base of every event: its ``kind`` (the serialised ``"event"`` value) and words."""

    #: The serialised name of this kind of event (``to_dict()["event"]``).
    kind: ClassVar[str] = ""
    #: Whether a printer of one line per event (the command line, the Ray grid) shows it.
    printed: ClassVar[bool] = False

    def describe(self) -> str:
        """One line for this event; an empty string for an event that has no words."""
        return ""

    @property
    def worth_a_line(self) -> bool:
        """Whether a printer of one line per event shows this one."""
        return self.printed

    def to_dict(self) -> dict[str, Any]:
        """The serialised form: ``{"event": kind, field: value, ...}``."""
        return {"event": self.kind, **{f.name: getattr(self, f.name) for f in fields(self)}}


# -- the engine's events, in the order a run emits them ----------------------------------------


@dataclass(frozen=True)
class RunCached(ProgressEvent):
    """The store has the run already: nothing is trained."""

    run_id: str
    kind: ClassVar[str] = "cached"
    printed: ClassVar[bool] = True

    def describe(self) -> str:
        return f"stored already: {self.run_id}"


@dataclass(frozen=True)
class WaitingForClaim(ProgressEvent):
    """Another process holds the run's claim (core.store.locks); said once, so that a second
    ``core run`` never hangs mute."""

    run_id: str
    pid: int | None = None
    label: str = ""
    kind: ClassVar[str] = "waiting"
    printed: ClassVar[bool] = True

    def describe(self) -> str:
        who = f"another process (pid {self.pid})" if self.pid else "another process"
        label = f" ({self.label})" if self.label else ""
        return (f"waiting for {who} training run {self.run_id}{label}; "
                "this run reuses its result when it finishes")


@dataclass(frozen=True)
class Building(ProgressEvent):
    """The model is being built (ImageNet weights, if asked for, are loaded now)."""

    model: str
    kind: ClassVar[str] = "building"

    def describe(self) -> str:
        return f"building {self.model}"


@dataclass(frozen=True)
class MeasuringSpeed(ProgressEvent):
    """A budget run times its model on a few random batches at one input size
    (:mod:`core.training.throughput`) before choosing what to train."""

    model: str
    input_size: int
    kind: ClassVar[str] = "measuring"
    printed: ClassVar[bool] = True

    def describe(self) -> str:
        return f"measuring the speed of {self.model} at {self.input_size} px"


@dataclass(frozen=True)
class BudgetPlanned(ProgressEvent):
    """A budget run's plan (:mod:`core.training.budget`): what its minutes buy."""

    budget_s: float
    input_size: int
    epochs: int
    train_images: int
    expected_s: float
    kind: ClassVar[str] = "budget"
    printed: ClassVar[bool] = True

    def describe(self) -> str:
        return (f"budget {self.budget_s / 60:g} min: {self.input_size} px, up to {self.epochs} "
                f"epochs of {self.train_images:,} images (expected {self.expected_s / 60:.1f} "
                "min)")


@dataclass(frozen=True)
class TrainingStarted(ProgressEvent):
    """``fit`` starts: ``resumed_from_epoch`` epochs were finished by an earlier attempt."""

    run_id: str
    epochs: int
    steps: int
    resumed_from_epoch: int = 0
    kind: ClassVar[str] = "training"

    @property
    def worth_a_line(self) -> bool:  # a resume is news; a fresh start is what was asked
        return bool(self.resumed_from_epoch)

    def describe(self) -> str:
        epochs, resumed = int(self.epochs or 0), int(self.resumed_from_epoch or 0)
        if resumed:
            return f"resuming after epoch {resumed} of {epochs}"
        return f"training {epochs} epoch(s) of {self.steps} steps"


@dataclass(frozen=True)
class BatchEnded(ProgressEvent):
    """A training batch ended (throttled: at most one event per ``min_interval_s``).
    ``epoch`` is 0-based (the epoch in progress), ``batch`` 1-based."""

    epoch: int
    epochs: int
    batch: int
    steps: int
    loss: float
    kind: ClassVar[str] = "batch"

    def describe(self) -> str:
        steps = max(int(self.steps or 1), 1)
        return (f"epoch {int(self.epoch) + 1}/{self.epochs} · batch {self.batch}/{steps} · "
                f"loss {float(self.loss):.4f}")


@dataclass(frozen=True)
class EpochEnded(ProgressEvent):
    """An epoch ended and was checkpointed; ``epoch`` is 1-based, ``logs`` Keras' metrics."""

    epoch: int
    epochs: int
    logs: Mapping[str, float] = field(default_factory=dict)
    kind: ClassVar[str] = "epoch"
    printed: ClassVar[bool] = True

    def describe(self) -> str:
        shown = " ".join(f"{k} {float(v):.4f}" for k, v in (self.logs or {}).items()
                         if k != "learning_rate")
        return f"epoch {self.epoch}/{self.epochs}: {shown}".rstrip(": ")


@dataclass(frozen=True)
class Predicting(ProgressEvent):
    """Training is over; the val and test predictions are being computed."""

    run_id: str
    kind: ClassVar[str] = "predicting"

    def describe(self) -> str:
        return "predicting val and test"


@dataclass(frozen=True)
class RunDone(ProgressEvent):
    """The run is committed to the store; ``summary`` is its record's summary."""

    run_id: str
    summary: Mapping[str, Any] = field(default_factory=dict)
    kind: ClassVar[str] = "done"
    printed: ClassVar[bool] = True

    def describe(self) -> str:
        return f"stored as {self.run_id}"


# -- what a job and the Ray task add around the engine's events --------------------------------


@dataclass(frozen=True)
class RunStarted(ProgressEvent):
    """A job started one of its runs (core.jobs.job)."""

    kind: ClassVar[str] = "started"

    def describe(self) -> str:
        return "started"


@dataclass(frozen=True)
class WorkerStarted(ProgressEvent):
    """The first event of every attempt of a Ray task: which process and host run it (a retry
    shows a new pid); ``attempt`` is counted by the driver."""

    pid: int
    host: str
    attempt: int = 1
    kind: ClassVar[str] = "worker"
    printed: ClassVar[bool] = True

    def describe(self) -> str:
        again = f" (attempt {self.attempt})" if self.attempt > 1 else ""
        return f"started on {self.host}, pid {self.pid}{again}"


@dataclass(frozen=True)
class RunFailed(ProgressEvent):
    """The run raised; ``error`` is the message the user reads."""

    error: str
    error_type: str
    kind: ClassVar[str] = "failed"
    printed: ClassVar[bool] = True

    def describe(self) -> str:
        return f"FAILED: {self.error_type}: {self.error}"


@dataclass(frozen=True)
class RunCancelled(ProgressEvent):
    """The run stopped on the job's cancel; its finished epochs are kept."""

    kind: ClassVar[str] = "cancelled"
    printed: ClassVar[bool] = True

    def describe(self) -> str:
        return "cancelled"


@dataclass(frozen=True)
class RunSkipped(ProgressEvent):
    """The job was cancelled before this run started."""

    kind: ClassVar[str] = "skipped"
    printed: ClassVar[bool] = True

    def describe(self) -> str:
        return "skipped"
