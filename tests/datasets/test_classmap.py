"""The class mapping a declaration produces (core.datasets.classmap), worked by hand, and the
same mapping the loader applies (every label found lands in the class training uses); the
form labels messages name (core.datasets.labels)."""

from __future__ import annotations

import pytest

from core.datasets import DatasetSpec, load_dataset
from core.datasets.classmap import class_mapping, loaded_mapping
from core.datasets.labels import form_label, named, short_label
from tests.datasets.builders import birads_dataset, class_folders, idc_dataset

BUSI = {"benign": 437, "normal": 133, "malignant": 210}


def _spec(**kw) -> DatasetSpec:
    return DatasetSpec(**{"name": "busi", "kind": "folders", "path": "/data/busi"} | kw)


def test_busi_binary_merges_benign_and_normal_into_the_negative_class():
    m = class_mapping(_spec(), BUSI)
    assert m.classes == ("non-malignant", "malignant")
    assert m.summary() == ("Binary task: benign + normal → non-malignant (negative); "
                           "malignant (positive).")
    table = m.table()
    assert table.to_dict("list") == {
        "label found": ["benign", "normal", "malignant"], "images": [437, 133, 210],
        "mapped by": ["as found"] * 3,
        "class": ["non-malignant", "non-malignant", "malignant"],
        "role": ["negative", "negative", "positive"]}


def test_multiclass_shows_its_k_classes():
    m = class_mapping(_spec(task="multiclass"), BUSI)
    assert m.classes == ("benign", "malignant", "normal")
    assert m.summary() == "Multiclass task, 3 classes: benign; malignant; normal."
    assert "role" not in m.table().columns
    m = class_mapping(_spec(task="multiclass", positive_class="malignant"), BUSI)
    assert m.summary() == "Multiclass task, 3 classes: benign; malignant (positive); normal."


def test_the_label_mapping_and_its_default_are_named_as_the_form_names_them():
    spec = _spec(kind="csv", label_map={"4": "malignant", "5": "malignant"},
                 label_map_default="benign")
    m = class_mapping(spec, {"5": 2, "2": 3, "4": 1, "3": 4})
    assert m.summary() == "Binary task: 2 + 3 → benign (negative); 4 + 5 → malignant (positive)."
    assert m.table()["mapped by"].tolist() == ["Class of every unmapped label"] * 2 + \
        ["Label mapping"] * 2
    # A mapping onto the user's own negative name: one other label, so the negative is it.
    m = class_mapping(_spec(label_map={"benign": "benign", "normal": "benign",
                                       "malignant": "malignant"}), BUSI)
    assert m.summary() == "Binary task: benign + normal → benign (negative); malignant (positive)."


def test_a_label_left_out_of_the_mapping_and_a_missing_positive_class_are_said():
    m = class_mapping(_spec(label_map={"4": "malignant"}), {"4": 1, "2": 3})
    assert m.summary() == ("Binary task: non-malignant: no label found (negative); "
                           "4 → malignant (positive); 2 → not mapped.")
    assert m.table().loc[1, "class"] == "–" and m.table().loc[1, "role"] == "–"


@pytest.mark.parametrize("make", ["busi", "birads", "idc"])
def test_the_mapping_is_what_the_loader_does(make, tmp_path):
    """Each label found lands in the class the loaded table trains it as."""
    if make == "busi":
        spec = _spec(path=str(class_folders(tmp_path / "b", {"benign": 3, "normal": 2,
                                                               "malignant": 2})))
    elif make == "birads":
        birads_dataset(tmp_path / "i")
        spec = _spec(kind="csv", path=str(tmp_path / "i"), csv="labels.csv",
                     path_column="file", label_column="birads", label_map_default="benign",
                     label_map={"4": "malignant", "5": "malignant", "6": "malignant"})
    else:  # the kind fills in its own mapping (0 -> benign, 1 -> malignant)
        spec = _spec(kind="idc", path=str(idc_dataset(tmp_path / "d", {"7": (2, 1)})))
    ds = load_dataset(spec)
    m = loaded_mapping(ds)
    assert m.classes == ds.class_names
    trained = dict(zip(ds.table["raw_label"], ds.table["target"]))
    assert {r.raw: m.classes.index(r.cls) for r in m.routes} == trained
    assert sum(r.images for r in m.routes) == len(ds.table)


def test_messages_name_the_form_label_and_keep_the_key():
    assert named("positive_class") == "Positive class (positive_class)"
    assert named("label_map") == "Label mapping (label_map)"
    assert named("path") == "Folder of the dataset (path)"
    assert named("path", "medmnist") == "Path of the .npz file (path)"
    assert named("allow_outside") == "allow_outside"  # no control sets it
    assert form_label("group_column") == "Group (patient) column"
    assert short_label("Patient id from the file name (regular expression with "
                       "(?P<group>...), optional)") == "Patient id from the file name"
    assert short_label("Label mapping, one raw=class per line (optional)") == "Label mapping"
