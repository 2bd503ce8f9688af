"""Small, valid inputs for the store: identities, records, predictions, histories.

Shared by the tests and by the real subprocesses the crash/claim tests start (they import this
module), so both sides commit exactly the same run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.store import CODE_VERSION, ResultsStore, StoredRun, run_id

REPO = Path(__file__).resolve().parents[2]


def identity(**changes: Any) -> dict[str, Any]:
    base = {
        "dataset": "demo",
        "dataset_fingerprint": "fp-0123456789",
        "split": {"method": "group_stratified", "val": 0.15, "test": 0.15, "seed": 7},
        "model": "tiny_cnn",
        "recipe": {"epochs": 3, "lr": 0.001, "batch_size": 32, "augment": ["flip", "rot90"]},
        "weights": "random",
        "strategy": "scratch",
        "profile": "quick",
        "seed": 1,
        "fold": 0,
        "code_version": CODE_VERSION,
    }
    base.update(changes)
    return base


def predictions(n: int = 40, k: int = 2, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    target = rng.integers(0, k, size=n)
    frame = pd.DataFrame({
        "sample_id": [f"img_{i:04d}.png" for i in range(n)],
        "group": [f"patient_{i // 2}" for i in range(n)],
        "split": ["val" if i % 2 else "test" for i in range(n)],
        "target": target.astype("int64"),
        "label": [f"class_{t}" for t in target],
    })
    for j in range(k):
        frame[f"prob_{j}"] = probs[:, j]
    frame["meta_age"] = rng.integers(20, 90, size=n).astype("int64")
    frame["meta_site"] = rng.choice(["head", "trunk", "limb"], size=n)
    return frame


def history(epochs: int = 3) -> pd.DataFrame:
    return pd.DataFrame({
        "epoch": np.arange(epochs, dtype="int64"),
        "loss": np.linspace(0.9, 0.4, epochs),
        "val_auc": np.linspace(0.6, 0.8, epochs),
    })


def record(k: int = 2, **summary: float) -> dict[str, Any]:
    return {
        "class_names": [f"class_{j}" for j in range(k)],
        "positive_index": 1 if k == 2 else None,
        "device": "cpu",
        "wall_time_s": 12.5,
        "summary": {"test_auc": 0.81, "val_auc": 0.79, "test_accuracy": 0.74, **summary},
    }


def commit_sample(store: ResultsStore, k: int = 2, model_file: Path | None = None,
                  **id_changes: Any) -> StoredRun:
    ident = identity(**id_changes)
    return store.commit(run_id(ident), ident, record(k), predictions(k=k), history(),
                        model_file)


def start_python(code: str, *args: str) -> subprocess.Popen:
    """Run ``code`` in a fresh interpreter (repo importable), stdout/stderr captured."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Block until ``path`` exists; fail with the child's output if it died or took too long."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"child exited {proc.returncode} early:\n{out}\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"timed out waiting for {path}")
        time.sleep(0.02)
