"""Declaring each dataset kind through the form, on real files in the layouts of the studies.

Each case fills the kind's own fields as a user would, presses "Validate and save", and checks
the saved declaration and the image counts the page reports (computed from the loaded table).
"""

from __future__ import annotations

import pytest

from core.datasets import load_registry
from tests.datasets.builders import (
    birads_dataset,
    breakhis_dataset,
    idc_dataset,
    isic_dataset,
    medmnist_npz,
)
from tests.pages_manage.conftest import button, open_page, texts


def _isic(tmp):
    isic_dataset(tmp / "isic")
    fields = dict(name="isic", path=str(tmp / "isic"), csv="train.csv", image_dir="train",
                  id_column="image_name", id_suffix=".jpg", label_column="benign_malignant",
                  group_column="patient_id", metadata_columns="sex, age_approx")
    return "csv", fields, {"images_by": "id column + suffix"}, {}, \
        "Saved 'isic': 36 images (benign: 32, malignant: 4).", \
        {"id_column": "image_name", "group_column": "patient_id",
         "metadata_columns": ("sex", "age_approx")}


def _birads(tmp):
    birads_dataset(tmp / "inbreast")
    fields = dict(name="inbreast", path=str(tmp / "inbreast"), csv="labels.csv",
                  path_column="file", label_column="birads", group_column="patient_id",
                  label_map_default="benign")
    areas = {"label_map": "4=malignant\n5=malignant\n6=malignant"}
    return "csv", fields, {}, areas, \
        "Saved 'inbreast': 20 images (benign: 12, malignant: 8).", \
        {"label_map": {"4": "malignant", "5": "malignant", "6": "malignant"},
         "label_map_default": "benign"}


def _idc(tmp):
    idc_dataset(tmp / "idc", {"1001": (3, 2), "1002": (4, 1)})
    return "idc", dict(name="idc", path=str(tmp / "idc")), {}, {}, \
        "Saved 'idc': 10 images (benign: 7, malignant: 3).", {}


def _breakhis(tmp):
    breakhis_dataset(tmp / "breakhis")
    fields = dict(name="breakhis", path=str(tmp / "breakhis"), folds_csv="Folds.csv")
    return "breakhis", fields, {"fold": 2}, {}, \
        "Saved 'breakhis': 24 images (benign: 12, malignant: 12).", \
        {"folds_csv": "Folds.csv", "fold": 2}


def _medmnist(tmp):
    path = medmnist_npz(tmp / "breastmnist.npz")
    fields = dict(name="breastmnist", path=str(path), class_names="malignant, normal/benign")
    return "medmnist", fields, {}, {}, \
        "Saved 'breastmnist': 48 images (malignant: 17, normal/benign: 31).", \
        {"class_names": ("malignant", "normal/benign")}


@pytest.mark.parametrize("case", [_isic, _birads, _idc, _breakhis, _medmnist],
                         ids=lambda f: f.__name__[1:])
def test_declare_each_kind(case, app_env, tmp_path):
    kind, fields, others, areas, message, saved = case(tmp_path)
    at = open_page("pages/datasets.py")
    at.selectbox(key="declare_kind").select(kind).run()
    for field, value in fields.items():
        at.text_input(key=f"declare_{kind}_{field}").input(value)
    for field, value in areas.items():
        at.text_area(key=f"declare_{kind}_{field}").input(value)
    if "images_by" in others:
        at.radio(key=f"declare_{kind}_images_by").set_value(others["images_by"])
    if "fold" in others:
        at.number_input(key=f"declare_{kind}_fold").set_value(others["fold"])
    button(at, "Validate and save").click().run()
    assert not at.exception, at.exception
    assert not texts(at, "error"), texts(at, "error")
    assert texts(at, "success") == [message]
    if kind == "csv" and "label_map" in areas:  # labels sent to the default are told, not hidden
        assert any("count as 'benign'" in t for t in texts(at, "info"))
    spec = load_registry(app_env["registry"])[fields["name"]]
    assert spec.kind == kind
    for key, value in saved.items():
        assert getattr(spec, key) == value
