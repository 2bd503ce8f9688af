"""Every bad input gives one DatasetError that names the file or folder at fault and the fix,
and leaves the dataset folder exactly as it was."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.datasets import DatasetError, DatasetSpec, load_dataset
from tests.datasets.builders import (
    breakhis_dataset,
    class_folders,
    idc_dataset,
    isic_dataset,
    medmnist_npz,
    snapshot,
    write_csv,
    write_image,
)


def _fails(spec: DatasetSpec, where: Path, *phrases: str) -> DatasetError:
    """Loading fails with a message naming ``where`` and a fix; nothing is written."""
    root = Path(spec.path)
    folder = root if root.is_dir() else root.parent
    before = snapshot(folder)
    with pytest.raises(DatasetError) as info:
        load_dataset(spec)
    message = str(info.value)
    assert str(where) in message, message
    assert "Fix:" in message and info.value.fix, message
    for phrase in phrases:
        assert phrase in message, message
    assert snapshot(folder) == before
    return info.value


def _folders(root: Path, **kw) -> DatasetSpec:
    return DatasetSpec(name="d", kind="folders", path=str(root), **kw)


def _csv_spec(root: Path, **kw) -> DatasetSpec:
    base = dict(name="c", kind="csv", path=str(root), csv="labels.csv", path_column="file",
                label_column="label")
    base.update(kw)
    return DatasetSpec(**base)


def _csv_dataset(root: Path, files: list[str], labels: list[str]) -> Path:
    for f in files:
        if not f.startswith(("/", "..")):
            write_image(root / f)
    write_csv(root / "labels.csv", pd.DataFrame({"file": files, "label": labels}))
    return root


# -- layout -------------------------------------------------------------------------------------


def test_missing_folder(tmp_path):
    _fails(_folders(tmp_path / "nowhere"), tmp_path / "nowhere", "does not exist")


def test_folders_without_class_folders(tmp_path):
    root = tmp_path / "flat"
    write_image(root / "a.png")
    _fails(_folders(root), root, "No class folders", "root/<class>")


def test_folders_mixing_split_and_class_folders(tmp_path):
    root = class_folders(tmp_path / "mixed", {"train": 2, "benign": 2, "malignant": 2})
    _fails(_folders(root), root, "mixes split folders")


def test_empty_class_folder(tmp_path):
    root = class_folders(tmp_path / "d", {"benign": 2, "malignant": 2})
    (root / "normal").mkdir()
    (root / "normal" / "readme.txt").write_text("x")
    _fails(_folders(root), root / "normal", "'normal' holds no images")


def test_single_class(tmp_path):
    root = class_folders(tmp_path / "d", {"malignant": 3})
    _fails(_folders(root), root, "single class")


def test_positive_class_absent(tmp_path):
    root = class_folders(tmp_path / "d", {"benign": 2, "melanoma": 2})
    _fails(_folders(root), root, "Positive class 'malignant'", "'benign', 'melanoma'")


def test_multiclass_needs_no_positive_class_but_a_declared_one_must_exist(tmp_path):
    """Multiclass without positive_class loads (every class is its own; before, it failed with
    "Positive class 'malignant' is not among the labels"); one that is declared but absent is
    still refused at load, not later."""
    root = class_folders(tmp_path / "d", {"a": 2, "b": 2, "c": 2})
    ds = load_dataset(_folders(root, task="multiclass"))
    assert ds.class_names == ("a", "b", "c") and ds.positive_index is None
    _fails(_folders(root, task="multiclass", positive_class="d"), root, "Positive class 'd'",
           "or leave it out")


def test_idc_kind_on_class_folders(tmp_path):
    root = class_folders(tmp_path / "d", {"benign": 2, "malignant": 2})
    _fails(DatasetSpec(name="i", kind="idc", path=str(root)), root, "No IDC patches")


def test_idc_patch_in_the_wrong_class_folder(tmp_path):
    root = idc_dataset(tmp_path / "IDC", {"8863": (2, 1)})
    bad = root / "8863" / "1" / "8863_idx5_x1_y1_class0.png"
    write_image(bad)
    _fails(DatasetSpec(name="i", kind="idc", path=str(root)), bad, "lies in folder '1'")


def test_bad_group_regex(tmp_path):
    root = class_folders(tmp_path / "d", {"benign": 2, "malignant": 2})
    with pytest.raises(DatasetError, match="named group 'group'.*Fix: write it as"):
        load_dataset(_folders(root, group_regex=r"^(p\d+)_"))
    _fails(_folders(root, group_regex=r"^(?P<group>p\d+)_"), root / "benign" / "benign_0.png",
           "does not match the regular expression", "Patient id from the file name (group_regex)")


# -- CSV ----------------------------------------------------------------------------------------


def test_csv_missing_column_lists_the_columns(tmp_path):
    root = _csv_dataset(tmp_path / "c", ["a.png", "b.png"], ["benign", "malignant"])
    _fails(_csv_spec(root, label_column="diagnosis"), root / "labels.csv",
           "'diagnosis' not found", "'file', 'label'")


def test_csv_with_semicolons_says_so(tmp_path):
    root = tmp_path / "c"
    write_image(root / "a.png")
    (root / "labels.csv").write_text("file;label\na.png;benign\n", encoding="utf-8")
    _fails(_csv_spec(root), root / "labels.csv", "delimiter")


def test_csv_label_not_in_mapping(tmp_path):
    root = _csv_dataset(tmp_path / "c", ["a.png", "b.png", "c.png"], ["2", "5", "4a"])
    spec = _csv_spec(root, label_map={"2": "benign", "5": "malignant"})
    _fails(spec, root / "labels.csv", "'4a'", "label_map_default")


@pytest.mark.parametrize("escape", ["../outside.png", "images/../../outside.png",
                                    "/etc/passwd", "..\\outside.png", "C:\\data\\x.png"])
def test_csv_path_escaping_the_dataset_folder(tmp_path, escape):
    write_image(tmp_path / "outside.png")
    root = _csv_dataset(tmp_path / "c", ["a.png", escape], ["benign", "malignant"])
    _fails(_csv_spec(root), root / "labels.csv", "CSV line 3", "outside the dataset folder")


def test_csv_id_column_escaping_the_image_folder(tmp_path):
    root = tmp_path / "isic"
    frame = isic_dataset(root, n_patients=3, per_patient=1)
    frame.loc[1, "image_name"] = "../../secret"
    frame.to_csv(root / "train.csv", index=False)
    spec = DatasetSpec(name="i", kind="csv", path=str(root), csv="train.csv", image_dir="train",
                       id_column="image_name", id_suffix=".jpg", label_column="benign_malignant")
    _fails(spec, root / "train.csv", "'../../secret.jpg'")


def test_csv_not_utf8(tmp_path):
    root = tmp_path / "c"
    write_image(root / "a.png")
    write_image(root / "b.png")
    write_csv(root / "labels.csv", pd.DataFrame({"file": ["a.png", "b.png"],
                                                 "label": ["bénin", "malin"]}),
              encoding="latin-1")
    _fails(_csv_spec(root), root / "labels.csv", "not UTF-8", "re-save it as UTF-8")


def test_csv_empty_label(tmp_path):
    root = _csv_dataset(tmp_path / "c", ["a.png", "b.png", "c.png"], ["benign", "", "malignant"])
    _fails(_csv_spec(root), root / "labels.csv", "empty label", "line 3")


def test_csv_image_listed_twice(tmp_path):
    root = _csv_dataset(tmp_path / "c", ["a.png", "a.png", "b.png"],
                        ["benign", "benign", "malignant"])
    _fails(_csv_spec(root), root / "labels.csv", "'a.png' appears more than once")


def test_csv_no_listed_image_exists(tmp_path):
    root = tmp_path / "c"
    write_image(root / "elsewhere" / "a.png")
    write_csv(root / "labels.csv", pd.DataFrame({"file": ["a.png", "b.png"],
                                                 "label": ["benign", "malignant"]}))
    _fails(_csv_spec(root), root / "labels.csv", "None of the 2 images", "image_dir")


def test_csv_missing_file(tmp_path):
    root = tmp_path / "c"
    root.mkdir()
    _fails(_csv_spec(root), root / "labels.csv", "does not exist")


def test_csv_both_path_and_id_column(tmp_path):
    root = _csv_dataset(tmp_path / "c", ["a.png", "b.png"], ["benign", "malignant"])
    _fails(_csv_spec(root, id_column="file"), root / "labels.csv", "exactly one of")


def test_csv_unknown_split_name(tmp_path):
    root = tmp_path / "c"
    for f in ("a.png", "b.png"):
        write_image(root / f)
    write_csv(root / "labels.csv", pd.DataFrame({"file": ["a.png", "b.png"],
                                                 "label": ["benign", "malignant"],
                                                 "split": ["train", "holdout"]}))
    _fails(_csv_spec(root, split_column="split"), root / "labels.csv", "'holdout'")


# -- BreakHis -----------------------------------------------------------------------------------


def test_breakhis_folds_csv_missing_columns(tmp_path):
    root = breakhis_dataset(tmp_path / "bh")
    write_csv(root / "Folds.csv", pd.DataFrame({"fold": [1], "filename": ["x.png"]}))
    spec = DatasetSpec(name="b", kind="breakhis", path=str(root), folds_csv="Folds.csv")
    _fails(spec, root / "Folds.csv", "grp")


def test_breakhis_fold_absent(tmp_path):
    root = breakhis_dataset(tmp_path / "bh")
    spec = DatasetSpec(name="b", kind="breakhis", path=str(root), folds_csv="Folds.csv", fold=9)
    _fails(spec, root / "Folds.csv", "no rows for fold 9", "'1', '2', '3', '4', '5'")


def test_breakhis_without_breakhis_names(tmp_path):
    root = class_folders(tmp_path / "d", {"benign": 2, "malignant": 2})
    _fails(DatasetSpec(name="b", kind="breakhis", path=str(root)), root, "No BreakHis images")


# -- MedMNIST -----------------------------------------------------------------------------------


def test_medmnist_plain_npy(tmp_path):
    path = tmp_path / "x.npz"
    with open(path, "wb") as fh:
        np.save(fh, np.zeros((2, 3)))
    _fails(DatasetSpec(name="m", kind="medmnist", path=str(path)), path, "single array")


def test_medmnist_images_without_labels(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, train_images=np.zeros((2, 4, 4), np.uint8))
    _fails(DatasetSpec(name="m", kind="medmnist", path=str(path)), path, "no train_labels")


def test_medmnist_multilabel_refused(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, train_images=np.zeros((2, 4, 4), np.uint8),
             train_labels=np.zeros((2, 14), np.uint8))
    _fails(DatasetSpec(name="m", kind="medmnist", path=str(path)), path, "multi-label")


def test_medmnist_label_outside_class_names(tmp_path):
    path = medmnist_npz(tmp_path / "m.npz")
    spec = DatasetSpec(name="m", kind="medmnist", path=str(path), class_names=("malignant",))
    _fails(spec, path, "Label 1 has no entry")


def test_medmnist_not_an_npz(tmp_path):
    path = tmp_path / "m.npz"
    path.write_text("hello")
    _fails(DatasetSpec(name="m", kind="medmnist", path=str(path)), path, "npz")


def test_medmnist_path_is_a_folder(tmp_path):
    _fails(DatasetSpec(name="m", kind="medmnist", path=str(tmp_path)), tmp_path, "not found")


# -- spec ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, phrase", [
    ({"name": "x", "kind": "zip", "path": "/d"}, "Unknown dataset kind 'zip'"),
    ({"name": "x", "kind": "folders", "path": "/d", "task": "regression"}, "Unknown task"),
    ({"name": "x", "kind": "folders"}, "needs a path"),
    ({"name": " ", "kind": "folders", "path": "/d"}, "non-empty name"),
])
def test_invalid_spec(kwargs, phrase):
    with pytest.raises(DatasetError, match=phrase) as info:
        DatasetSpec(**kwargs)
    assert info.value.fix
