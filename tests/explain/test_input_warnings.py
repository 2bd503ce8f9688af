"""Which warnings a prediction card carries, from hand-made records (no model needed).

Hand-worked: training images of median 50x50 px (aspect 1.00), a model input of 50 px. A
150x150 image is exactly SIZE_FACTOR (3) times larger: warned; 149x149 is not. 65x50 has
aspect 1.30 = ASPECT_FACTOR: warned; 64x50 (1.28) is not.
"""

from __future__ import annotations

import pytest

from core.explain import input_warnings
from core.explain.input_warnings import shape_words
from core.store.record import RunRecord

PATCHES = {"median_width": 50, "median_height": 50, "median_aspect": 1.0, "images": 600}


def _record(image_size=PATCHES, synthetic=False, weights=None, imagenet=None, train=None):
    return RunRecord.from_dict({
        "synthetic_data": synthetic,
        "model": {"input_size": 50, "supports_imagenet": imagenet},
        "weights": weights or {"requested": "imagenet", "used": "imagenet", "note": None},
        "data": {"image_size": image_size,
                 "counts": {"train": train or {"benign": 400, "malignant": 200}}},
    })


def _kinds(record, width, height):
    return [w.kind for w in input_warnings(record, width, height)]


def test_an_image_like_the_training_images_gets_no_warning():
    assert _kinds(_record(), 50, 50) == []
    assert _kinds(_record(), 149, 149) == []
    assert _kinds(_record(), 17, 17) == []  # 50 / 17 = 2.94 < 3


@pytest.mark.parametrize("width, height, words", [
    (150, 150, "about 3 times larger"),
    (2000, 1500, "about 40 times larger"),
    (16, 16, "about 3 times smaller"),
])
def test_another_size_class_is_named_with_both_sizes(width, height, words):
    warnings = input_warnings(_record(), width, height)
    size = [w for w in warnings if w.kind == "size"]
    assert len(size) == 1
    assert words in size[0].text
    assert f"{width}x{height} px" in size[0].text and "typically 50x50 px" in size[0].text
    assert "50x50 px input" in size[0].text


def test_another_shape_is_warned_from_the_aspect_ratio_factor_on():
    assert _kinds(_record(), 64, 50) == []
    shape = input_warnings(_record(), 65, 50)
    assert [w.kind for w in shape] == ["shape"]
    assert "wider than tall (width:height 1.30)" in shape[0].text
    assert "about square (1.00)" in shape[0].text
    assert _kinds(_record(), 50, 66) == ["shape"]  # 0.76: taller than wide


def test_a_large_landscape_photo_gets_both_image_warnings_first():
    assert _kinds(_record(synthetic=True), 1600, 900) == ["size", "shape", "synthetic"]


def test_records_without_image_sizes_claim_nothing_about_the_image():
    assert _kinds(_record(image_size=None), 4000, 100) == []
    assert _kinds(RunRecord.from_dict({}), 4000, 100) == []


def test_synthetic_training_data_is_said_on_the_card():
    (warning,) = input_warnings(_record(synthetic=True), 50, 50)
    assert warning.kind == "synthetic" and "SYNTHETIC" in warning.text


def test_a_model_trained_from_scratch_is_said_with_its_training_images():
    random = {"requested": "random", "used": "random", "note": None}
    (own,) = input_warnings(_record(weights=random, imagenet=False), 50, 50)
    assert own.kind == "scratch"
    assert own.text == ("Trained from scratch (random initial weights): it knows only what its "
                        "600 training images show.")
    (transfer,) = input_warnings(_record(weights=random, imagenet=True), 50, 50)
    assert "can start from ImageNet weights" in transfer.text and "600" in transfer.text


def test_a_fallback_to_random_weights_carries_the_engines_note():
    fallback = {"requested": "imagenet", "used": "random",
                "note": "ImageNet weights could not be downloaded"}
    (warning,) = input_warnings(_record(weights=fallback, imagenet=True), 50, 50)
    assert warning.text.endswith("(ImageNet weights could not be downloaded)")


def test_pretrained_models_get_no_scratch_warning():
    assert _kinds(_record(), 50, 50) == []


@pytest.mark.parametrize("aspect, words", [(0.79, "taller than wide"), (0.8, "about square"),
                                           (1.25, "about square"), (1.26, "wider than tall")])
def test_shape_words(aspect, words):
    assert shape_words(aspect) == words
