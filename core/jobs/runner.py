"""The job runner: submit a list of runs, get a :class:`~core.jobs.job.Job` back at once.

One runner per process is the intended use (the dashboard keeps one per server in
``st.cache_resource``, so every browser session sees the same jobs and a job outlives the page
that started it). From a notebook or a script::

    runner = JobRunner()
    job = runner.submit(expand_grid(["demo"], ["idc_initial"], ["none", "class_weight"]),
                        label="demo comparison")
    job.wait()
    print(job.snapshot().headline())
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterable

from core.jobs.backends import Backend, InProcessBackend
from core.jobs.job import Job, Listener
from core.jobs.states import JobSnapshot

#: Finished jobs kept for display; older ones are forgotten (their runs stay in the store).
KEEP_FINISHED = 20


class JobRunner:
    """Owns the jobs of one process and hands them to a backend (in-process by default)."""

    def __init__(self, store=None, *, backend: Backend | None = None,
                 registry_path: Path | None = None) -> None:
        self.backend: Backend = backend or InProcessBackend(store, registry_path)
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def submit(self, specs: Iterable, label: str = "", *,
               on_event: Listener | None = None) -> Job:
        """Queue ``specs`` (RunSpecs, trained in this order) as one job and return it at once.

        ``on_event(run_index, event)`` is called from the training thread for every event
        (see :meth:`Job.subscribe`); the same stream a CLI prints and a test can react to.
        """
        specs = list(specs)
        if not specs:
            raise ValueError("Nothing to train: the job has no runs.")
        for spec in specs:
            if not all(hasattr(spec, a) for a in ("dataset", "model", "strategy", "label")):
                raise TypeError(f"Expected RunSpec objects, got {type(spec).__name__}.")
        job = Job(specs, label)
        if on_event is not None:
            job.subscribe(on_event)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        self.backend.start(job)
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            if job_id not in self._jobs:
                raise KeyError(f"No job {job_id!r} (finished jobs are kept {KEEP_FINISHED} deep).")
            return self._jobs[job_id]

    def jobs(self) -> list[JobSnapshot]:
        """Snapshots of every known job, newest first."""
        with self._lock:
            jobs = list(self._jobs.values())
        return [j.snapshot() for j in reversed(jobs)]

    def active(self) -> list[JobSnapshot]:
        """Jobs still queued or running, newest first."""
        return [s for s in self.jobs() if not s.done]

    def cancel(self, job_id: str) -> None:
        self.get(job_id).cancel()

    def forget(self, job_id: str) -> None:
        """Drop a finished job from the list (it is only display state; its runs stay stored)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.done:
                del self._jobs[job_id]

    def shutdown(self, *, cancel: bool = True, timeout: float | None = 60.0) -> None:
        """Cancel every job (by default) and stop the backend's worker."""
        if cancel:
            with self._lock:
                jobs = list(self._jobs.values())
            for job in jobs:
                job.cancel()
        self.backend.shutdown(wait=True, timeout=timeout)

    def _forget_old(self) -> None:
        finished = [jid for jid, job in self._jobs.items() if job.done]
        for jid in finished[:-KEEP_FINISHED] if len(finished) > KEEP_FINISHED else []:
            del self._jobs[jid]
