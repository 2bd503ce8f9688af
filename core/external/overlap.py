"""Does the target dataset hold images that trained the run? (cross-dataset overlap)

An external AUC is only external if the test images were never seen in training. Collections
are often re-published (BreastMNIST is BUSI downsampled to 28 px), so before an external
evaluation the target's images are compared with the run's training images twice:

* **exact**: the sha256 of the file's bytes (of the pixel array for array datasets such as
  MedMNIST): the very same file;
* **near**: an average hash (aHash) of the image reduced to :data:`HASH_SIDE` x
  :data:`HASH_SIDE` grey pixels (Pillow's box filter, then each pixel compared with the mean:
  256 bits), two images counting as the same picture when their hashes differ in at most
  :data:`NEAR_BITS` bits (about 8 %). Measured: between 300 patches of a second synthetic
  demo cohort and 1 400 unrelated demo training patches the closest pair differs in 26 bits
  (two patches with two large fat vacuoles in the same places), the next in 42; an 8 x 8 hash
  with the usual 4-bit tolerance matched that pair. On BUSI 256 px vs BreastMNIST 28 px (the
  same patients' images, processed differently: not a plain resize), the nearest BUSI hash of
  a BreastMNIST image differs in a median of 17 bits (90th percentile 36): the check flags
  482 of the 780 BreastMNIST images, so there a count is a lower bound. The hash survives a
  re-encoding, a resize, a contrast or brightness change; not a crop or a rotation. It is
  computed with numpy and Pillow (as the ``imagehash`` package's
  ``average_hash(hash_size=16)``, not a dependency). "Near" counts include the exact copies.

Unreadable images cannot be compared; they are counted, never silently skipped.

The training side is every image that shaped the model: its ``train`` rows and its ``val``
rows (validation chose the thresholds and stopped training early, so a target image copied from
there is not external either). Each target image gets a flag (:func:`overlap_flags`:
``exact``, ``near``, ``none`` or ``unreadable``), stored with the evaluation's predictions so
the AUC without the flagged images can be recomputed. An imported model's training images are
not known here: its overlap is :meth:`Overlap.not_checked`, labelled :data:`UNKNOWN_IMPORTED`,
never "no overlap".
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from PIL import Image

from core.datasets import LoadedDataset

__all__ = ["FLAG_COLUMN", "HASH_SIDE", "NEAR_BITS", "UNKNOWN_IMPORTED", "Overlap",
           "average_hash", "count_overlap", "hash_distance", "image_keys", "overlap_flags"]

HASH_SIDE = 16
NEAR_BITS = 20
_EXAMPLES = 20
_PAIRS_PER_BLOCK = 1 << 22  # target x training pairs compared at once (~128 MiB)
#: The stored predictions' column holding each external row's flag (a ``meta_`` column, so the
#: predictions contract accepts it; an evaluation stored before it has none: unknown).
FLAG_COLUMN = "meta_training_overlap"
UNKNOWN_IMPORTED = "overlap unknown (imported model)"


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
    unknown: str = ""  #: why the overlap could not be checked ("" when it was)

    @classmethod
    def not_checked(cls, n_target: int, unreadable: int, why: str = UNKNOWN_IMPORTED
                    ) -> Overlap:
        """The overlap of a model whose training images are not known here (imported)."""
        return cls(exact=0, near=0, n_target=n_target, n_train=0, unreadable=unreadable,
                   unknown=why)

    @property
    def known(self) -> bool:
        return not self.unknown

    @property
    def overlapping(self) -> bool:
        return self.known and (self.near > 0 or self.exact > 0)

    def as_record(self) -> dict:
        """The record's ``overlap`` section; an unknown overlap has no counts (``None``) and
        says why in ``unknown``."""
        if not self.known:
            return {"exact": None, "near": None, "n_target": self.n_target, "n_train": None,
                    "unreadable": self.unreadable, "unknown": self.unknown, "known": False}
        return {"known": True, "exact": self.exact, "near": self.near, "n_target": self.n_target,
                "n_train": self.n_train, "unreadable": self.unreadable,
                "near_bits": NEAR_BITS, "hash_side": HASH_SIDE, "method": "sha256 + aHash",
                "exact_examples": list(self.exact_examples),
                "near_examples": list(self.near_examples)}


def average_hash(image: Image.Image) -> str:
    """256-bit average hash as hex: grey, box-resized to 16 x 16, bit set where a pixel is
    above the mean."""
    small = np.asarray(image.convert("L").resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX),
                       dtype=np.float64)
    return np.packbits((small > small.mean()).reshape(-1)).tobytes().hex()


def _words(hashes) -> np.ndarray:
    """(n, 4) uint64 words of hex hashes, for a vectorised bit count."""
    data = b"".join(bytes.fromhex(h) for h in hashes)
    return np.frombuffer(data, dtype=">u8").astype(np.uint64).reshape(-1, HASH_SIDE ** 2 // 64)


def hash_distance(a: str, b: str) -> int:
    """Bits in which two hashes differ."""
    return int(np.bitwise_count(_words([a]) ^ _words([b])).sum())


def _keys_of(data: bytes | np.ndarray) -> tuple[str, str] | None:
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
    """For each target hash: is any training hash within NEAR_BITS bits? (blocked XOR count)"""
    found = np.zeros(len(target), dtype=bool)
    if len(train) == 0:
        return found
    step = max(1, _PAIRS_PER_BLOCK // len(train))
    for start in range(0, len(target), step):
        block = target[start:start + step, None, :] ^ train[None, :, :]
        distance = np.bitwise_count(block).sum(axis=2, dtype=np.int64)
        found[start:start + step] = (distance <= NEAR_BITS).any(axis=1)
    return found


def overlap_flags(train: pd.DataFrame, target: pd.DataFrame) -> pd.Series:
    """Per target row (``image_keys`` rows, same index): ``"exact"`` (the same bytes as a
    training image), ``"near"`` (within :data:`NEAR_BITS` bits of one, not exact), ``"none"``,
    or ``"unreadable"``."""
    train_ok = train.dropna(subset=["sha256"])
    readable = target["sha256"].notna().to_numpy()
    target_ok = target[readable]
    exact = target_ok["sha256"].isin(set(train_ok["sha256"])).to_numpy()
    near = _near_mask(_words(target_ok["ahash"]), _words(train_ok["ahash"])) | exact
    flags = np.full(len(target), "unreadable", dtype=object)
    flags[readable] = np.where(exact, "exact", np.where(near, "near", "none"))
    return pd.Series(flags, index=target.index, name="overlap")


def count_overlap(train: pd.DataFrame, target: pd.DataFrame,
                  flags: pd.Series | None = None) -> Overlap:
    """Count target images (``image_keys`` rows) that match a training image, exactly or near
    ("near" includes the exact copies); ``flags``: :func:`overlap_flags` of the same two, when
    the caller has them already (the comparison is the costly part)."""
    flags = (overlap_flags(train, target) if flags is None else flags).to_numpy()
    ids = target["sample_id"].astype(str).to_numpy()
    exact, near = flags == "exact", np.isin(flags, ("exact", "near"))
    unreadable_train = int(train["sha256"].isna().sum())
    return Overlap(exact=int(exact.sum()), near=int(near.sum()), n_target=len(target),
                   n_train=len(train),
                   unreadable=int((flags == "unreadable").sum()) + unreadable_train,
                   exact_examples=tuple(ids[exact][:_EXAMPLES]),
                   near_examples=tuple(ids[flags == "near"][:_EXAMPLES]))
