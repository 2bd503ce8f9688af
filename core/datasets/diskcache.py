"""The tf.data pipeline's on-disk image cache, named after exactly what it holds."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow as tf

from core.datasets.errors import DatasetError
from core.datasets.table import LoadedDataset

#: Bump when decoding or resizing changes, so old on-disk caches are not reused.
CACHE_VERSION = 1


def disk_cache(
    images: tf.data.Dataset, ds: LoadedDataset, rows: pd.DataFrame, image_size: int, folder: Path
) -> tf.data.Dataset:
    """An on-disk cache named after what it holds, filled now if it is not complete.

    TensorFlow reuses a cache file whatever it contains, so the name carries a hash of the
    rows (in order), the files' sizes and modification times (or the array bytes), the image
    size and :data:`CACHE_VERSION`: an edited file or another split gets a new cache instead
    of stale pixels. The cache is filled eagerly because a partially read one is discarded,
    and training epochs may stop early (undersampling, capped shuffle buffers).
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(f"Cannot create the image cache folder: {exc}.", where=folder,
                           fix="pass cache=True (memory) or a writable folder") from exc
    prefix = folder / f"images-{image_size}px-{_cache_key(ds, rows, image_size)}"
    cached = images.cache(str(prefix))
    if not Path(f"{prefix}.index").exists():
        for _ in cached.batch(1024):
            pass
    return cached


def _cache_key(ds: LoadedDataset, rows: pd.DataFrame, image_size: int) -> str:
    digest = hashlib.sha256(f"v{CACHE_VERSION}|{image_size}|".encode())
    digest.update(rows["target"].to_numpy().astype(np.int64).tobytes())
    if (rows["path"].astype(str) == "").all():
        index = rows["array_index"].to_numpy()
        digest.update(index.astype(np.int64).tobytes())
        digest.update(np.ascontiguousarray(ds.arrays[index]).tobytes())
    else:
        for path in rows["path"].astype(str):
            try:
                st = os.stat(path)
                stamp = f"{st.st_size}:{st.st_mtime_ns}"
            except OSError:
                stamp = "missing"
            digest.update(f"{path}|{stamp}\n".encode())
    return digest.hexdigest()[:20]
