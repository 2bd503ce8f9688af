"""A queue-thread runner that keeps its recent jobs for display: the shape of the app's small
runners (external evaluations, model imports), written once.

Why: each such runner serves one kind of job on its own worker thread and lets every browser
session list and cancel the jobs, the newest first, keeping only the last ``keep`` finished
ones. Only what a job does differs (:meth:`KeptJobsRunner._run`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from core.jobs.backends import QueueThreadBackend

__all__ = ["KeptJobsRunner"]


class KeptJobsRunner(QueueThreadBackend):
    """Queues jobs for one worker thread and keeps them for display (the last ``keep``
    finished ones). A job has ``id``, ``cancel()`` and ``snapshot()`` (with ``done``)."""

    def __init__(self, store=None, registry_path: Path | None = None, keep: int = 10) -> None:
        super().__init__()
        self.store, self.registry_path, self.keep = store, registry_path, keep
        self._jobs: list[Any] = []
        self._jobs_lock = threading.Lock()  # sessions submit and read from their own threads

    def _keep_and_start(self, job):
        """Keep ``job`` (dropping the oldest finished ones beyond ``keep``), queue it, return it."""
        with self._jobs_lock:
            finished = [j for j in self._jobs if j.snapshot().done]
            self._jobs = [j for j in self._jobs if j not in finished[:-self.keep]] + [job]
        self.start(job)
        return job

    def jobs(self) -> list:
        """Snapshots of every kept job, newest first."""
        with self._jobs_lock:
            jobs = list(self._jobs)
        return [j.snapshot() for j in reversed(jobs)]

    def cancel(self, job_id: str) -> None:
        with self._jobs_lock:
            jobs = list(self._jobs)
        for job in jobs:
            if job.id == job_id:
                job.cancel()

    def _serve(self) -> None:
        while True:
            job = self._inbox.get()
            if job is None:
                return
            self._run(job)

    def _run(self, job) -> None:
        raise NotImplementedError
