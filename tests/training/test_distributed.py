"""The multi-device path (``MirroredStrategy``) trains, stores and predicts like one device.

A CPU-only machine can still run it: ``LESIONLAB_CPU_REPLICAS=2`` splits the CPU into two
logical devices. It runs in a fresh process because TensorFlow fixes its devices at start-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.store import ResultsStore

ROOT = Path(__file__).resolve().parents[2]

TRAIN = """
import json, sys
from pathlib import Path
from core.store import ResultsStore
from core.training import RunSpec, train_run
store = ResultsStore(Path(sys.argv[1]))
spec = RunSpec("squares", "idc_own", overrides={"epochs": 2, "max_train_images": 32,
                                                 "batch_size": 8, "input_size": 32})
stored = train_run(spec, store, registry_path=Path(sys.argv[2]))
print("RESULT " + json.dumps({"run_id": stored.run_id, "device": stored.record["device_info"]}))
"""


def _train_in_fresh_process(store_root: Path, registry: Path, replicas: int) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "-1",
           "LESIONLAB_CPU_REPLICAS": str(replicas)}
    out = subprocess.run([sys.executable, "-c", TRAIN, str(store_root), str(registry)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    line = next(l for l in out.stdout.splitlines() if l.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


@pytest.mark.slow
def test_mirrored_training_over_two_replicas_stores_a_complete_run(squares_registry, tmp_path):
    result = _train_in_fresh_process(tmp_path / "store", squares_registry, replicas=2)

    device = result["device"]
    assert device["strategy"] == "mirrored"
    assert device["replicas"] == 2 and len(device["devices"]) == 2
    stored = ResultsStore(tmp_path / "store").get(result["run_id"])
    assert stored.record["training"]["epochs_run"] == 2
    pred = stored.predictions()
    probs = pred[["prob_0", "prob_1"]].to_numpy()
    assert np.isfinite(probs).all() and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    counts = stored.record["data"]["counts"]
    assert len(pred) == sum(sum(counts[s].values()) for s in ("val", "test"))
    # The strategy is not part of the run's identity: the same recipe on one device is the
    # same run, so a single-device process finds it in the store instead of training again.
    again = _train_in_fresh_process(tmp_path / "store", squares_registry, replicas=1)
    assert again["run_id"] == result["run_id"]
    assert again["device"]["strategy"] == "mirrored"  # the stored record, not retrained
