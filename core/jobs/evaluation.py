"""Background external evaluations: stored runs predicted on another dataset, off the page.

Why a runner of its own rather than a kind of training :class:`~core.jobs.job.Job`: a training
job's runs are :class:`~core.training.RunSpec` s and its states are driven by the engine's typed
progress events (epochs, batches, resumes); an evaluation has none of these (a few steps: the
overlap check, one prediction pass, the commit). What it shares with training is the machinery:
one long-lived daemon thread fed by a queue (:class:`~core.jobs.backends.QueueThreadBackend`),
the run statuses of :mod:`core.jobs.states`, immutable snapshots read by the page, and a cancel
event. It keeps TensorFlow's one-thing-at-a-time rule of the in-process backend.

Cancel is honoured between the steps of :func:`core.external.evaluate_external` (before the
overlap check and before predicting: the progress callback raises there, which releases the
evaluation's claim with nothing stored) and between the evaluations of a job; a prediction pass
that has begun runs to its end, and an evaluation committed before the cancel stays stored.
"""

from __future__ import annotations

import threading
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.jobs.kept import KeptJobsRunner
from core.jobs.states import CACHED, CANCELLED, DONE, FAILED, QUEUED, RUNNING, TERMINAL

__all__ = ["EvaluationCancelled", "EvaluationJob", "EvaluationRunner", "EvaluationSnapshot",
           "EvaluationState", "EvaluationTask", "run_evaluations"]

#: Progress of one evaluation after each of evaluate_external's events.
_FRACTION = {"overlap": 0.1, "predicting": 0.3, "cached": 1.0, "done": 1.0}
#: The events before which nothing is stored yet: a cancel raises there.
_CANCELLABLE = ("overlap", "predicting")


class EvaluationCancelled(Exception):
    """Raised from the progress callback when the job is cancelled (nothing stored)."""


@dataclass(frozen=True)
class EvaluationTask:
    """One stored run to evaluate on one target (``mapping``: target class -> run class)."""

    run_id: str
    dataset: str
    split: str = "test"
    mapping: tuple[tuple[str, str], ...] | None = None
    name: str = ""  # how the page names the run

    @property
    def label(self) -> str:
        return f"{self.name or self.run_id[:12]} on {self.dataset} ({self.split})"


@dataclass(frozen=True)
class EvaluationState:
    task: EvaluationTask
    status: str = QUEUED
    fraction: float = 0.0
    detail: str = ""
    evaluation_id: str | None = None
    error: str | None = None
    traceback: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


@dataclass(frozen=True)
class EvaluationSnapshot:
    id: str
    label: str
    items: tuple[EvaluationState, ...]
    cancel_requested: bool
    closed: bool

    @property
    def done(self) -> bool:
        return self.closed

    @property
    def status(self) -> str:
        if self.closed:
            return "cancelled" if self.cancel_requested else "finished"
        return "queued" if all(s.status == QUEUED for s in self.items) else "running"

    @property
    def fraction(self) -> float:
        return sum(s.fraction for s in self.items) / max(len(self.items), 1)

    @property
    def evaluation_ids(self) -> tuple[str, ...]:
        return tuple(s.evaluation_id for s in self.items if s.evaluation_id)


class EvaluationJob:
    """Evaluations queued together; the worker reports into it, the page reads snapshots."""

    def __init__(self, tasks: Sequence[EvaluationTask], label: str = "",
                 on_event: Callable[[int, dict], None] | None = None) -> None:
        self.id = f"eval-{uuid.uuid4().hex[:12]}"
        self.tasks = tuple(tasks)
        self.label = label or f"{len(self.tasks)} external evaluation(s)"
        self.cancel_event = threading.Event()
        self._on_event = on_event
        self._states = [EvaluationState(t) for t in self.tasks]
        self._lock = threading.Lock()
        self._closed = threading.Event()

    def snapshot(self) -> EvaluationSnapshot:
        with self._lock:
            return EvaluationSnapshot(self.id, self.label, tuple(self._states),
                                      self.cancel_event.is_set(), self._closed.is_set())

    def cancel(self) -> None:
        self.cancel_event.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._closed.wait(timeout)

    def set(self, index: int, **changes: Any) -> None:
        with self._lock:
            self._states[index] = replace(self._states[index], **changes)

    def event(self, index: int, event: Mapping[str, Any]) -> None:
        """One progress event of :func:`core.external.evaluate_external` for item ``index``."""
        kind = str(event.get("event"))
        words = {"overlap": "checking the target for the run's training images",
                 "predicting": f"predicting {event.get('images', '')} images",
                 "cached": "already stored", "done": "evaluated and stored"}
        self.set(index, fraction=_FRACTION.get(kind, 0.0), detail=words.get(kind, kind),
                 **({"status": CACHED} if kind == "cached" else {}))
        if self._on_event is not None:
            self._on_event(index, dict(event))

    def close(self) -> None:
        self._closed.set()


def run_evaluations(job: EvaluationJob, store, registry_path: Path | None = None) -> None:
    """Evaluate ``job``'s tasks in order in this thread; a failure does not stop the job."""
    from core.external import evaluate_external

    for i, task in enumerate(job.tasks):
        if job.cancel_event.is_set():
            job.set(i, status=CANCELLED, detail="skipped: the job was cancelled first")
            continue
        job.set(i, status=RUNNING, detail="starting")

        def progress(event: dict, i: int = i) -> None:
            if job.cancel_event.is_set() and event.get("event") in _CANCELLABLE:
                raise EvaluationCancelled("cancelled before " + str(event.get("event")))
            job.event(i, event)

        try:
            stored = evaluate_external(store, task.run_id, task.dataset, split=task.split,
                                       mapping=dict(task.mapping) if task.mapping else None,
                                       registry_path=registry_path, progress=progress)
        except EvaluationCancelled as exc:
            job.set(i, status=CANCELLED, detail=f"{exc}; nothing stored")
        except Exception as exc:  # noqa: BLE001 - one failed evaluation must not stop the job
            message = str(exc).strip() or type(exc).__name__
            job.set(i, status=FAILED, fraction=1.0, detail=f"failed: {message}", error=message,
                    traceback=traceback.format_exc())
        else:
            status = CACHED if job.snapshot().items[i].status == CACHED else DONE
            job.set(i, status=status, fraction=1.0, evaluation_id=stored.evaluation_id)
    job.close()


class EvaluationRunner(KeptJobsRunner):
    """One per process (the app keeps one per server): queues evaluation jobs for one worker
    thread, keeps them for display (the last ``keep`` finished ones)."""

    thread_name = "lesionlab-evaluations"

    def __init__(self, store, registry_path: Path | None = None, keep: int = 20) -> None:
        super().__init__(store, registry_path, keep)

    def submit(self, tasks: Sequence[EvaluationTask], label: str = "",
               on_event: Callable[[int, dict], None] | None = None) -> EvaluationJob:
        """Queue ``tasks`` as one job and return it at once."""
        if not tasks:
            raise ValueError("Nothing to evaluate: the job has no runs.")
        job = EvaluationJob(tasks, label, on_event)
        return self._keep_and_start(job)

    def _run(self, job) -> None:
        run_evaluations(job, self.store, self.registry_path)
