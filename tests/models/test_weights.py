"""Weights requests: random, ImageNet (with the offline fallback), and local files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

from models import WeightsChoice, WeightsError, build_model, get_entry, resolve_weights

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("requested", [None, "none", "None", "random", ""])
def test_no_weights_means_random_initialisation_without_a_note(requested):
    assert resolve_weights("idc_initial", requested) == WeightsChoice("random")


def test_imagenet_for_an_application_is_honoured_as_asked():
    assert resolve_weights("breakhis_resnet50", "imagenet") == WeightsChoice("imagenet")


def test_imagenet_for_a_from_scratch_cnn_is_ignored_with_a_note():
    choice = resolve_weights("melanoma_cnn_v1", "imagenet")
    assert choice.source == "random"
    assert "melanoma_cnn_v1 is trained from scratch" in choice.note
    model, note = build_model("melanoma_cnn_v1", 94, 2, "imagenet")
    assert note == choice.note and model.count_params() > 0


def test_a_missing_file_is_a_clear_error(tmp_path):
    missing = tmp_path / "resnet.weights.h5"
    with pytest.raises(WeightsError) as info:
        resolve_weights("breakhis_resnet50", str(missing))
    assert str(missing) in str(info.value) and "does not exist" in str(info.value)
    assert "'imagenet' or 'none'" in str(info.value)


@pytest.mark.parametrize("name, file, phrase", [
    ("idc_initial", "base.h5", "is not built on an application"),
    ("idc_initial", "weights.pt", "unknown format"),
])
def test_files_of_the_wrong_kind_are_refused(name, file, phrase, tmp_path):
    path = tmp_path / file
    path.write_bytes(b"x")
    with pytest.raises(WeightsError, match=phrase):
        resolve_weights(name, str(path))


def test_whole_model_weights_file_restores_a_model(tmp_path):
    keras.utils.set_random_seed(1)
    trained, _ = build_model("idc_initial", 16, 3)
    path = tmp_path / "idc.weights.h5"
    trained.save_weights(path)
    restored, note = build_model("idc_initial", 16, 3, str(path))
    assert note is None
    assert all(np.array_equal(a, b)
               for a, b in zip(trained.get_weights(), restored.get_weights(), strict=True))


@pytest.mark.filterwarnings("ignore:Skipping nested container:UserWarning")
def test_a_whole_model_file_that_does_not_fit_names_file_and_fix(tmp_path):
    trained, _ = build_model("idc_initial", 16, 3)
    path = tmp_path / "idc3.weights.h5"
    trained.save_weights(path)
    with pytest.raises(WeightsError) as info:
        build_model("idc_initial", 16, 2, str(path))  # 2 classes: the output layer differs
    message = str(info.value)
    assert "idc3.weights.h5 does not fit idc_initial at 16x16 px with 2 classes" in message
    assert "same model, input size and number of classes" in message


@pytest.fixture(scope="module")
def mobilenet_notop(tmp_path_factory):
    """Stand-in for an ImageNet 'notop' file downloaded by hand for an offline machine: a
    randomly initialised MobileNetV2 base saved in the same legacy HDF5 format."""
    keras.utils.set_random_seed(2)
    base = keras.applications.MobileNetV2(include_top=False, weights=None,
                                          input_shape=(32, 32, 3))
    path = tmp_path_factory.mktemp("weights") / "mobilenet_v2_notop.h5"
    base.save(path)
    return base, path


@pytest.mark.slow
def test_an_application_base_weights_file_loads_into_the_base(mobilenet_notop):
    base, path = mobilenet_notop
    model, note = build_model("mobilenet_v2", 32, 2, str(path))
    assert note is None
    for layer in ("Conv1", "Conv_1", "block_16_project"):
        expected = base.get_layer(layer).get_weights()
        assert all(np.array_equal(a, b) for a, b in
                   zip(expected, model.get_layer(layer).get_weights(), strict=True))


@pytest.mark.slow
def test_a_base_weights_file_of_another_application_is_a_clear_error(mobilenet_notop):
    _, path = mobilenet_notop
    with pytest.raises(WeightsError) as info:
        build_model("efficientnet_b0", 32, 2, str(path))
    assert "mobilenet_v2_notop.h5 does not fit efficientnet_b0 at 32x32 px" in str(info.value)


@pytest.mark.slow
def test_offline_imagenet_falls_back_to_random_weights_with_a_note(tmp_path):
    """Keras reads KERAS_HOME when it is imported, so the check runs in a fresh process whose
    Keras cache is an empty folder: no cached ImageNet file can hide the download failure.
    This machine has no internet; where it does, the download succeeds and the note is None."""
    script = textwrap.dedent("""
        import json, time, models
        start = time.monotonic()
        model, note = models.build_model("mobilenet_v2", 32, 2, "imagenet")
        print(json.dumps({"seconds": time.monotonic() - start, "note": note,
                          "params": model.count_params()}))
    """)
    env = {**os.environ, "KERAS_HOME": str(tmp_path / "keras_home")}
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["note"] is None:
        pytest.skip("ImageNet weights downloaded: this machine is online")
    assert result["note"].startswith("ImageNet weights unavailable (no internet?): random "
                                     "initialisation.")
    assert "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5" in result["note"]
    assert str(tmp_path / "keras_home" / "models") in result["note"]
    assert result["params"] == get_entry("mobilenet_v2").build(32, 2).count_params()
    # It must not hang: Keras fails fast offline and our socket timeout bounds a stall.
    assert result["seconds"] < 60
