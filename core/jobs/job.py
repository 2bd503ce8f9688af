"""A job: a list of runs trained one after another, its live state, and how readers see it.

The job is the meeting point between a backend (which trains and reports) and its readers
(which look and may cancel). Backends report through the ``run_*`` methods; readers call
:meth:`Job.snapshot`, :meth:`Job.cancel`, :meth:`Job.wait` and :meth:`Job.subscribe`. Every
mutation happens under one lock and bumps a version number, so a snapshot is consistent and
is only rebuilt when something changed (the dashboard asks for one every second).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import traceback as tb
import uuid
from dataclasses import replace
from typing import Any, Callable, Sequence

from core.training.events import (
    BatchEnded,
    BudgetPlanned,
    Building,
    EpochEnded,
    MeasuringSpeed,
    Predicting,
    ProgressEvent,
    RunCached,
    RunCancelled,
    RunDone,
    RunFailed,
    RunSkipped,
    RunStarted,
    TrainingStarted,
    WaitingForClaim,
)
from core.jobs.states import (
    CACHED,
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    TRAIN_SHARE,
    JobSnapshot,
    RunState,
    freeze,
)

#: Called in the backend's thread with (run index, event) after the state was updated.
Listener = Callable[[int, ProgressEvent], None]

#: The log keeps the first lines and the most recent ones; a long grid must not grow it forever.
MAX_LOG_LINES = 2000


def _utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Job:
    """Runs to train, in order, with per-run state, a log and a cancel switch.

    Created by :meth:`core.jobs.JobRunner.submit`; not meant to be built by hand.
    """

    def __init__(self, specs: Sequence, label: str = "") -> None:
        self.id = uuid.uuid4().hex[:10]
        self.specs = tuple(specs)
        self.label = label or f"{len(self.specs)} run{'s' if len(self.specs) != 1 else ''}"
        self.created_at = _utc_now()
        #: Set by :meth:`cancel`; the in-process backend passes it to ``train_run`` as is.
        self.cancel_event = threading.Event()
        self._lock = threading.RLock()
        self._closed = threading.Event()
        self._runs = [RunState(index=i, spec=s, status=QUEUED) for i, s in enumerate(self.specs)]
        self._log: list[str] = []
        self._dropped = 0
        self._finished_at: str | None = None
        self._version = 0
        self._snapshot: JobSnapshot | None = None
        self._listeners: list[Listener] = []
        self._log_line(f"job {self.id} submitted: {self.label}")

    # -- readers -------------------------------------------------------------------------------

    def snapshot(self) -> JobSnapshot:
        """The job as it is now, immutable (safe to keep, cache or hand to another thread)."""
        with self._lock:
            if self._snapshot is None or self._snapshot.version != self._version:
                self._snapshot = JobSnapshot(
                    id=self.id, label=self.label, created_at=self.created_at,
                    status=self._status(), runs=tuple(self._runs), log=self._log_tuple(),
                    cancel_requested=self.cancel_event.is_set(),
                    finished_at=self._finished_at, version=self._version,
                )
            return self._snapshot

    def cancel(self) -> None:
        """Stop the running run within one batch (its finished epochs are kept, so submitting it
        again resumes) and skip the runs that have not started. Idempotent."""
        with self._lock:
            if self.cancel_event.is_set() or self._closed.is_set():
                return
            self.cancel_event.set()
            self._log_line("cancel requested: the running run stops after its current batch")
            self._touch()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every run has finished (or was skipped); False on timeout."""
        return self._closed.wait(timeout)

    @property
    def done(self) -> bool:
        return self._closed.is_set()

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(run_index, event)`` for every event from now on, in the backend's
        thread. Events are the engine's (see :mod:`core.training.events`) plus
        :class:`RunStarted`, :class:`RunFailed`, :class:`RunCancelled` and
        :class:`RunSkipped`. A listener that raises is logged and dropped; it never breaks the
        training."""
        with self._lock:
            self._listeners.append(listener)

    # -- reporting (backends only) ----------------------------------------------------------------

    def run_started(self, index: int) -> None:
        with self._lock:
            self._set(index, status=RUNNING, started_at=time.time(), detail="starting")
            self._log_run(index, "started")
        self._notify(index, RunStarted())

    def run_planned(self, index: int, plan) -> None:
        """What run ``index`` will train and at which measured rates
        (:class:`core.training.eta.RunPlan`, or ``None``): its time before it has run."""
        with self._lock:
            self._set(index, plan=plan)

    def run_event(self, index: int, event: ProgressEvent) -> None:
        """A progress event from the engine for run ``index`` (kept in its serialised form as
        the run's ``last_event``)."""
        with self._lock:
            run = self._runs[index]
            changes, line = _apply_event(run, event, time.time())
            self._set(index, last_event=freeze(event.to_dict()), **changes)
            if line:
                self._log_run(index, line)
        self._notify(index, event)

    def run_finished(self, index: int, run_id: str, summary: dict | None) -> None:
        """The run is in the store: trained now, or found there (a ``cached`` event came)."""
        with self._lock:
            run = self._runs[index]
            was_cached = (run.last_event or {}).get("event") == RunCached.kind
            status = CACHED if was_cached else DONE
            auc = (summary or {}).get("test_auc")
            detail = "already stored" if was_cached else "trained and stored"
            if auc is not None:
                detail += f" · test AUC {auc:.3f}"
            self._set(index, status=status, run_id=run_id, summary=freeze(summary or {}),
                      fraction=1.0, detail=detail, finished_at=time.time())
            self._log_run(index, f"{detail} as {run_id}")

    def run_failed(self, index: int, exc: BaseException, traceback_text: str | None = None) -> None:
        """The run raised; the message is what the user reads, the traceback is kept for a
        developer. The job goes on with its next run."""
        message = str(exc).strip() or type(exc).__name__
        text = traceback_text or "".join(tb.format_exception(exc))
        with self._lock:
            self._set(index, status=FAILED, error=message, error_type=type(exc).__name__,
                      traceback=text, fraction=1.0, detail=f"failed: {message}",
                      finished_at=time.time())
            self._log_run(index, f"FAILED ({type(exc).__name__}): {message}")
        self._notify(index, RunFailed(error=message, error_type=type(exc).__name__))

    def run_cancelled(self, index: int, message: str) -> None:
        """The run stopped on cancel while training; its scratch folder keeps its epochs."""
        with self._lock:
            run = self._runs[index]
            kept = run.epoch or 0
            detail = (f"cancelled after {kept} finished epoch{'s' if kept != 1 else ''}; "
                      "submitting it again resumes from there")
            self._set(index, status=CANCELLED, detail=detail, error=message,
                      finished_at=time.time())
            self._log_run(index, detail)
        self._notify(index, RunCancelled())

    def run_skipped(self, index: int) -> None:
        """The job was cancelled before this run started."""
        with self._lock:
            self._set(index, status=CANCELLED, detail="skipped: the job was cancelled first")
            self._log_run(index, "skipped (job cancelled)")
        self._notify(index, RunSkipped())

    def log(self, line: str) -> None:
        with self._lock:
            self._log_line(line)
            self._touch()

    def close(self) -> None:
        """Every run has reached a final state."""
        with self._lock:
            self._finished_at = _utc_now()
            self._log_line(self._status_after_close())
            self._touch()
            self._closed.set()

    # -- internals ---------------------------------------------------------------------------------

    def _status(self) -> str:
        if self._closed.is_set():
            return "cancelled" if self.cancel_event.is_set() else "finished"
        if all(r.status == QUEUED for r in self._runs):
            return "queued"
        return "running"

    def _status_after_close(self) -> str:
        runs = self._runs
        n_failed = sum(r.status == FAILED for r in runs)
        n_ok = sum(r.status in (DONE, CACHED) for r in runs)
        word = "cancelled" if self.cancel_event.is_set() else "finished"
        return f"job {word}: {n_ok} of {len(runs)} run(s) stored, {n_failed} failed"

    def _set(self, index: int, **changes: Any) -> None:
        self._runs[index] = replace(self._runs[index], **changes)
        self._touch()

    def _touch(self) -> None:
        self._version += 1

    def _log_run(self, index: int, text: str) -> None:
        self._log_line(f"[{index + 1}/{len(self._runs)}] {self._runs[index].label}: {text}")

    def _log_line(self, text: str) -> None:
        stamp = dt.datetime.now().strftime("%H:%M:%S")
        self._log.append(f"{stamp} {text}")
        if len(self._log) > MAX_LOG_LINES:  # keep the first lines (what was asked) and the end
            del self._log[20]
            self._dropped += 1

    def _log_tuple(self) -> tuple[str, ...]:
        if not self._dropped:
            return tuple(self._log)
        return (*self._log[:20], f"... {self._dropped} line(s) left out ...", *self._log[20:])

    def _notify(self, index: int, event: ProgressEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(index, event)
            except Exception as exc:  # noqa: BLE001 - a watcher must never break a training
                with self._lock:
                    if listener in self._listeners:
                        self._listeners.remove(listener)
                    self._log_line(f"a progress listener raised {type(exc).__name__}: {exc}; "
                                   "it was removed")
                    self._touch()


def _apply_event(run: RunState, event: ProgressEvent, now: float) -> tuple[dict, str]:
    """How one engine event changes a run's state, and the log line it deserves (batch events
    are too many to log; epochs, resumes and phases are not). The words are the event's own
    :meth:`~core.training.events.ProgressEvent.describe`, as on the command line. ``now``
    (``time.time()``) times the epochs, from training's start to each epoch's end: the run's
    own speed, which refines its time left (:mod:`core.training.eta`)."""
    line = event.describe()
    match event:
        case RunCached() | RunDone():
            return {"detail": line, "run_id": event.run_id}, ""
        case WaitingForClaim():  # another process holds the run's claim (core.store.locks)
            return {"detail": line, "run_id": event.run_id}, line
        case Building() | MeasuringSpeed() | BudgetPlanned():
            return {"detail": line}, line
        case TrainingStarted():
            epochs = int(event.epochs or 0)
            resumed = int(event.resumed_from_epoch or 0)
            return {"epochs": epochs, "epoch": resumed, "resumed_from_epoch": resumed,
                    "run_id": event.run_id, "detail": line, "epoch_clock": now,
                    "fraction": _train_fraction(resumed, epochs)}, line
        case BatchEnded():
            epochs = int(event.epochs or run.epochs or 1)
            steps = max(int(event.steps or 1), 1)
            done = int(event.epoch) + min(int(event.batch), steps) / steps
            line = replace(event, epochs=epochs).describe()
            return {"fraction": _train_fraction(done, epochs), "epochs": epochs,
                    "detail": line}, ""
        case EpochEnded():
            epochs = int(event.epochs or run.epochs or 1)
            epoch = int(event.epoch)
            line = replace(event, epochs=epochs).describe()
            timed = run.epoch_seconds + ((now - run.epoch_clock,) if run.epoch_clock else ())
            return {"epoch": epoch, "epochs": epochs, "fraction": _train_fraction(epoch, epochs),
                    "detail": line, "epoch_seconds": timed, "epoch_clock": now}, line
        case Predicting():
            return {"fraction": TRAIN_SHARE, "detail": line}, "predicting"
    return {}, ""


def _train_fraction(epochs_done: float, epochs: int) -> float:
    if epochs <= 0:
        return 0.0
    return TRAIN_SHARE * min(max(epochs_done / epochs, 0.0), 1.0)
