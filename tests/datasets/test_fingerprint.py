"""Fingerprints: same content -> same hash; any file, label, group or split change -> new hash."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace

import numpy as np
import pytest

from core.datasets import (
    DatasetSpec,
    assign_splits,
    dataset_fingerprint,
    load_dataset,
    split_fingerprint,
)
from core.datasets.table import LoadedDataset
from tests.datasets.builders import (
    birads_dataset,
    class_folders,
    medmnist_npz,
    presplit_folders,
    write_image,
)


def _spec(root, **kw) -> DatasetSpec:
    return DatasetSpec(name="d", kind="folders", path=str(root), **kw)


def _fp(spec: DatasetSpec) -> str:
    return dataset_fingerprint(load_dataset(spec))


@pytest.fixture
def folders(tmp_path):
    return class_folders(tmp_path / "d", {"benign": 4, "malignant": 3})


def test_same_content_same_hash_even_renamed_or_moved(folders, tmp_path):
    first = _fp(_spec(folders))
    assert _fp(_spec(folders)) == first
    assert len(first) == 64 and int(first, 16) >= 0
    moved = tmp_path / "elsewhere" / "copy"
    shutil.copytree(folders, moved)  # copy2: sizes and mtimes preserved
    assert _fp(DatasetSpec(name="other name", kind="folders", path=str(moved))) == first


def test_row_order_does_not_matter(folders):
    ds = load_dataset(_spec(folders))
    shuffled = LoadedDataset(ds.spec, ds.table.iloc[::-1], ds.class_names)
    assert dataset_fingerprint(shuffled) == dataset_fingerprint(ds)


@pytest.mark.parametrize("change", [
    "add_file", "remove_file", "relabel_file", "rewrite_file", "touch_file", "positive_class",
    "task", "groups",
])
def test_every_change_gives_a_new_hash(folders, change):
    spec = _spec(folders)
    before = _fp(spec)
    if change == "add_file":
        write_image(folders / "benign" / "new.png")
    elif change == "remove_file":
        (folders / "benign" / "benign_3.png").unlink()
    elif change == "relabel_file":
        (folders / "benign" / "benign_3.png").rename(folders / "malignant" / "benign_3.png")
    elif change == "rewrite_file":
        write_image(folders / "benign" / "benign_3.png", key="other pixels", size=9)
    elif change == "touch_file":
        st = (folders / "benign" / "benign_3.png").stat()
        os.utime(folders / "benign" / "benign_3.png", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    elif change == "positive_class":
        spec = replace(spec, positive_class="benign")
    elif change == "task":
        spec = replace(spec, task="multiclass")
    elif change == "groups":
        spec = replace(spec, group_regex=r"^(?P<group>[a-z]+)_")
    assert _fp(spec) != before


def test_official_split_change(tmp_path):
    root = presplit_folders(tmp_path / "p", {"train": {"benign": 3, "malignant": 3},
                                             "test": {"benign": 2, "malignant": 2}})
    spec = _spec(root)
    before = _fp(spec)
    (root / "train" / "benign" / "train_benign_0.png").rename(
        root / "test" / "benign" / "train_benign_0.png")
    assert _fp(spec) != before


def test_metadata_change(tmp_path):
    root = tmp_path / "m"
    frame = birads_dataset(root)
    spec = DatasetSpec(name="m", kind="csv", path=str(root), csv="labels.csv",
                       path_column="file", label_column="birads", metadata_columns=("view",),
                       label_map={"5": "malignant", "6": "malignant"},
                       label_map_default="benign")
    before = _fp(spec)
    assert _fp(spec) == before
    frame.loc[0, "view"] = "ML"
    frame.to_csv(root / "labels.csv", index=False)
    assert _fp(spec) != before


def test_same_size_same_mtime_edit_needs_full_content(folders):
    """The documented trade-off: size + mtime miss a deliberate same-size edit with the time
    put back; ``full_content=True`` catches it."""
    ds = load_dataset(_spec(folders))
    target = folders / "benign" / "benign_0.png"
    quick, full = dataset_fingerprint(ds), dataset_fingerprint(ds, full_content=True)
    st = target.stat()
    data = bytearray(target.read_bytes())
    data[-20] ^= 0xFF
    target.write_bytes(bytes(data))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))

    assert dataset_fingerprint(ds) == quick
    assert dataset_fingerprint(ds, full_content=True) != full


def test_vanished_file_changes_the_hash_without_crashing(folders):
    ds = load_dataset(_spec(folders))
    before = dataset_fingerprint(ds)
    (folders / "benign" / "benign_0.png").unlink()
    assert dataset_fingerprint(ds) != before


def test_array_dataset_pixels_and_labels(tmp_path):
    path = medmnist_npz(tmp_path / "m.npz")
    spec = DatasetSpec(name="m", kind="medmnist", path=str(path),
                       class_names=("malignant", "benign"))
    before = _fp(spec)
    assert _fp(spec) == before
    with np.load(path) as npz:
        arrays = {k: npz[k].copy() for k in npz.files}

    pixel = dict(arrays)
    pixel["test_images"] = arrays["test_images"].copy()
    pixel["test_images"][3, 2, 2] ^= 1
    np.savez(path, **pixel)
    assert _fp(spec) != before

    label = dict(arrays)
    label["val_labels"] = arrays["val_labels"].copy()
    label["val_labels"][0] = 1 - label["val_labels"][0]
    np.savez(path, **label)
    assert _fp(spec) != before

    np.savez(path, **arrays)
    assert _fp(spec) == before


def test_split_fingerprint(folders):
    ds = load_dataset(_spec(folders))
    splits = assign_splits(ds)
    key = split_fingerprint(ds, splits)

    assert split_fingerprint(ds, splits.copy()) == key
    assert split_fingerprint(ds, splits, dataset_hash=dataset_fingerprint(ds)) == key
    assert split_fingerprint(ds, splits.iloc[::-1]) == key  # aligned by index, not position

    moved = splits.copy()
    moved.iloc[0] = "test" if moved.iloc[0] != "test" else "train"
    assert split_fingerprint(ds, moved) != key
    assert split_fingerprint(ds, splits, dataset_hash="0" * 64) != key

    write_image(folders / "benign" / "benign_0.png", key="changed", size=10)
    assert split_fingerprint(ds, splits) != key
