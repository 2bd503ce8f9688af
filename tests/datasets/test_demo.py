"""The built-in SYNTHETIC demo dataset: IDC-shaped, ~1:3 imbalanced, grouped, deterministic.

The default demo (2000 patches) is generated once per test session into the session's
LESIONLAB_HOME (about 25 s on a busy 2-core machine); every other test here reuses it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image

from core import config
from core.datasets import assign_splits, check_dataset, dataset_fingerprint, load_dataset
from core.datasets.demo import generate_demo, plan_demo, read_marker, verify_demo


@pytest.fixture(scope="session")
def demo():
    started = time.perf_counter()
    ds = load_dataset("demo")
    ds.notes.append(f"generated in {time.perf_counter() - started:.1f} s")
    return ds


def test_demo_is_idc_shaped_imbalanced_and_grouped(demo):
    table = demo.table
    assert demo.synthetic and "SYNTHETIC" in demo.spec.description
    assert Path(demo.spec.path or config.demo_root()) == config.demo_root()
    assert demo.class_names == ("benign", "malignant")
    assert len(table) == 2000
    assert table["target"].sum() == 500  # 1 malignant : 3 benign
    per_patient = table.groupby("group")["target"].agg(["size", "sum"])
    assert len(per_patient) == 40 and (per_patient["size"] == 50).all()
    assert (per_patient["sum"] == 0).sum() >= 3  # some patients have no malignant patch
    assert per_patient["sum"].nunique() > 5  # malignant patches spread unevenly
    assert sorted(table["sample_id"]) == sorted(str(p.relpath) for p in plan_demo())


def test_demo_is_a_few_megabytes_and_verifies(demo):
    root = config.demo_root()
    marker = read_marker(root)
    on_disk = sum(p.stat().st_size for p in root.glob("*/[01]/*.png"))
    assert marker["image_bytes"] == on_disk
    assert 2e6 < on_disk < 20e6
    assert verify_demo(root)
    for path in demo.table["path"].iloc[::400]:
        with Image.open(path) as img:
            assert img.size == (50, 50) and img.mode == "RGB"


def test_demo_splits_without_leaking_patients_and_checks_clean(demo):
    splits = assign_splits(demo)
    per_group = splits.groupby(demo.table["group"]).nunique()
    assert (per_group == 1).all()
    assert set(splits) == {"train", "val", "test"}
    check = check_dataset(demo, splits)
    assert check.ok, check.summary()
    assert check.duplicates.empty and check.unreadable.empty


def test_second_load_reuses_the_demo(demo):
    marker = config.demo_root() / "DEMO_COMPLETE.json"
    stamp = marker.stat().st_mtime_ns
    before = dataset_fingerprint(demo)
    again = load_dataset("demo")
    assert marker.stat().st_mtime_ns == stamp
    assert dataset_fingerprint(again) == before


def test_generation_is_deterministic(tmp_path):
    a = generate_demo(tmp_path / "a", seed=0, n_patients=3, patches_per_patient=8)
    b = generate_demo(tmp_path / "b", seed=0, n_patients=3, patches_per_patient=8)
    c = generate_demo(tmp_path / "c", seed=1, n_patients=3, patches_per_patient=8)

    files_a = sorted(p.relative_to(a) for p in a.rglob("*.png"))
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*.png"))
    assert len(files_a) == 24
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)
    assert read_marker(a)["checksum"] == read_marker(b)["checksum"]
    assert read_marker(a)["checksum"] != read_marker(c)["checksum"]


def test_boxed_nuclei_equal_the_full_frame_masks():
    """The speed-up (each nucleus evaluated in its bounding box) must not change a pixel, for
    every nucleus on its own (in a sum of many, one nucleus can hide another's clipped edge)."""
    import numpy as np

    from core.datasets.demo import texture as demo_module

    rng = np.random.default_rng(5)
    k = 60
    args = dict(cx=rng.uniform(-3, 53, k), cy=rng.uniform(-3, 53, k), a=rng.uniform(0.8, 9, k),
                b=rng.uniform(0.8, 8, k), theta=rng.uniform(0, 3.2, k), edge=0.8,
                wobble=rng.uniform(0, 0.45, k), phase=rng.uniform(0, 6.3, k))
    weight = rng.uniform(0.5, 1.6, k)
    full = demo_module._ellipses(**args) * weight[:, None, None]
    for i in range(k):
        one = {key: (v[i:i + 1] if isinstance(v, np.ndarray) else v) for key, v in args.items()}
        assert np.array_equal(demo_module._max_ellipses(weight[i:i + 1], **one), full[i]), i
    assert np.array_equal(demo_module._max_ellipses(weight, **args), full.max(axis=0))
