"""The dataset check finds unreadable files, duplicates and leaking groups, and never crashes
or writes."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from core.datasets import DatasetSpec, assign_splits, check_dataset, load_dataset
from tests.datasets.builders import (
    class_folders,
    idc_dataset,
    medmnist_npz,
    pixels,
    presplit_folders,
    snapshot,
    write_image,
)


@pytest.fixture
def messy(tmp_path):
    """Class folders with every kind of problem planted once."""
    root = class_folders(tmp_path / "messy", {"benign": 6, "malignant": 4})
    good = (root / "benign" / "benign_0.png").read_bytes()
    (root / "benign" / "truncated.png").write_bytes(good[: len(good) // 2])
    (root / "benign" / "empty.png").write_bytes(b"")
    (root / "malignant" / "text.jpg").write_text("this is not a JPEG")
    shutil.copy(root / "benign" / "benign_1.png", root / "benign" / "copy_of_1.png")
    shutil.copy(root / "benign" / "benign_2.png", root / "malignant" / "also_benign_2.png")
    # Same pixels, other format: a duplicate as the model sees it.
    Image.open(root / "malignant" / "malignant_0.png").save(root / "malignant" / "m0.bmp")
    write_image(root / "malignant" / "big.png", size=12)
    write_image(root / "benign" / "grey.png", mode="L")
    return root


def test_messy_folder_everything_found_nothing_written(messy):
    before = snapshot(messy)
    ds = load_dataset(DatasetSpec(name="messy", kind="folders", path=str(messy)))

    check = check_dataset(ds, workers=2)

    assert check.n_images == len(ds) == 18
    reasons = dict(zip(check.unreadable["sample_id"], check.unreadable["reason"]))
    assert set(reasons) == {"benign/truncated.png", "benign/empty.png", "malignant/text.jpg"}
    assert "truncated" in reasons["benign/truncated.png"]
    assert "0 bytes" in reasons["benign/empty.png"]
    assert "not an image" in reasons["malignant/text.jpg"]
    assert check.unreadable_ids == frozenset(reasons)

    assert check.cross_class_duplicates == [("benign/benign_2.png", "malignant/also_benign_2.png")]
    assert sorted(check.within_class_duplicates) == [
        ("benign/benign_1.png", "benign/copy_of_1.png"),
        ("malignant/m0.bmp", "malignant/malignant_0.png"),
    ]
    assert check.cross_split_duplicates == []  # no split known

    assert check.sizes.to_dict("records") == [{"width": 8, "height": 8, "images": 14},
                                              {"width": 12, "height": 12, "images": 1}]
    assert check.modes == {"RGB": 14, "L": 1}
    assert check.counts.to_dict("index") == {"benign": {"total": 10}, "malignant": {"total": 8}}
    assert check.split_source == "none"
    assert snapshot(messy) == before


def test_findings_and_summary_put_errors_first(messy):
    ds = load_dataset(DatasetSpec(name="messy", kind="folders", path=str(messy)))
    check = check_dataset(ds)

    findings = check.findings()

    assert list(findings.columns) == ["severity", "finding", "detail"]
    assert findings["severity"].tolist()[:2] == ["error", "error"]
    assert not check.ok
    text = " ".join(check.summary())
    assert "3 unreadable image file(s)" in text and "benign/empty.png" in text
    assert "1 set(s) of identical images carry different labels" in text
    assert "2 different sizes" in text and "L (1)" in text
    assert all(sentence.endswith(".") for sentence in check.summary())


def test_clean_dataset_is_ok(tmp_path):
    root = class_folders(tmp_path / "clean", {"benign": 4, "malignant": 4})
    check = check_dataset(load_dataset(DatasetSpec(name="c", kind="folders", path=str(root))))
    assert check.ok and check.unreadable.empty and check.duplicates.empty
    assert check.findings()["severity"].eq("info").all()


def test_duplicates_across_official_splits(tmp_path):
    root = presplit_folders(tmp_path / "p", {"train": {"benign": 3, "malignant": 3},
                                             "test": {"benign": 2, "malignant": 2}})
    shutil.copy(root / "train" / "malignant" / "train_malignant_0.png",
                root / "test" / "malignant" / "leaked.png")
    ds = load_dataset(DatasetSpec(name="p", kind="folders", path=str(root)))

    check = check_dataset(ds)

    assert check.split_source == "official"
    assert check.cross_split_duplicates == [("test/malignant/leaked.png",
                                             "train/malignant/train_malignant_0.png")]
    assert check.duplicates.loc[0, "splits"] == ("test", "train")
    assert check.cross_class_duplicates == []
    assert "span two splits" in " ".join(check.summary())


def test_groups_in_more_than_one_split_and_given_splits(tmp_path):
    root = idc_dataset(tmp_path / "IDC", {f"{9000 + i}": (3, 1) for i in range(8)})
    ds = load_dataset(DatasetSpec(name="idc", kind="idc", path=str(root)))
    good = assign_splits(ds)

    assert check_dataset(ds, good).leaking_groups.empty

    leaky = good.copy()
    first = ds.table.index[ds.table["group"] == "9000"]
    leaky[first[0]] = "test" if leaky[first[1]] != "test" else "train"
    check = check_dataset(ds, leaky)
    assert check.split_source == "given"
    assert check.leaking_groups["group"].tolist() == ["9000"]
    assert check.leaking_groups.loc[0, "images"] == 4
    assert len(check.leaking_groups.loc[0, "splits"]) == 2
    assert list(check.counts.columns) == ["train", "val", "test", "total"]
    assert "lie in more than one split" in " ".join(check.summary())


def test_array_dataset_duplicates_and_sizes(tmp_path):
    path = medmnist_npz(tmp_path / "m.npz")
    with np.load(path) as npz:
        arrays = {k: npz[k].copy() for k in npz.files}
    arrays["test_images"][0] = arrays["train_images"][1]  # train/1 (label 1) -> test/0 (label 0)
    np.savez(path, **arrays)
    ds = load_dataset(DatasetSpec(name="m", kind="medmnist", path=str(path),
                                  class_names=("malignant", "benign")))

    check = check_dataset(ds)

    assert check.cross_class_duplicates == [("test/0", "train/1")]
    assert check.cross_split_duplicates == [("test/0", "train/1")]
    assert check.sizes.to_dict("records") == [{"width": 6, "height": 6, "images": 48}]
    assert check.unreadable.empty
    assert check.counts.loc["malignant", "test"] == 4


def test_file_deleted_after_loading_is_reported_not_raised(tmp_path):
    root = class_folders(tmp_path / "d", {"benign": 3, "malignant": 3})
    ds = load_dataset(DatasetSpec(name="d", kind="folders", path=str(root)))
    (root / "benign" / "benign_1.png").unlink()

    check = check_dataset(ds)

    assert check.unreadable_ids == {"benign/benign_1.png"}
    assert "not found" in check.unreadable["reason"].iloc[0]


def test_thread_pool_and_serial_agree(tmp_path):
    root = tmp_path / "many"
    for i in range(80):
        write_image(root / ("benign" if i % 3 else "malignant") / f"{i}.png", key=str(i % 70))
    ds = load_dataset(DatasetSpec(name="many", kind="folders", path=str(root)))

    serial = check_dataset(ds, workers=1)
    pooled = check_dataset(ds, workers=4)

    assert len(serial.duplicates) == 10
    pd.testing.assert_frame_equal(serial.duplicates, pooled.duplicates)
    assert serial.modes == pooled.modes


def test_digest_is_of_decoded_rgb_pixels(tmp_path):
    grey = pixels("same", channels=1)
    root = tmp_path / "d"
    (root / "benign").mkdir(parents=True)
    (root / "malignant").mkdir()
    Image.fromarray(grey, mode="L").save(root / "benign" / "a.png")
    Image.fromarray(np.repeat(grey[..., None], 3, axis=2), mode="RGB").save(
        root / "malignant" / "b.tif")
    ds = load_dataset(DatasetSpec(name="d", kind="folders", path=str(root)))

    assert check_dataset(ds).cross_class_duplicates == [("benign/a.png", "malignant/b.tif")]
