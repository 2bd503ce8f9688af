"""Content fingerprints that key the results cache.

A cached result may be reused only if it was computed on the same images with the same labels
and the same split; these hashes say exactly that. The dataset's *name* and its location are
deliberately not part of them: renaming a dataset, or moving its folder (``mv`` keeps sizes
and modification times), must not throw away hours of training.

Files are identified by their path relative to the dataset root, byte size and modification
time (ns), not by their bytes, by default. Hashing the bytes of a 270 000-patch or a
multi-gigabyte mammography set would take minutes each time the app opens a dataset, while an
edit that keeps both size and mtime needs deliberate effort (the same trade-off ``make`` and
``rsync`` make). ``full_content=True`` hashes every byte for when that certainty is worth the
wait. A copy without preserved times (plain ``cp``) therefore yields a new fingerprint: the
cost is a cache miss, never a stale result.

Array datasets (MedMNIST) hash their pixel arrays in full: they are in memory and small.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pandas as pd

from core.datasets.table import LoadedDataset

#: Bump when what goes into a fingerprint changes, so old cache entries stop matching.
FINGERPRINT_VERSION = 1
_COLUMNS = ("sample_id", "raw_label", "label", "target", "group", "official_split")
_CHUNK = 1 << 20


def dataset_fingerprint(ds: LoadedDataset, *, full_content: bool = False) -> str:
    """Hex SHA-256 of the dataset's content: images, labels, task, groups, official split,
    metadata (subgroup results depend on it)."""
    h = hashlib.sha256()
    h.update(f"lesionlab-dataset-v{FINGERPRINT_VERSION}\n".encode())
    h.update(f"task={ds.spec.task}\nclasses={'|'.join(ds.class_names)}\n".encode())
    order = ds.table.sort_values("sample_id", kind="stable").index
    table = ds.table.loc[order]
    columns = list(_COLUMNS) + sorted(ds.metadata_columns)
    h.update(table[columns].to_csv(index=False, lineterminator="\n").encode())
    if ds.arrays is not None:
        _update_arrays(h, ds.arrays, table["array_index"].to_numpy())
    else:
        for path in table["path"]:
            _update_file(h, path, full_content)
    return h.hexdigest()


def split_fingerprint(ds: LoadedDataset, splits: pd.Series, *,
                      dataset_hash: str | None = None) -> str:
    """Hex SHA-256 of the dataset fingerprint plus each sample's split.

    It includes the dataset's fingerprint so that it alone identifies what a model was trained
    and tested on; pass ``dataset_hash`` when it is already known, to skip re-reading the file
    list.
    """
    h = hashlib.sha256()
    h.update(f"lesionlab-split-v{FINGERPRINT_VERSION}\n".encode())
    h.update((dataset_hash or dataset_fingerprint(ds)).encode() + b"\n")
    frame = pd.DataFrame({"sample_id": ds.table["sample_id"],
                          "split": splits.reindex(ds.table.index).fillna("").astype(str)})
    frame = frame.sort_values("sample_id", kind="stable")
    h.update(frame.to_csv(index=False, lineterminator="\n").encode())
    return h.hexdigest()


def _update_file(h: "hashlib._Hash", path: str, full_content: bool) -> None:
    try:
        stat = os.stat(path)
    except OSError:
        h.update(b"missing\n")  # a vanished file must change the hash, not crash the app
        return
    h.update(f"{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    if full_content:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)


def _update_arrays(h: "hashlib._Hash", arrays: np.ndarray, rows: np.ndarray) -> None:
    h.update(f"{arrays.dtype.str}{arrays.shape[1:]}\n".encode())
    for index in rows:
        h.update(np.ascontiguousarray(arrays[int(index)]).data)
