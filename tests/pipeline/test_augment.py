"""Augmentation recipes, presets and the Keras augmenter they build."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets.augment import (
    AUGMENTATIONS,
    Augmentation,
    build_augmenter,
    get_augmentation,
)

BATCH = np.random.default_rng(0).uniform(0, 255, (8, 16, 16, 3)).astype(np.float32)


def test_presets_exist_and_match_their_purpose() -> None:
    assert set(AUGMENTATIONS) == {"none", "light", "histology", "melanoma", "mammography"}
    assert get_augmentation("none").is_identity
    histology = get_augmentation("histology")
    assert histology.flip == "both" and histology.rotation > 0
    melanoma = get_augmentation("melanoma")
    assert melanoma.flip != "none" and melanoma.rotation > 0 and melanoma.zoom > 0
    mammo = get_augmentation("mammography")
    assert mammo.flip != "none" and mammo.contrast > 0 and mammo.noise_std > 0
    assert mammo.brightness > 0 and mammo.rotation == 0


def test_unknown_preset_lists_the_names() -> None:
    with pytest.raises(ValueError, match="'histology'"):
        get_augmentation("histo")


@pytest.mark.parametrize(
    "bad", [{"flip": "diagonal"}, {"rotation": -0.1}, {"zoom": 1.5}, {"contrast": "x"},
            {"noise_std": 300.0}])
def test_out_of_range_settings_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError, match="Fix:"):
        Augmentation(**bad)


def test_to_dict_round_trip_and_unknown_keys() -> None:
    aug = get_augmentation("mammography")
    assert Augmentation.from_dict(aug.to_dict()) == aug
    assert aug.to_dict()["noise_std"] == 4.0
    with pytest.raises(ValueError, match="shear"):
        Augmentation.from_dict({"shear": 0.1})


def test_only_requested_layers_are_built() -> None:
    flip_only = build_augmenter(Augmentation(flip="vertical"))
    names = [type(layer).__name__ for layer in flip_only.layers]
    assert names == ["RandomFlip", "ClipToRange"]
    full = Augmentation(flip="both", rotation=0.1, zoom=0.1, contrast=0.1, brightness=0.1,
                        noise_std=2.0)
    names = [type(layer).__name__ for layer in build_augmenter(full).layers]
    assert names[:5] == ["RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast",
                         "RandomBrightness"]
    assert "GaussianNoise" in names and names[-1] == "ClipToRange"


def test_outputs_stay_in_pixel_range_and_vary_per_image() -> None:
    strong = Augmentation(contrast=0.9, brightness=0.9, noise_std=60.0)
    out = np.asarray(build_augmenter(strong, seed=1)(BATCH, training=True))
    assert out.shape == BATCH.shape
    assert out.min() >= 0.0 and out.max() <= 255.0
    assert (out == 255.0).any() or (out == 0.0).any()  # the clip was needed
    changes = (out - BATCH).reshape(len(BATCH), -1).mean(axis=1)
    assert np.unique(changes.round(2)).size > 1  # per-image draws, not one for the batch


def test_noise_is_in_pixel_units() -> None:
    mid = np.full((4, 32, 32, 3), 128.0, np.float32)
    out = np.asarray(build_augmenter(Augmentation(noise_std=10.0), seed=0)(mid, training=True))
    assert 8.5 < (out - mid).std() < 11.5


def test_inactive_outside_training() -> None:
    aug = build_augmenter(get_augmentation("mammography"), seed=0)
    np.testing.assert_allclose(np.asarray(aug(BATCH, training=False)), BATCH, atol=1e-3)


def test_flip_both_flips_some_images_each_way() -> None:
    out = np.asarray(build_augmenter(Augmentation(flip="both"), seed=3)(BATCH, training=True))
    kinds = set()
    for original, flipped in zip(BATCH, out):
        for name, view in (("none", original), ("h", original[:, ::-1]), ("v", original[::-1]),
                           ("hv", original[::-1, ::-1])):
            if np.array_equal(view, flipped):
                kinds.add(name)
    assert len(kinds) >= 2
