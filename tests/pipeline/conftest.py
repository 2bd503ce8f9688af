"""Tiny datasets written by the tests themselves: real files on disk, real LoadedDatasets.

"Coded" images are uniform colours whose red channel encodes the image's position, so a test
can read back which image came out where (a uniform image stays uniform through any resize).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from core.datasets.spec import DatasetSpec
from core.datasets.table import LoadedDataset, finalize

CODE_OFFSET = 10  # code i is stored as red value CODE_OFFSET + 5 * i


def coded_array(i: int, size: tuple[int, int] = (12, 12)) -> np.ndarray:
    value = CODE_OFFSET + 5 * i
    return np.full((*size, 3), (value, 255 - value, 128), dtype=np.uint8)


def code_of(images: np.ndarray) -> np.ndarray:
    """Codes of a batch of coded images (checks that each image is still uniform)."""
    red = images[..., 0]
    assert np.all(red == red[:, :1, :1]), "coded images must stay uniform"
    return ((red[:, 0, 0] - CODE_OFFSET) / 5).round().astype(int)


def folder_dataset(root: Path, files: list[tuple[str, Path]], name: str = "tiny") -> LoadedDataset:
    """A ``folders``-kind LoadedDataset over (label, path) pairs already written under root."""
    records = [
        {"sample_id": path.relative_to(root).as_posix(), "path": str(path), "raw_label": label}
        for label, path in files
    ]
    spec = DatasetSpec(name=name, kind="folders", path=str(root))
    return finalize(spec, pd.DataFrame.from_records(records), where=root)


def array_dataset(
    arrays: np.ndarray, labels: list[str], name: str = "arrays", task: str = "binary"
) -> LoadedDataset:
    rows = pd.DataFrame({
        "sample_id": [f"train/{i}" for i in range(len(arrays))],
        "array_index": np.arange(len(arrays)),
        "raw_label": labels,
        "official_split": "train",
    })
    spec = DatasetSpec(name=name, kind="medmnist", path="in-memory.npz", task=task)
    return finalize(spec, rows, where="test", arrays=arrays)


@pytest.fixture
def coded_dataset(tmp_path: Path) -> LoadedDataset:
    """24 coded PNGs: 18 benign (codes 0-17), 6 malignant (codes 18-23)."""
    files = []
    for i in range(24):
        label = "benign" if i < 18 else "malignant"
        folder = tmp_path / label
        folder.mkdir(exist_ok=True)
        path = folder / f"img{i:02d}.png"
        Image.fromarray(coded_array(i)).save(path)
        files.append((label, path))
    return folder_dataset(tmp_path, files)


@pytest.fixture
def textured_dataset(tmp_path: Path) -> LoadedDataset:
    """12 random-texture 20x20 PNGs (augmentation must visibly change them)."""
    rng = np.random.default_rng(7)
    files = []
    for i in range(12):
        label = "benign" if i % 2 else "malignant"
        folder = tmp_path / label
        folder.mkdir(exist_ok=True)
        path = folder / f"tex{i:02d}.png"
        Image.fromarray(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)).save(path)
        files.append((label, path))
    return folder_dataset(tmp_path, files)
