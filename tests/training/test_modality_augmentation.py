"""A dataset that says what its images are: budget runs augment for them
(``core.datasets.common.MODALITY_AUGMENTATION``, applied in ``core.training.resolve``)."""

from __future__ import annotations

import pytest

from core.datasets import DatasetError, DatasetSpec, get_spec, save_spec
from core.datasets.augment import AUGMENTATIONS, get_augmentation
from core.datasets.common import MODALITIES, MODALITY_AUGMENTATION
from core.training import RunSpec, resolve
from models import get_entry

BUDGET = {"profile": "budget", "budget_s": 300.0}


@pytest.fixture(scope="module")
def declared(squares_registry, tmp_path_factory):
    """The squares images declared twice: as ultrasound, and without a modality."""
    registry = tmp_path_factory.mktemp("modality") / "datasets.toml"
    plain = get_spec("squares", squares_registry)
    save_spec(plain, registry)
    save_spec(DatasetSpec.from_dict({**plain.to_dict(), "name": "echo",
                                     "modality": "ultrasound"}), registry)
    return registry


def test_every_modality_has_a_preset_that_keeps_its_labels_true():
    assert set(MODALITY_AUGMENTATION) == set(MODALITIES)
    assert set(MODALITY_AUGMENTATION.values()) <= set(AUGMENTATIONS)
    for modality in ("mammography", "ultrasound"):  # these images have an up
        preset = get_augmentation(MODALITY_AUGMENTATION[modality])
        assert preset.flip in ("none", "horizontal") and preset.rotation <= 0.05, modality


def test_a_budget_run_augments_for_the_declared_images(declared):
    own = get_entry("idc_own").quick.augmentation
    assert own == "histology"  # the study's: tissue has no up, ultrasound has
    echo = resolve(RunSpec("echo", "idc_own", **BUDGET), declared)
    assert echo.recipe.augmentation == MODALITY_AUGMENTATION["ultrasound"] != own
    assert echo.identity["recipe"]["augmentation"] == echo.recipe.augmentation  # keyed as trained
    plain = resolve(RunSpec("squares", "idc_own", **BUDGET), declared)
    assert plain.recipe.augmentation == own  # not declared: the study's own


def test_the_users_augmentation_and_the_reproducing_profiles_are_kept(declared):
    chosen = resolve(RunSpec("echo", "idc_own", overrides={"augmentation": "none"}, **BUDGET),
                     declared)
    assert chosen.recipe.augmentation == "none"
    for profile in ("quick", "paper"):  # they reproduce the study, augmentation included
        run = resolve(RunSpec("echo", "idc_own", profile=profile), declared)
        assert run.recipe.augmentation == "histology"


def test_an_unknown_modality_is_one_message_naming_the_choices():
    with pytest.raises(DatasetError) as caught:
        DatasetSpec(name="x", kind="folders", path="/data/x", modality="x-ray")
    message = str(caught.value)
    assert "modality" in message and "ultrasound" in message and "'x-ray'" in message
