"""Training engine: one (dataset, model, imbalance strategy, profile, seed[, fold]) at a time.

``train_run(RunSpec(...))`` returns the stored run, training it only when the results store
does not have it. See :mod:`core.training.engine` for the order of steps that keeps the store
consistent under interruptions and concurrent requests.

The names are loaded lazily: ``from core.training import RunSpec`` must not cost the seconds
TensorFlow takes to import (the app builds specs long before anything trains).
"""

from __future__ import annotations

import importlib
from typing import Any

from core.training.grid import expand_grid
from core.training.resolve import ResolvedRun, resolve
from core.training.spec import PROFILES, STRATEGIES, RunSpec, RunSpecError, parse_strategy
from core.training.validate import GridError, GridRequest, validate_grid

#: Names whose modules import TensorFlow, loaded on first use.
_LAZY = {
    "TrainingFailed": "core.training.engine",
    "train_run": "core.training.engine",
    "TrainingCancelled": "core.training.progress",
}

__all__ = sorted([*_LAZY, "expand_grid", "ResolvedRun", "resolve", "PROFILES", "STRATEGIES",
                  "RunSpec", "RunSpecError", "parse_strategy", "GridError", "GridRequest",
                  "validate_grid"])


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'core.training' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)
