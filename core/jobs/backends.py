"""Where a job's runs are trained. The protocol is small so that a Ray backend fits behind it.

A backend gets a :class:`~core.jobs.job.Job` (its ``specs`` in order and its ``cancel_event``)
and must, in the background: call ``job.run_started(i)``, forward the engine's progress events
with ``job.run_event(i, event)``, end each run with ``run_finished`` / ``run_failed`` /
``run_cancelled`` / ``run_skipped``, and finally ``job.close()``. It must not block ``start``.
The Ray backend (``ray_backend``) does the same from a driver thread that submits remote tasks,
relays their events (e.g. through a Ray queue) and forwards a set ``cancel_event`` to them.

The default :class:`InProcessBackend` trains in one worker thread of the calling process, one run
at a time, jobs first come first served. Why one at a time on a CPU: TensorFlow already spreads
one model's work over every core (intra-op threads), so two concurrent ``fit`` calls do not
finish sooner — they fight over the same cores and memory and both slow down — and Keras keeps
process-global state that runs must not share (``keras.utils.set_random_seed``, the mixed
precision policy), so concurrent runs in one process would not even be reproducible.
The thread is a daemon: stopping the server or the notebook must not wait for a long training;
a run killed that way is never half-stored (the engine commits atomically) and resumes from
its last finished epoch when it is submitted again.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from pathlib import Path
from typing import Protocol, runtime_checkable

from core.jobs.estimates import plan_run, remember_run_rates
from core.jobs.job import Job


@runtime_checkable
class Backend(Protocol):
    """Trains the runs of submitted jobs in the background and reports into each job."""

    name: str

    def start(self, job: Job) -> None:
        """Queue ``job``; return at once."""

    def shutdown(self, wait: bool = True, timeout: float | None = None) -> None:
        """Stop taking jobs (callers cancel running ones first if they want them to stop)."""


class QueueThreadBackend:
    """What both backends share: ``start`` queues a job for one long-lived daemon thread, which
    ``shutdown`` ends by queueing ``None``. Subclasses give the thread's body (``_serve``: take
    jobs from ``self._inbox`` until ``None``) and may act on a job as it is queued."""

    thread_name = "lesionlab-jobs"

    def __init__(self) -> None:
        self._inbox: queue.Queue[Job | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopped = False

    def start(self, job: Job) -> None:
        with self._lock:
            if self._stopped:
                raise RuntimeError("This job runner was shut down; create a new one.")
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name=self.thread_name,
                                                daemon=True)
                self._thread.start()
            self._queued(job)
            self._inbox.put(job)

    def shutdown(self, wait: bool = True, timeout: float | None = None) -> None:
        with self._lock:
            self._stopped = True
            self._inbox.put(None)
            thread = self._thread
        if wait and thread is not None:
            thread.join(timeout)

    def _queued(self, job: Job) -> None:
        """Called (under the lock) just before ``job`` joins the queue."""

    def _serve(self) -> None:
        raise NotImplementedError


class InProcessBackend(QueueThreadBackend):
    """A worker thread that trains queued jobs' runs one at a time with ``train_run``."""

    name = "inprocess"

    def __init__(self, store=None, registry_path: Path | None = None) -> None:
        super().__init__()
        self.store = store
        self.registry_path = registry_path
        self._busy = threading.Event()  # set while a job is being trained

    def _queued(self, job: Job) -> None:
        if not self._inbox.empty() or self._busy.is_set():
            job.log("waiting for the job before it to finish (one run at a time)")

    def _serve(self) -> None:
        while True:
            job = self._inbox.get()
            if job is None:
                return
            self._busy.set()
            try:
                run_job(job, self.store, self.registry_path)
            finally:
                self._busy.clear()


def run_job(job: Job, store=None, registry_path: Path | None = None) -> None:
    """Train ``job``'s runs in order in this thread, reporting into the job.

    A failed run does not stop the job; a cancel stops the running run within one batch and
    skips the rest. TensorFlow is imported here, in the worker, so submitting never waits for it.
    """
    try:
        from core.store import ResultsStore
        from core.training import TrainingCancelled, train_run

        store = store if store is not None else ResultsStore()
    except Exception as exc:  # noqa: BLE001 - e.g. a store folder that cannot be created
        text = traceback.format_exc()
        for i in range(len(job.specs)):
            job.run_failed(i, exc, text)
        job.close()
        return
    for i, spec in enumerate(job.specs):
        if job.cancel_event.is_set():
            job.run_skipped(i)
            continue
        if i == 0:  # every run's time, before the first starts (after a cancel: never)
            _plan(job, range(len(job.specs)), store, registry_path)
        job.run_started(i)
        started = time.monotonic()
        try:
            stored = train_run(spec, store, progress=lambda e, i=i: job.run_event(i, e),
                               cancel=job.cancel_event, registry_path=registry_path)
        except TrainingCancelled as exc:
            job.run_cancelled(i, str(exc))
        except Exception as exc:  # noqa: BLE001 - one failed run must not stop the job
            job.run_failed(i, exc, traceback.format_exc())
        else:
            if job.snapshot().runs[i].epoch_seconds:  # trained now, not found in the store
                remember_run_rates(stored, store.root, job.snapshot().runs[i].plan,
                                   time.monotonic() - started)
                _plan(job, _later_like(job, i), store, registry_path)
            job.run_finished(i, stored.run_id, dict(stored.view.summary))
    job.close()


def _plan(job: Job, indices, store, registry_path: Path | None) -> None:
    """Plan runs ``indices`` of ``job`` for their time (:mod:`core.jobs.estimates`)."""
    for j in indices:
        job.run_planned(j, plan_run(job.specs[j], store, registry_path))


def _later_like(job: Job, index: int) -> list[int]:
    """Runs after ``index`` of the same model, planned and still to train: the run just
    trained has measured its rates and its fixed seconds, which they plan with now."""
    runs, model = job.snapshot().runs, job.specs[index].model
    return [r.index for r in runs[index + 1:] if r.spec.model == model
            and r.plan is not None and not r.plan.stored]
