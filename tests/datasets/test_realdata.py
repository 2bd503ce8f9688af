"""The real BUSI and BreastMNIST files in ../shared/data (skipped where they are absent)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from core.datasets import (
    DatasetSpec,
    SplitConfig,
    assign_splits,
    check_dataset,
    dataset_fingerprint,
    load_dataset,
    split_counts,
)
from tests.datasets.builders import snapshot

pytestmark = pytest.mark.realdata


def _verified(folder: Path) -> Path:
    """The folder, after checking its SHA256SUMS: a result on altered data means nothing."""
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(None, 1)
        actual = hashlib.sha256((folder / name.strip()).read_bytes()).hexdigest()
        assert actual == digest, f"{folder / name} does not match SHA256SUMS"
    return folder


@pytest.fixture(scope="module")
def busi_root(shared_data) -> Path:
    return _verified(shared_data / "busi_256")


@pytest.fixture(scope="module")
def busi(busi_root):
    return load_dataset(DatasetSpec(name="busi", kind="folders", path=str(busi_root)))


def test_busi_folders(busi):
    assert len(busi) == 780
    assert busi.table["label"].value_counts().to_dict() == {"benign": 437, "malignant": 210,
                                                            "normal": 133}
    assert busi.class_names == ("non-malignant", "malignant")
    assert busi.table["target"].sum() == 210
    assert not busi.has_groups


def test_busi_as_csv_agrees_with_folders(busi, busi_root):
    from_csv = load_dataset(DatasetSpec(name="busi-csv", kind="csv", path=str(busi_root),
                                        csv="labels.csv", path_column="path",
                                        label_column="label"))
    assert sorted(from_csv.table["sample_id"]) == sorted(busi.table["sample_id"])
    merged = from_csv.table.merge(busi.table, on="sample_id")
    assert (merged["target_x"] == merged["target_y"]).all()


def test_busi_check_finds_the_known_duplicate_and_writes_nothing(busi, busi_root):
    before = snapshot(busi_root)
    splits = assign_splits(busi, SplitConfig(seed=0))

    check = check_dataset(busi, splits)

    assert ("benign/benign (433).png", "malignant/malignant (145).png") in \
        check.cross_class_duplicates
    assert check.unreadable.empty
    assert check.sizes.to_dict("records") == [{"width": 256, "height": 256, "images": 780}]
    assert check.leaking_groups.empty
    assert snapshot(busi_root) == before


def test_busi_grouped_split_is_valid_and_stratified(busi):
    splits = assign_splits(busi, SplitConfig(seed=0))
    counts = split_counts(busi, splits)
    assert (counts[["train", "val", "test"]] > 0).all().all()
    rates = counts.loc["malignant", ["train", "val", "test"]] / counts[["train", "val",
                                                                        "test"]].sum()
    assert (rates - 210 / 780).abs().max() < 0.03
    assert splits.groupby(busi.table["group"]).nunique().max() == 1


@pytest.fixture(scope="module")
def breastmnist(shared_data):
    folder = _verified(shared_data / "breastmnist")
    return load_dataset(DatasetSpec(name="breastmnist", kind="medmnist",
                                    path=str(folder / "breastmnist.npz"),
                                    class_names=("malignant", "normal+benign")))


def test_breastmnist_official_split_and_positive_label_zero(breastmnist):
    table = breastmnist.table
    assert breastmnist.class_names == ("normal+benign", "malignant")
    assert breastmnist.spec.class_names == ("malignant", "normal+benign")
    assert (table.loc[table["raw_label"] == "malignant", "target"] == 1).all()
    assert table["target"].sum() == 210  # BUSI's 210 malignant images
    assert breastmnist.arrays.shape == (780, 28, 28, 3)

    splits = assign_splits(breastmnist, SplitConfig(seed=123))

    assert splits.value_counts().to_dict() == {"train": 546, "test": 156, "val": 78}
    assert (splits == table["official_split"]).all()


def test_breastmnist_check_and_fingerprint(breastmnist):
    check = check_dataset(breastmnist)
    assert check.split_source == "official"
    # BreastMNIST is BUSI resized: it inherits the benign (433) = malignant (145) duplicate.
    assert len(check.cross_class_duplicates) >= 1
    assert dataset_fingerprint(breastmnist) == dataset_fingerprint(breastmnist)
