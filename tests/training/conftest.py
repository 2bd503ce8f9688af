"""A tiny learnable dataset declared in its own registry, for engine tests.

Class folders of 40x40 PNGs: "malignant" images carry a bright square, "benign" ones do not,
with noise, so even one epoch learns something and both classes reach every split.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.datasets import DatasetSpec, save_spec


def make_square_images(root: Path, n_per_class: int = 30, size: int = 40, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for label in ("benign", "malignant"):
        folder = root / label
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(n_per_class):
            img = rng.normal(90, 25, (size, size, 3))
            if label == "malignant":
                x, y = rng.integers(2, size - 14, 2)
                img[y:y + 12, x:x + 12] += 120
            Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(folder / f"{label}_{i}.png")
    return root


@pytest.fixture(scope="session")
def squares_registry(tmp_path_factory) -> Path:
    """A datasets.toml declaring ``squares`` (binary, malignant positive)."""
    base = tmp_path_factory.mktemp("squares")
    root = make_square_images(base / "data")
    registry = base / "datasets.toml"
    save_spec(DatasetSpec(name="squares", kind="folders", path=str(root)), registry)
    return registry
