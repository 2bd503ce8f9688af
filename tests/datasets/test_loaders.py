"""Each dataset kind loads from the layout its seed papers use, into the shared table."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets import DatasetSpec, load_dataset
from core.datasets.table import BASE_COLUMNS
from tests.datasets.builders import (
    birads_dataset,
    breakhis_dataset,
    class_folders,
    idc_dataset,
    isic_dataset,
    medmnist_npz,
    presplit_folders,
    snapshot,
    write_image,
)


def _base_columns_ok(ds) -> None:
    assert list(ds.table.columns[: len(BASE_COLUMNS)]) == list(BASE_COLUMNS)
    assert ds.table["sample_id"].is_unique
    assert set(ds.table["target"]) == set(range(len(ds.class_names)))


@pytest.mark.parametrize("ext", [".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"])
def test_class_folders_every_image_format(tmp_path, ext):
    root = class_folders(tmp_path / "data", {"benign": 3, "malignant": 2}, ext=ext)
    (root / "malignant" / "notes.txt").write_text("not an image")
    before = snapshot(root)

    ds = load_dataset(DatasetSpec(name="f", kind="folders", path=str(root)))

    _base_columns_ok(ds)
    assert ds.class_names == ("benign", "malignant")
    assert ds.positive_index == 1
    assert ds.table.groupby("label")["target"].agg(["first", "size"]).to_dict("index") == {
        "benign": {"first": 0, "size": 3}, "malignant": {"first": 1, "size": 2}}
    assert ds.table["sample_id"].iloc[0] == f"benign/benign_0{ext}"
    assert (ds.table["official_split"] == "").all()
    assert not ds.has_groups and ds.arrays is None
    assert snapshot(root) == before


def test_class_folders_three_classes_binary_and_multiclass(tmp_path):
    root = class_folders(tmp_path / "busi", {"benign": 4, "malignant": 3, "normal": 2})

    binary = load_dataset(DatasetSpec(name="b", kind="folders", path=str(root)))
    multi = load_dataset(DatasetSpec(name="m", kind="folders", path=str(root), task="multiclass"))

    assert binary.class_names == ("non-malignant", "malignant")
    assert binary.table["target"].sum() == 3
    assert multi.class_names == ("benign", "malignant", "normal")
    assert multi.positive_index is None  # multiclass: no positive class unless declared
    assert multi.table["target"].value_counts().sort_index().tolist() == [4, 3, 2]


def test_presplit_folders_keep_their_split(tmp_path):
    layout = {"train": {"benign": 4, "malignant": 3}, "validation": {"benign": 2, "malignant": 1},
              "test": {"benign": 2, "malignant": 2}}
    root = presplit_folders(tmp_path / "melanoma", layout)

    ds = load_dataset(DatasetSpec(name="p", kind="folders", path=str(root)))

    counts = ds.table.groupby(["official_split", "label"]).size().to_dict()
    assert counts == {("test", "benign"): 2, ("test", "malignant"): 2, ("train", "benign"): 4,
                      ("train", "malignant"): 3, ("val", "benign"): 2, ("val", "malignant"): 1}
    assert ds.table["sample_id"].str.startswith(("train/", "validation/", "test/")).all()


def test_folders_group_regex_reads_patient_from_file_name(tmp_path):
    root = tmp_path / "d"
    for cls in ("benign", "malignant"):
        for patient in ("p1", "p2"):
            for i in range(2):
                write_image(root / cls / f"{patient}_{cls}_{i}.png")
    spec = DatasetSpec(name="g", kind="folders", path=str(root), group_regex=r"^(?P<group>p\d+)_")

    ds = load_dataset(spec)

    assert ds.has_groups
    assert sorted(ds.table["group"].unique()) == ["p1", "p2"]


def test_folders_ignore_macosx_and_hidden_and_note_loose_images(tmp_path):
    root = class_folders(tmp_path / "d", {"benign": 2, "malignant": 2})
    (root / "__MACOSX" / "benign").mkdir(parents=True)
    (root / "__MACOSX" / "benign" / "._benign_0.png").write_bytes(b"\x00\x05\x16\x07")
    write_image(root / ".thumbnails" / "x" / "a.png")
    write_image(root / "stray.png")

    ds = load_dataset(DatasetSpec(name="d", kind="folders", path=str(root)))

    assert sorted(ds.table["label"].unique()) == ["benign", "malignant"]
    assert len(ds) == 4
    assert any("stray.png" in note for note in ds.notes)


def test_isic_csv_with_id_column_suffix_groups_and_metadata(tmp_path):
    root = tmp_path / "isic"
    frame = isic_dataset(root)
    before = snapshot(root)
    spec = DatasetSpec(
        name="isic", kind="csv", path=str(root), csv="train.csv", image_dir="train",
        id_column="image_name", id_suffix=".jpg", label_column="benign_malignant",
        group_column="patient_id",
        metadata_columns=("sex", "age_approx", "anatom_site_general_challenge"),
    )

    ds = load_dataset(spec)

    _base_columns_ok(ds)
    assert len(ds) == len(frame)
    assert ds.table["sample_id"].iloc[0] == "ISIC_0000000.jpg"
    assert ds.table["path"].iloc[0] == str(root / "train" / "ISIC_0000000.jpg")
    assert ds.table["group"].nunique() == 12 and ds.has_groups
    assert ds.metadata_columns == ["meta_age_approx", "meta_anatom_site_general_challenge",
                                   "meta_sex"]
    assert ds.table["meta_sex"].tolist() == frame["sex"].tolist()
    assert ds.table["target"].sum() == (frame["benign_malignant"] == "malignant").sum()
    assert snapshot(root) == before


def test_birads_csv_maps_4_5_6_to_malignant_and_the_rest_to_benign(tmp_path):
    root = tmp_path / "mammo"
    frame = birads_dataset(root)
    spec = DatasetSpec(
        name="inbreast", kind="csv", path=str(root), csv="labels.csv", path_column="file",
        label_column="birads", group_column="patient_id", metadata_columns=("laterality", "view"),
        label_map={"4": "malignant", "5": "malignant", "6": "malignant"},
        label_map_default="benign",
    )

    ds = load_dataset(spec)

    expected = frame["birads"].astype(int).ge(4).map({True: "malignant", False: "benign"})
    assert ds.table["label"].tolist() == expected.tolist()
    assert ds.table["raw_label"].tolist() == frame["birads"].tolist()
    assert ds.class_names == ("benign", "malignant")
    assert set(ds.table["meta_view"]) == {"CC", "MLO"}


def test_csv_split_column_and_missing_images_are_noted(tmp_path):
    root = tmp_path / "cbis"
    frame = birads_dataset(root)
    frame["split"] = ["Training", "Training", "validation", "Test"] * (len(frame) // 4) + \
        ["Training"] * (len(frame) % 4)
    frame.loc[len(frame)] = ["images/gone.png", "5", "P999", "L", "CC", "test"]
    frame.to_csv(root / "labels.csv", index=False)
    spec = DatasetSpec(name="c", kind="csv", path=str(root), csv="labels.csv",
                       path_column="file", label_column="birads", group_column="patient_id",
                       split_column="split", label_map={"4": "malignant", "5": "malignant",
                                                        "6": "malignant"},
                       label_map_default="benign")

    ds = load_dataset(spec)

    assert len(ds) == len(frame) - 1
    assert set(ds.table["official_split"]) == {"train", "val", "test"}
    assert any("gone.png" in note for note in ds.notes)


def test_csv_blank_group_is_its_own_group(tmp_path):
    root = tmp_path / "isic"
    frame = isic_dataset(root, n_patients=4, per_patient=2)
    frame.loc[[0, 1], "patient_id"] = ""
    frame.to_csv(root / "train.csv", index=False)
    spec = DatasetSpec(name="i", kind="csv", path=str(root), csv="train.csv", image_dir="train",
                       id_column="image_name", id_suffix=".jpg",
                       label_column="benign_malignant", group_column="patient_id")

    ds = load_dataset(spec)

    # Before the fix both images shared the group "" and had to move together.
    assert ds.table.loc[[0, 1], "group"].tolist() == ds.table.loc[[0, 1], "sample_id"].tolist()
    assert any("2 image(s) have no group" in note for note in ds.notes)


def test_idc_patches_grouped_by_patient(tmp_path):
    root = idc_dataset(tmp_path / "IDC", {"8863": (3, 1), "9036": (2, 0), "10253": (1, 2)})
    before = snapshot(root)

    ds = load_dataset(DatasetSpec(name="idc", kind="idc", path=str(root)))

    _base_columns_ok(ds)
    assert ds.class_names == ("benign", "malignant")
    assert ds.table.groupby("group")["target"].agg(["size", "sum"]).to_dict("index") == {
        "10253": {"size": 3, "sum": 2}, "8863": {"size": 4, "sum": 1},
        "9036": {"size": 2, "sum": 0}}
    assert ds.table["raw_label"].isin(["0", "1"]).all()
    assert set(ds.metadata_columns) == {"meta_x", "meta_y"}
    assert snapshot(root) == before


def test_breakhis_file_names_and_official_folds(tmp_path):
    root = breakhis_dataset(tmp_path / "bh")
    before = snapshot(root)
    spec = DatasetSpec(name="bh", kind="breakhis", path=str(root), folds_csv="Folds.csv", fold=2)

    ds = load_dataset(spec)

    _base_columns_ok(ds)
    assert len(ds) == 6 * 2 * 2
    assert ds.table["group"].nunique() == 6
    assert set(ds.table["meta_magnification"]) == {"40X", "100X"}
    assert set(ds.table["official_split"]) == {"train", "test"}
    per_group = ds.table.groupby("group")["official_split"].nunique()
    assert (per_group == 1).all()  # the official folds are patient-wise
    assert ds.table.loc[ds.table["group"] == "14-3411F", "official_split"].iloc[0] == "test"

    subtype = load_dataset(DatasetSpec(name="bh8", kind="breakhis", path=str(root),
                                       label_level="subtype", task="multiclass",
                                       positive_class="ductal_carcinoma"))
    assert len(subtype.class_names) == 6
    assert (subtype.table["official_split"] == "").all()
    assert snapshot(root) == before


@pytest.mark.parametrize("column_labels", [False, True])
def test_medmnist_labels_n_or_n1_grayscale_and_positive_label_zero(tmp_path, column_labels):
    path = medmnist_npz(tmp_path / "breastmnist.npz", column_labels=column_labels)
    spec = DatasetSpec(name="bm", kind="medmnist", path=str(path),
                       class_names=("malignant", "normal+benign"))

    ds = load_dataset(spec)

    _base_columns_ok(ds)
    assert ds.arrays.shape == (48, 6, 6, 3) and ds.arrays.dtype == np.uint8
    assert (ds.arrays[..., 0] == ds.arrays[..., 2]).all()  # grey repeated into RGB
    assert ds.class_names == ("normal+benign", "malignant")
    with np.load(path) as npz:
        raw = np.concatenate([npz[f"{s}_labels"].reshape(-1) for s in ("train", "val", "test")])
    assert (ds.table["target"].to_numpy() == (raw == 0)).all()  # label 0 is the positive one
    assert ds.table.groupby("official_split").size().to_dict() == {"test": 10, "train": 30,
                                                                    "val": 8}
    assert ds.table["array_index"].tolist() == list(range(48))
    assert ds.table["sample_id"].iloc[30] == "val/0"


def test_medmnist_float_images_in_unit_range_are_scaled(tmp_path):
    images = np.linspace(0, 1, 4 * 5 * 5).reshape(4, 5, 5)
    path = tmp_path / "f.npz"
    np.savez(path, train_images=images, train_labels=np.array([0, 1, 0, 1]),
             test_images=images, test_labels=np.array([1, 0, 1, 0]))

    ds = load_dataset(DatasetSpec(name="f", kind="medmnist", path=str(path),
                                  class_names=("malignant", "benign")))

    # Before the fix a [0, 1] float image became all zeros and ones.
    assert ds.arrays.max() == 255 and len(np.unique(ds.arrays)) > 50


def test_multiclass_medmnist_without_class_names_uses_numbers(tmp_path):
    path = medmnist_npz(tmp_path / "m.npz", grayscale=False)

    ds = load_dataset(DatasetSpec(name="m", kind="medmnist", path=str(path), task="multiclass",
                                  positive_class="0"))

    assert ds.class_names == ("0", "1")
    assert ds.positive_index == 0


def test_csv_windows_separators_and_defaulted_labels_are_visible(tmp_path):
    root = tmp_path / "mammo"
    for name in ("a", "b", "c", "d"):
        write_image(root / "images" / f"{name}.png")
    (root / "labels.csv").write_text(
        "file,birads\nimages\\a.png,2\nimages\\b.png,4a\nimages\\c.png,5\nimages\\d.png,4c\n",
        encoding="utf-8")
    spec = DatasetSpec(name="w", kind="csv", path=str(root), csv="labels.csv",
                       path_column="file", label_column="birads",
                       label_map={"4": "malignant", "5": "malignant", "6": "malignant"},
                       label_map_default="benign")

    ds = load_dataset(spec)

    assert ds.table["sample_id"].tolist() == ["images/a.png", "images/b.png", "images/c.png",
                                              "images/d.png"]
    assert ds.table["label"].tolist() == ["benign", "benign", "malignant", "benign"]
    # "4a"/"4c" fell to the default: the user must be able to see that.
    assert any("'2', '4a', '4c'" in note and "'benign'" in note for note in ds.notes)
