"""Training engine: one (dataset, model, imbalance strategy, profile, seed[, fold]) at a time.

``train_run(RunSpec(...))`` returns the stored run, training it only when the results store
does not have it. See :mod:`core.training.engine` for the order of steps that keeps the store
consistent under interruptions and concurrent requests.
"""

from __future__ import annotations

from core.training.engine import TrainingFailed, train_run
from core.training.grid import expand_grid
from core.training.progress import TrainingCancelled
from core.training.resolve import ResolvedRun, resolve
from core.training.spec import PROFILES, STRATEGIES, RunSpec, RunSpecError, parse_strategy

__all__ = [
    "PROFILES",
    "STRATEGIES",
    "ResolvedRun",
    "RunSpec",
    "RunSpecError",
    "TrainingCancelled",
    "TrainingFailed",
    "expand_grid",
    "parse_strategy",
    "resolve",
    "train_run",
]
