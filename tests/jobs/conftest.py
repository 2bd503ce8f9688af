"""Fixtures for the job-runner tests: a runner on its own store, tiny real training runs.

Runs are real (the engine, Keras, the SYNTHETIC demo dataset) and only shortened: two epochs of
three batches. A second dataset is declared in a registry of its own and its folder deleted, so
that a job meets the error a user meets after moving a data folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.datasets import DatasetSpec, save_spec
from core.jobs import JobRunner
from core.store import ResultsStore
from tests.datasets.builders import class_folders

#: Two epochs of 3 batches: seconds per run, and a cancel after epoch 1 leaves one to resume.
TINY = {"epochs": 2, "max_train_images": 96, "batch_size": 32}
#: Generous: a tiny run takes 10-40 s on a loaded 2-core machine (graph building dominates).
JOB_TIMEOUT_S = 600


def tiny(model: str = "idc_initial", strategy: str = "none", dataset: str = "demo"):
    from core.training import RunSpec

    return RunSpec(dataset, model, strategy, overrides=TINY)


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    """A registry declaring ``gone``: a valid folders dataset whose folder was then deleted."""
    root = tmp_path_factory.mktemp("jobs_registry")
    folder = class_folders(root / "gone_data", {"benign": 6, "malignant": 6})
    path = root / "datasets.toml"
    save_spec(DatasetSpec(name="gone", kind="folders", path=str(folder)), path)
    shutil.rmtree(folder)
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> ResultsStore:
    return ResultsStore(tmp_path_factory.mktemp("jobs_store"))


@pytest.fixture(scope="module")
def runner(store, registry):
    runner = JobRunner(store, registry_path=registry)
    yield runner
    runner.shutdown(cancel=True, timeout=120)
