"""``medmnist`` kind: a MedMNIST ``.npz`` with official train/val/test arrays.

Images stay in memory (``LoadedDataset.arrays``): MedMNIST files are small and already decoded.
Grayscale ``(N, H, W)`` becomes RGB. Labels may be ``(N,)`` or ``(N, 1)``; multi-label files
(ChestMNIST) are refused. The raw label is the integer; ``class_names`` turns it into a name so
that ``positive_class`` can say which label is positive (in BreastMNIST label 0 is malignant).
"""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.datasets.errors import DatasetError
from core.datasets.labels import named
from core.datasets.kind import Ask, DatasetKind, Missing, Setting, row
from core.datasets.table import LoadedDataset, finalize

if TYPE_CHECKING:
    # Annotation only: the spec's fields come from the kinds (core.datasets.kind), so
    # importing it here at run time would be an import cycle.
    from core.datasets.spec import DatasetSpec

SPLITS = (("train", "train"), ("val", "val"), ("test", "test"))


def load_medmnist(spec: DatasetSpec) -> LoadedDataset:
    path = spec.root
    if not path.is_file():
        raise DatasetError(
            "MedMNIST file not found.", where=path,
            fix=f"check the path in {named('path', 'medmnist')}: it must name the .npz file "
            "itself"
        )
    try:
        npz = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DatasetError(
            f"Not a readable .npz file: {exc}.", where=path, fix="re-download the MedMNIST file"
        ) from exc
    if not isinstance(npz, np.lib.npyio.NpzFile):  # a plain .npy array loads without error
        raise DatasetError(
            "The file holds a single array, not a MedMNIST .npz archive.",
            where=path,
            fix="use the MedMNIST .npz (keys train_images, train_labels, ...)",
        )
    with npz:
        parts, frames, offset = [], [], 0
        for key, split in SPLITS:
            if f"{key}_images" not in npz.files:
                continue
            if f"{key}_labels" not in npz.files:
                raise DatasetError(
                    f"The .npz has {key}_images but no {key}_labels.",
                    where=path,
                    fix=f"add the {key}_labels array (one label per image)",
                )
            images = _as_rgb(npz[f"{key}_images"], path, key)
            labels = _as_vector(npz[f"{key}_labels"], path, key, len(images))
            parts.append(images)
            frames.append(
                pd.DataFrame(
                    {
                        "sample_id": [f"{split}/{i}" for i in range(len(images))],
                        "array_index": np.arange(offset, offset + len(images)),
                        "raw_label": [_label_name(spec, int(v)) for v in labels],
                        "official_split": split,
                    }
                )
            )
            offset += len(images)
    if not parts:
        raise DatasetError(
            "The .npz has no train_images / val_images / test_images arrays.",
            where=path,
            fix="use a MedMNIST file (keys train_images, train_labels, ...)",
        )
    shapes = {p.shape[1:] for p in parts}
    if len(shapes) != 1:
        raise DatasetError(f"Splits have different image shapes {shapes}.", where=path)
    return finalize(spec, pd.concat(frames, ignore_index=True), where=path,
                    arrays=np.concatenate(parts))


def _as_rgb(images: np.ndarray, where: object, key: str) -> np.ndarray:
    if images.ndim == 3:
        images = np.repeat(images[..., None], 3, axis=-1)
    elif images.ndim == 4 and images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    elif not (images.ndim == 4 and images.shape[-1] == 3):
        raise DatasetError(f"{key}_images has shape {images.shape}; expected (N,H,W) or (N,H,W,3).",
                           where=where)
    if images.dtype != np.uint8:
        top = float(images.max()) if images.size else 0.0
        if np.issubdtype(images.dtype, np.floating) and top <= 1.0:
            images = images * 255.0  # [0, 1] floats: clipping alone would leave black images
        elif top > 255:
            images = images.astype(np.float64) / top * 255
        images = np.clip(np.rint(images), 0, 255).astype(np.uint8)
    return images


def _as_vector(labels: np.ndarray, where: object, key: str, n: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise DatasetError(
            f"{key}_labels has shape {labels.shape}: multi-label MedMNIST sets are not supported.",
            where=where,
            fix="use a single-label MedMNIST dataset",
        )
    if len(labels) != n:
        raise DatasetError(f"{key}_labels has {len(labels)} labels for {n} images.", where=where)
    return labels


def _label_name(spec: DatasetSpec, value: int) -> str:
    if spec.class_names:
        if not 0 <= value < len(spec.class_names):
            raise DatasetError(
                f"Label {value} has no entry in {named('class_names')} "
                f"{list(spec.class_names)}.",
                where=spec.path,
                fix="list one class name per label value, in label order",
            )
        return spec.class_names[value]
    return str(value)


KIND = DatasetKind(
    "medmnist", load_medmnist,
    summary="a MedMNIST .npz file (train/val/test arrays), e.g. breastmnist.npz",
    settings=(
        Setting("class_names", tuple[str, ...], (), help="the class names in label order "
                '(BreastMNIST: ["malignant", "normal/benign"]), so positive_class can name the '
                "positive label"),
    ),
    form=(
        row(Ask("class_names", "Class names in label order (comma-separated)", "names",
                placeholder="malignant, normal/benign",
                required=Missing("A MedMNIST dataset needs its class names in label order.",
                                 'e.g. "malignant, normal/benign" for BreastMNIST'))),
    ),
    path_label="Path of the .npz file",
)
