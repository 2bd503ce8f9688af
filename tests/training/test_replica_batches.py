"""No replica of a multi-device run ever gets an empty batch, whatever the split sizes.

Why this needs its own test: an empty per-replica batch only crashes where TensorFlow's oneDNN
convolution kernels run (x86 CPUs with AVX-512, on by default): there a convolution of an empty
batch returns its input, and BatchNormalization then fails. The mirrored training test passed
on machines without those kernels and failed on others, so a green CI proved nothing. These
tests check the batches themselves, as ``MirroredStrategy`` hands them to each replica, which
does not depend on the CPU, and that padded evaluation gives the single-device numbers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.datasets.batching import fills_every_replica, plan_batches, unpadded_loss

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("replicas", [1, 2, 3, 4, 8])
def test_every_planned_batch_fills_every_replica(replicas):
    for batch in range(1, 40):
        for n in range(1, 160):
            evaluation = plan_batches(n, batch, replicas)
            assert all(fills_every_replica(s, replicas) for s in evaluation.sizes)
            assert sum(evaluation.sizes) - evaluation.padding == n and evaluation.dropped == 0
            assert evaluation.padding < replicas * replicas
            if n < replicas:
                with pytest.raises(ValueError, match="devices"):
                    plan_batches(n, batch, replicas, training=True)
                continue
            training = plan_batches(n, batch, replicas, training=True)
            assert all(fills_every_replica(s, replicas) for s in training.sizes)
            assert sum(training.sizes) + training.dropped == n and training.padding == 0
            assert training.dropped < max(batch, replicas)
            if replicas == 1:
                assert training == evaluation
                assert list(training.sizes) == [batch] * (n // batch) + [n % batch] * (n % batch > 0)
            if replicas == 2 and batch >= 3:
                assert training.dropped == 0  # two replicas: a re-cut always exists


def test_examples_measured_with_tensorflow():
    # a last batch of 1 over 2 replicas would give [1, 0]: re-cut for training, padded for eval
    assert plan_batches(9, 8, 2, training=True).sizes == (7, 2)
    assert plan_batches(9, 8, 2) == plan_batches(9, 8, 2).__class__((8, 2), padding=1)
    # a full batch of 4 over 3 replicas gives [2, 2, 0]: the global batch becomes 3
    assert plan_batches(12, 4, 3, training=True).sizes == (3, 3, 3, 3)
    assert unpadded_loss(0.5, plan_batches(9, 8, 2)) == pytest.approx(0.5 * 10 / 9)


DISTRIBUTED = r"""
import json, os, sys
import numpy as np
import keras, tensorflow as tf
from core.datasets.pipeline import batch_plan, make_dataset
from core.training.padding import UnpaddedValidation, compile_metrics
from core.training.device import configure_device, distribution_strategy
from tests.pipeline.conftest import array_dataset, code_of, coded_array

device = configure_device()
strategy = distribution_strategy(device)
replicas = device.replicas
report = {"replicas": replicas, "empty": [], "order_ok": True}
for n in (2, 4, 5, 7, 9, 10, 11, 13):
    ds = array_dataset(np.stack([coded_array(i) for i in range(n)]),
                       ["benign" if i % 2 else "malignant" for i in range(n)])
    for training in (False, True):
        if training and n < replicas:
            continue
        data = make_dataset(ds, ds.table, image_size=12, batch_size=4, training=training,
                            replicas=replicas)
        codes = []
        for batch in strategy.experimental_distribute_dataset(data):
            parts = strategy.experimental_local_results(batch[0])
            sizes = [int(p.shape[0]) for p in parts]
            if min(sizes) == 0:
                report["empty"].append([n, training, sizes])
            if not training:
                weights = np.concatenate([p.numpy() for p in strategy.experimental_local_results(batch[2])]) if len(batch) == 3 else None
                images = np.concatenate([p.numpy() for p in parts]).astype(np.uint8)
                keep = images if weights is None else images[weights > 0]
                codes += code_of(keep).tolist()
        if not training and codes != list(range(n)):
            report["order_ok"] = False

# evaluate / predict under the strategy equal the single-device values, padding removed
n = {2: 9, 3: 10}[replicas]  # a last batch that would leave a replica empty: padded
x = np.stack([coded_array(i) for i in range(n)])
ds = array_dataset(x, ["benign" if i % 3 else "malignant" for i in range(n)])
with strategy.scope():
    model = keras.Sequential([keras.Input((12, 12, 3)), keras.layers.Rescaling(1 / 255),
                              keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(),
                              keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(1, activation="sigmoid")])
plan = batch_plan(ds.table, batch_size=4, training=False, replicas=replicas)
with strategy.scope():
    model.compile(loss="binary_crossentropy", **compile_metrics(["accuracy"], plan))
train = make_dataset(ds, ds.table, image_size=12, batch_size=4, training=True,
                     target_format="binary", replicas=replicas)
val = make_dataset(ds, ds.table, image_size=12, batch_size=4, target_format="binary",
                   replicas=replicas)
logs = model.fit(train, validation_data=val, epochs=1, verbose=0,
                 callbacks=[UnpaddedValidation(plan, ["accuracy"])]).history
probs = model.predict(val, verbose=0)[:n, 0].astype(np.float64)
targets = ds.table["target"].to_numpy().astype(np.float64)
single = model.predict(x.astype(np.float32), batch_size=n, verbose=0)[:, 0].astype(np.float64)
p = np.clip(probs, 1e-7, 1 - 1e-7)
report["keys"] = sorted(logs)
loss, acc = logs["val_loss"][-1], logs["val_accuracy"][-1]
report["loss"] = loss
report["loss_expected"] = float(np.mean(-(targets * np.log(p) + (1 - targets) * np.log(1 - p))))
report["acc"] = acc
report["acc_expected"] = float(np.mean((probs > 0.5) == targets))
report["max_pred_diff"] = float(np.abs(probs - single).max())
report["padding"] = plan.padding
print("RESULT " + json.dumps(report))
"""


@pytest.mark.parametrize("replicas", [2, 3])
def test_mirrored_batches_never_leave_a_replica_empty(replicas):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "-1",
           "LESIONLAB_CPU_REPLICAS": str(replicas)}
    out = subprocess.run([sys.executable, "-c", DISTRIBUTED], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(next(line for line in out.stdout.splitlines()
                             if line.startswith("RESULT "))[len("RESULT "):])
    assert report["replicas"] == replicas
    assert report["empty"] == []
    assert report["order_ok"], "evaluation must yield every real image once, in order"
    assert report["padding"] > 0
    assert report["loss"] == pytest.approx(report["loss_expected"], rel=1e-4)
    assert report["acc"] == pytest.approx(report["acc_expected"])
    assert report["max_pred_diff"] < 1e-3  # float32; oneDNN picks kernels by batch shape
    assert report["keys"] == ["accuracy", "loss", "val_accuracy", "val_loss"]
