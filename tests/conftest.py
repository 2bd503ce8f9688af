"""Test-wide settings: quiet TensorFlow, keep every test's state out of the user's home.

``LESIONLAB_HOME`` points at a per-session temporary folder, so the demo dataset, the datasets
registry and the results store that tests create never touch ``~/.lesionlab``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")  # tests never need a GPU

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def lesionlab_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("lesionlab_home")
    os.environ["LESIONLAB_HOME"] = str(home)
    for var in ("LESIONLAB_DATASETS", "LESIONLAB_STORE"):
        os.environ.pop(var, None)
    return home


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repo; tests that need it skip with a reason when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not available: {SHARED_DATA} is absent (only on dev machines)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def trained_store(lesionlab_home, tmp_path_factory):
    """A results store holding a few real, briefly trained demo runs (see tests/support)."""
    from tests.support.trained import train_demo_store

    return train_demo_store(tmp_path_factory.mktemp("trained_store"))
