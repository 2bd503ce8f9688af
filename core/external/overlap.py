"""Does the target dataset hold images that trained the run? (cross-dataset overlap)

An external AUC is only external if the test images were never seen in training. Collections
are often re-published (BreastMNIST is BUSI downsampled to 28 px), so before an external
evaluation the target's images are compared with the run's training images twice:

* **exact**: the sha256 of the file's bytes (of the pixel array for array datasets such as
  MedMNIST): the very same file;
* **near**: an average hash (aHash) of the image reduced to :data:`HASH_SIDE` x
  :data:`HASH_SIDE` grey pixels (Pillow's box filter, then each pixel compared with the mean:
  64 bits), two images counting as the same picture when their hashes differ in at most
  :data:`NEAR_BITS` bits. It survives a re-encoding, a resize (256 px vs 28 px), a contrast or
  brightness change; it does not survive a crop or a rotation. The hash is computed with numpy
  and Pillow (the ``imagehash`` package's ``average_hash`` computes the same bits; it is not a
  dependency). "Near" counts include the exact copies.

Unreadable images cannot be compared; they are counted, never silently skipped.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from PIL import Image

from core.datasets import LoadedDataset

__all__ = ["HASH_SIDE", "NEAR_BITS", "Overlap", "average_hash", "image_keys", "overlap"]

HASH_SIDE = 8
NEAR_BITS = 4
_EXAMPLES = 20
_CHUNK = 2048


@dataclass(frozen=True)
class Overlap:
    """Target images also in the training data: counts, examples (target sample ids)."""

    exact: int
    near: int
    n_target: int
    n_train: int
    unreadable: int
    exact_examples: tuple[str, ...] = ()
    near_examples: tuple[str, ...] = ()

    @property
    def overlapping(self) -> bool:
        return self.near > 0 or self.exact > 0

    def as_record(self) -> dict:
        return {"exact": self.exact, "near": self.near, "n_target": self.n_target,
                "n_train": self.n_train, "unreadable": self.unreadable,
                "near_bits": NEAR_BITS, "hash_side": HASH_SIDE, "method": "sha256 + aHash",
                "exact_examples": list(self.exact_examples),
                "near_examples": list(self.near_examples)}


def average_hash(image: Image.Image) -> int:
    """64-bit average hash: grey, box-resized to 8 x 8, bit set where a pixel is above the mean."""
    small = np.asarray(image.convert("L").resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX),
                       dtype=np.float64)
    bits = (small > small.mean()).reshape(-1)
    return int(np.packbits(bits).view(">u8")[0])


def _keys_of(data: bytes | np.ndarray) -> tuple[str, int] | None:
    try:
        if isinstance(data, np.ndarray):
            pixels = np.ascontiguousarray(data)
            return hashlib.sha256(pixels.tobytes()).hexdigest(), average_hash(
                Image.fromarray(pixels.astype(np.uint8).squeeze()))
        with Image.open(io.BytesIO(data)) as image:
            return hashlib.sha256(data).hexdigest(), average_hash(image)
    except (OSError, ValueError, TypeError):
        return None


def image_keys(ds: LoadedDataset, rows: pd.DataFrame) -> pd.DataFrame:
    """``sample_id, sha256, ahash`` of each readable row (None for unreadable ones)."""
    out = []
    for row in rows.itertuples(index=False):
        if ds.arrays is not None and int(row.array_index) >= 0:
            keys = _keys_of(ds.arrays[int(row.array_index)])
        else:
            try:
                with open(row.path, "rb") as fh:
                    keys = _keys_of(fh.read())
            except OSError:
                keys = None
        sha, ahash = keys if keys is not None else (None, None)
        out.append({"sample_id": row.sample_id, "sha256": sha, "ahash": ahash})
    return pd.DataFrame(out, columns=["sample_id", "sha256", "ahash"])


def _near_mask(target: np.ndarray, train: np.ndarray) -> np.ndarray:
    """For each target hash: is any training hash within NEAR_BITS bits? (chunked XOR count)"""
    found = np.zeros(len(target), dtype=bool)
    if len(train) == 0:
        return found
    for start in range(0, len(target), _CHUNK):
        block = target[start:start + _CHUNK, None] ^ train[None, :]
        found[start:start + _CHUNK] = (np.bitwise_count(block) <= NEAR_BITS).any(axis=1)
    return found


def overlap(train: pd.DataFrame, target: pd.DataFrame) -> Overlap:
    """Count target images (``image_keys`` rows) that match a training image, exactly or near."""
    train_ok = train.dropna(subset=["sha256"])
    target_ok = target.dropna(subset=["sha256"])
    exact = target_ok["sha256"].isin(set(train_ok["sha256"])).to_numpy()
    near = _near_mask(target_ok["ahash"].to_numpy(dtype=np.uint64),
                      train_ok["ahash"].to_numpy(dtype=np.uint64)) | exact
    ids = target_ok["sample_id"].astype(str).to_numpy()
    return Overlap(exact=int(exact.sum()), near=int(near.sum()), n_target=len(target),
                   n_train=len(train), unreadable=len(target) - len(target_ok)
                   + len(train) - len(train_ok),
                   exact_examples=tuple(ids[exact][:_EXAMPLES]),
                   near_examples=tuple(ids[near & ~exact][:_EXAMPLES]))
