"""Test datasets for external validation: the demo's second site (shifted, see
:mod:`core.external.demo_site`) and a target that copies some of a run's training images."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.datasets import DatasetSpec, save_spec
from core.external.demo_site import make_shifted_site


def shifted_site(base: Path, name: str = "site_b") -> str:
    """Eight synthetic patients of 20 patches each, contrast lowered, colour strengthened."""
    return make_shifted_site(base, name, n_patients=8, patches=20)


def copying_site(base: Path, sources: list[str], extra: Path, name: str = "copies") -> str:
    """A folders dataset holding copies of ``sources`` (images that trained a run) beside the
    images under ``extra`` (an IDC tree): the overlap check must find exactly the copies."""
    root = base / name
    for i, src in enumerate(sources):
        label = "malignant" if src.endswith("class1.png") else "benign"
        (root / label).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, root / label / f"copy_{i}.png")
    for src in extra.rglob("*.png"):
        label = "malignant" if src.name.endswith("class1.png") else "benign"
        (root / label).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, root / label / src.name)
    save_spec(DatasetSpec(name=name, kind="folders", path=str(root),
                          positive_class="malignant"), replace=True)
    return name


CLASSES = ("cyst", "fibroadenoma", "lipoma")  # sorted: the target order


def three_class_site(base: Path, name: str, registry: Path, *, seed: int,
                     brightness: float = 0.0, n: int = 14, size: int = 24) -> str:
    """A three-class folders dataset of noise images, each class its own brightness (one
    short epoch learns it); ``brightness`` shifts every image, as another scanner would.
    Declared multiclass, without a positive class, in ``registry``."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    root = base / name
    for k, label in enumerate(CLASSES):
        (root / label).mkdir(parents=True)
        for i in range(n):
            pixels = rng.normal(60 + 60 * k + brightness, 20, (size, size, 3))
            Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(
                root / label / f"{name}_{label}_{i}.png")
    save_spec(DatasetSpec(name=name, kind="folders", path=str(root), task="multiclass"),
              registry)
    return name


def evaluated_site(source, tmp_path_factory, name: str):
    """A generator for a module fixture: the source run evaluated on a shifted site called
    ``name`` (every image), the pages' cached evaluation list refreshed (it is cached for 5 s,
    and another module's may be older) and ``LESIONLAB_STORE`` pointing at the store; yields
    (run, stored evaluation)."""
    import pytest

    from core.external import evaluate_external
    from dashboard.data import refresh_external

    store, run = source
    site = shifted_site(tmp_path_factory.mktemp(name), name=name)
    stored = evaluate_external(store, run.run_id, site, split="all")
    refresh_external()
    mp = pytest.MonkeyPatch()
    mp.setenv("LESIONLAB_STORE", str(store.root))
    yield run, stored
    mp.undo()
