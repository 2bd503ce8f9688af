"""Real trained runs for the tests that need a store with content (dashboard, explain, CLI).

Training is real (the engine, Keras, the demo dataset), only shortened: two epochs on a few
hundred images. The runs are trained once per test session into their own store.
"""

from __future__ import annotations

from pathlib import Path

from core.store import ResultsStore
from core.training import RunSpec, train_run

#: Small but learnable: enough for non-degenerate ROC curves and both classes predicted.
TINY = {"epochs": 2, "max_train_images": 600, "batch_size": 32}

DEMO_GRID = (
    RunSpec("demo", "idc_initial", "none", overrides=TINY),
    RunSpec("demo", "idc_initial", "class_weight", overrides=TINY),
    RunSpec("demo", "idc_own", "none", overrides=TINY),
)


def train_demo_store(root: Path, specs=DEMO_GRID) -> ResultsStore:
    store = ResultsStore(root)
    for spec in specs:
        train_run(spec, store)
    return store
