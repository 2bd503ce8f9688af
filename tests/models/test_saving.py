"""Saved models reload with their recipe's optimizer, in this process and in a fresh one."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

import models
from models import REGISTRY, make_loss, make_optimizer

REPO = Path(__file__).resolve().parents[2]
SMALL_MODEL = {"softmax": ("idc_initial", 16), "sigmoid": ("melanoma_cnn_v1", 94)}


def _trained_small_model(recipe_of: str):
    """The smallest model with the same head as ``recipe_of``, compiled with its quick recipe
    and trained one step (so the optimizer has state worth saving)."""
    entry = REGISTRY[recipe_of]
    name, size = SMALL_MODEL[entry.head]
    keras.utils.set_random_seed(0)
    model = REGISTRY[name].build(size, 2)
    recipe = entry.recipe("quick")
    # eager: tracing train steps costs more than these tiny models' whole training
    model.compile(optimizer=make_optimizer(recipe, steps_per_epoch=3), loss=make_loss(recipe),
                  run_eagerly=True)
    images = np.random.default_rng(1).uniform(0, 255, (4, size, size, 3)).astype("float32")
    labels = np.array([0, 1, 0, 1])
    targets = labels[:, None].astype("float32") if entry.head == "sigmoid" else np.eye(2)[labels]
    model.fit(images, targets, batch_size=2, epochs=1, verbose=0)
    return model, images, targets


@pytest.mark.parametrize("recipe_of", [
    "idc_initial",                # Adagrad + inverse-time decay
    "breakhis_resnet50",          # Adam, constant rate
    "breakhis_resnet50_sigmoid",  # SGD + cyclical schedule (our registered class)
    "melanoma_cnn_v1",            # SGD, rate driven by ReduceLROnPlateau
])
def test_optimizer_and_schedule_survive_save_and_load(recipe_of, tmp_path):
    model, images, targets = _trained_small_model(recipe_of)
    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = models.load_model(path)
    saved, loaded = model.optimizer, reloaded.optimizer
    assert type(loaded) is type(saved)
    assert loaded.get_config()["learning_rate"] == saved.get_config()["learning_rate"]
    assert int(loaded.iterations) == int(saved.iterations) == 2
    # training continues from the saved state (what resuming a run needs)
    reloaded.run_eagerly = True
    reloaded.fit(images, targets, batch_size=2, epochs=1, verbose=0)
    assert int(reloaded.optimizer.iterations) == 4


def test_a_fresh_process_loads_a_saved_model_through_models_load_model(tmp_path):
    """Registration is not an accident of this test process having imported our modules."""
    model, images, _ = _trained_small_model("breakhis_resnet50_sigmoid")
    path = tmp_path / "model.keras"
    model.save(path)
    np.save(tmp_path / "images.npy", images)
    script = textwrap.dedent(f"""
        import json, numpy as np, models
        model = models.load_model({str(path)!r})
        probs = model(np.load({str(tmp_path / 'images.npy')!r}), training=False)
        rate = model.optimizer.get_config()["learning_rate"]
        print(json.dumps({{"probs": np.asarray(probs).tolist(), "rate": rate["class_name"]}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["rate"] == "CyclicalLearningRate"
    expected = keras.ops.convert_to_numpy(model(images, training=False))
    assert np.array(result["probs"]) == pytest.approx(expected, abs=1e-5)


def test_load_model_refuses_what_is_not_a_saved_model(tmp_path):
    with pytest.raises(ValueError, match="give the .keras file"):
        models.load_model(tmp_path / "weights.h5")
    with pytest.raises(FileNotFoundError, match="missing.keras does not exist"):
        models.load_model(tmp_path / "missing.keras")
