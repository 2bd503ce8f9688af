"""Registry look-ups, entry consistency and the build-request checks (no big builds here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from models import (
    FAMILIES,
    REGISTRY,
    ModelInputError,
    UnknownModelError,
    get_entry,
    list_entries,
)

REPO = Path(__file__).resolve().parents[2]
EXPECTED = {
    "idc_initial", "idc_own", "idc_xception", "melanoma_cnn_v1", "melanoma_cnn_v2",
    "melanoma_cnn_v3", "breakhis_densenet201", "breakhis_resnet50", "breakhis_resnet50_sigmoid",
    "inbreast_inceptionv3", "mobilenet_v2", "efficientnet_b0",
}


def test_registry_holds_every_cited_architecture():
    assert set(REGISTRY) == EXPECTED
    assert {e.family for e in list_entries()} == set(FAMILIES)
    assert [e.name for e in list_entries("melanoma")] == [
        "melanoma_cnn_v1", "melanoma_cnn_v2", "melanoma_cnn_v3"]


def test_unknown_name_lists_the_registered_models():
    with pytest.raises(UnknownModelError) as info:
        get_entry("resnet")
    assert "Unknown model 'resnet'" in str(info.value)
    assert "breakhis_resnet50" in str(info.value) and "idc_initial" in str(info.value)


def test_unknown_family_and_profile_are_refused():
    with pytest.raises(ValueError, match="Unknown family 'lung'"):
        list_entries("lung")
    with pytest.raises(ValueError, match="Unknown profile 'full'; use one of: quick, paper"):
        get_entry("idc_initial").recipe("full")


def test_entries_describe_themselves_for_the_dashboard():
    for entry in list_entries():
        info = entry.to_dict()
        assert info["citation"] and info["title"] and info["last_conv_layer"]
        assert info["paper"]["notes"], f"{entry.name}: paper recipe needs its provenance notes"
        assert entry.recipe("paper") is entry.paper and entry.recipe("quick") is entry.quick


def test_an_inconsistent_entry_is_refused():
    entry = get_entry("idc_initial")
    with pytest.raises(ValueError, match="does not match head sigmoid"):
        type(entry)(**{**entry.__dict__, "head": "sigmoid"})


@pytest.mark.parametrize(
    "name, shape, n_classes, phrase",
    [
        ("melanoma_cnn_v1", 64, 2, "needs images of at least 94x94 px, got 64x64"),
        ("idc_xception", (50, 50, 3), 2, "at least 71x71"),
        ("idc_initial", (50, 50, 1), 2, "3 channels"),
        ("idc_initial", (50, 50), 2, "input_shape must be (size, size, 3)"),
        ("idc_initial", 50, 1, "n_classes must be an integer >= 2"),
        ("breakhis_resnet50_sigmoid", 64, 3, "binary only; the dataset has 3 classes"),
    ],
)
def test_bad_build_requests_name_the_problem(name, shape, n_classes, phrase):
    with pytest.raises(ModelInputError) as info:
        get_entry(name).build(shape, n_classes)
    assert phrase in str(info.value)


def test_importing_models_does_not_import_tensorflow():
    code = "import sys, models; models.get_entry('idc_initial'); print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False"
