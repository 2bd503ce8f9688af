"""A dataset kind is one unit: its loader, its settings and its form rows, in one object.

The declaration takes its fields from the kinds, and the Datasets form is read back the same
way for every kind; these tests pin both against hand-worked examples.
"""

from __future__ import annotations

import dataclasses

import pytest

from core.datasets import DatasetError, DatasetSpec
from core.datasets.common import FIRST, LAST
from core.datasets.formvalues import form_rows, parse_label_map, spec_from_fields, split_names
from core.datasets.kind import Ask, Setting
from core.datasets.loaders import KINDS, declarable_kinds, load
from tests.datasets.builders import class_folders


def test_the_kinds_in_the_order_of_the_form_and_the_messages():
    assert list(KINDS) == ["folders", "csv", "idc", "breakhis", "medmnist", "demo"]
    assert declarable_kinds() == ("folders", "csv", "idc", "breakhis", "medmnist")


def test_the_declaration_has_the_shared_settings_then_each_kinds_own():
    names = [f.name for f in dataclasses.fields(DatasetSpec)]
    assert names[:len(FIRST)] == [s.name for s in FIRST]
    assert names[-2:] == [s.name for s in LAST]
    assert names[len(FIRST):-2] == ["group_regex", "csv", "image_dir", "path_column", "id_column",
                           "id_suffix", "label_column", "group_column", "metadata_columns",
                           "split_column", "folds_csv", "fold", "label_level", "class_names"]


def test_a_kinds_range_and_choices_are_checked_by_the_declaration():
    with pytest.raises(DatasetError, match="setting fold must be a whole number from 1 to 100"):
        DatasetSpec(name="b", kind="breakhis", path="/d", fold=0)
    with pytest.raises(DatasetError, match="setting label_level must be one of tumor, subtype"):
        DatasetSpec(name="b", kind="breakhis", path="/d", label_level="genus")


def test_only_demo_needs_no_path():
    DatasetSpec(name="d", kind="demo")
    for kind in declarable_kinds():
        with pytest.raises(DatasetError, match="needs a path"):
            DatasetSpec(name="x", kind=kind)


def test_every_control_of_every_form_reads_a_setting_or_chooses_settings():
    settings = {f.name for f in dataclasses.fields(DatasetSpec)}
    for kind in declarable_kinds():
        asks = [ask for row in form_rows(kind) for ask in row.asks]
        keys = [ask.widget_key for ask in asks]
        assert len(keys) == len(set(keys)), kind
        for ask in asks:
            if ask.control == "choice":
                assert len(ask.chooses) == len(ask.options), ask
                assert {n for names in ask.chooses for n in names} <= settings, ask
            else:
                assert ask.setting in settings, (kind, ask.setting)


def test_the_form_head_and_tail_surround_the_kinds_rows():
    rows = form_rows("medmnist")
    assert [a.setting for a in rows[0].asks] == ["name", "path"]
    assert rows[0].asks[1].label == "Path of the .npz file"
    assert form_rows("idc")[0].asks[1].label == "Folder of the dataset"
    assert [a.setting for r in rows[-2:] for a in r.asks] == ["description", "modality",
                                                             "duplicates"]


def test_a_choice_sends_only_the_chosen_options_settings():
    fields = {"kind": "csv", "name": " isic ", "path": "/d", "csv": "t.csv", "label_column": "y",
              "images_by": "id column + suffix", "id_column": "image_name", "id_suffix": ".jpg",
              "path_column": "file", "metadata_columns": "sex,\nage ,"}
    spec = spec_from_fields(fields)
    assert (spec.name, spec.id_column, spec.id_suffix, spec.path_column) == \
        ("isic", "image_name", ".jpg", "")
    assert spec.metadata_columns == ("sex", "age")
    by_path = spec_from_fields(fields | {"images_by": "path column"})
    assert (by_path.path_column, by_path.id_column, by_path.id_suffix) == ("file", "", "")


def test_required_controls_come_before_the_choices_requirement():
    base = {"kind": "csv", "name": "c", "path": "/d", "images_by": "path column"}
    with pytest.raises(DatasetError, match="^The label column is missing"):
        spec_from_fields(base | {"csv": "t.csv"})
    with pytest.raises(DatasetError, match="^Say which column names the image files"):
        spec_from_fields(base | {"csv": "t.csv", "label_column": "y",
                                 "images_by": "id column + suffix", "path_column": "file"})


def test_values_missing_from_the_form_are_the_controls_initial_ones():
    spec = spec_from_fields({"kind": "breakhis", "name": "b", "path": "/d"})
    assert (spec.fold, spec.label_level, spec.task, spec.duplicates) == \
        (1, "tumor", "binary", "refuse")
    assert spec_from_fields({"kind": "breakhis", "name": "b", "path": "/d", "fold": 3}).fold == 3


def test_label_maps_and_name_lists_are_parsed_from_their_text():
    assert parse_label_map("# BI-RADS\n4 = malignant\n\n1=benign") == \
        {"4": "malignant", "1": "benign"}
    with pytest.raises(DatasetError, match="line 2 .* is not raw=class"):
        parse_label_map("4=malignant\n5")
    assert split_names(" a, b\nc,, ") == ("a", "b", "c")


def test_load_dispatches_to_the_kinds_loader(tmp_path):
    root = class_folders(tmp_path / "d", {"benign": 2, "malignant": 3})
    ds = load(DatasetSpec(name="f", kind="folders", path=str(root)))
    assert ds.table["label"].value_counts().to_dict() == {"malignant": 3, "benign": 2}


def test_a_control_must_be_one_the_dashboard_renders():
    with pytest.raises(ValueError, match="unknown control"):
        Ask("x", "X", "slider")


def test_a_required_setting_has_no_default_and_a_table_default_is_not_shared():
    assert Setting("name", str).required and not Setting("path", str, "").required
    a = DatasetSpec(name="a", kind="idc", path="/d")
    b = DatasetSpec(name="b", kind="idc", path="/d")
    assert a.label_map == {} and a.label_map is not b.label_map
