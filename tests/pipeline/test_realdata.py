"""The pipeline on the real data beside the repo (skips where ../shared/data is absent)."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets.images import decode_image, resize_for_model
from core.datasets.loaders import load
from core.datasets.pipeline import decode_route, make_dataset
from core.datasets.spec import DatasetSpec

pytestmark = pytest.mark.realdata


def test_busi_pngs_match_the_single_image_path(shared_data) -> None:
    ds = load(DatasetSpec(name="busi", kind="folders", path=str(shared_data / "busi_256")))
    rows = ds.table.groupby("raw_label").head(4)  # 4 per class, 12 images
    assert {decode_route(open(p, "rb").read()) for p in rows["path"]} == {"png"}
    images = np.concatenate([x.numpy() for x, _ in make_dataset(ds, rows, image_size=96,
                                                                  batch_size=6)])
    expected = np.stack([resize_for_model(decode_image(p), 96) for p in rows["path"]])
    np.testing.assert_array_equal(images, expected)
    assert images.std() > 10  # real ultrasound texture, not a blank


def test_breastmnist_arrays_through_the_pipeline(shared_data) -> None:
    spec = DatasetSpec(name="breastmnist", kind="medmnist",
                       path=str(shared_data / "breastmnist" / "breastmnist.npz"),
                       class_names=("malignant", "normal/benign"))
    ds = load(spec)
    train = ds.table[ds.table["official_split"] == "train"]
    data = make_dataset(ds, train, image_size=28, batch_size=64, training=True,
                        sampling="oversample", seed=0)
    targets = np.concatenate([y.numpy() for _, y in data])
    n_major = int(np.bincount(train["target"]).max())
    assert np.bincount(targets).tolist() == [n_major, n_major]
    test = ds.table[ds.table["official_split"] == "test"]
    images = np.concatenate([x.numpy() for x, _ in make_dataset(ds, test, image_size=28,
                                                                  batch_size=64)])
    np.testing.assert_array_equal(images, ds.arrays[test["array_index"]].astype(np.float32))
