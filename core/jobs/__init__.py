"""Background training jobs: train a list of runs without blocking the caller.

``JobRunner().submit(specs, label)`` returns a :class:`Job` at once; a backend trains its runs
(the default: one worker thread in this process, one run at a time — see
:mod:`core.jobs.backends` for why; :class:`RayBackend` trains them as parallel Ray tasks) while
the caller reads immutable :class:`JobSnapshot` s, subscribes to the event stream, or cancels.
Usable from the dashboard, the CLI and notebooks; no Streamlit here. A failed run is reported
(message and traceback) and the job goes on; a cancelled run keeps its finished epochs and
resumes when submitted again. External evaluations run the same way through their own small
runner (:mod:`core.jobs.evaluation`).
"""

from __future__ import annotations

from core.jobs.backends import Backend, InProcessBackend, run_job
from core.jobs.evaluation import EvaluationJob, EvaluationRunner, EvaluationTask
from core.jobs.job import Job, Listener
from core.jobs.presets import DEMO_GRID_ENV, demo_grid
from core.jobs.ray_backend import RAY_ADDRESS_ENV, RayBackend, RayBackendError
from core.jobs.runner import JobRunner
from core.jobs.states import (
    CACHED,
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RUN_STATUSES,
    RUNNING,
    TERMINAL,
    JobSnapshot,
    RunState,
)

__all__ = [
    "CACHED",
    "CANCELLED",
    "DEMO_GRID_ENV",
    "DONE",
    "FAILED",
    "QUEUED",
    "RAY_ADDRESS_ENV",
    "RUNNING",
    "RUN_STATUSES",
    "TERMINAL",
    "Backend",
    "EvaluationJob",
    "EvaluationRunner",
    "EvaluationTask",
    "InProcessBackend",
    "Job",
    "JobRunner",
    "JobSnapshot",
    "Listener",
    "RayBackend",
    "RayBackendError",
    "RunState",
    "demo_grid",
    "run_job",
]
