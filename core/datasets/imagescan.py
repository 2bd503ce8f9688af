"""One pass over a dataset's images: size from the header, training's limits, a decode, a digest.

The dataset check and training both take their view of the files from :func:`scan_images`, so
they cannot disagree about which file is unreadable: a file the check lists is exactly a file
training leaves out (:mod:`core.datasets.usable`), and a file the check passes is one the
pipeline decodes (the same :func:`~core.datasets.images.decode_image`, the same pixel limit).

Memory is bounded whatever the folder holds, because a folder is hostile input too (four
12000x12000 PNGs of 140 KB each decode to 1.7 GB of RGB):

* the width, height and mode come from the header (Pillow opens lazily) and a file over the
  pixel limit (training's :data:`~core.datasets.images.DEFAULT_MAX_PIXELS`) is reported
  without decoding a pixel;
* a file larger than any image within that limit can be (:func:`max_file_bytes`) is refused
  without being read: a small PNG header in front of gigabytes of junk is not an image;
* the workers together decode at most ``max_pixels`` pixels at a time (:class:`PixelBudget`):
  many small images in parallel, one image near the limit alone. A file's bytes count too
  (four bytes as one pixel: the decoder reads the whole file), so eight small images behind
  hundreds of megabytes of appended data or animation frames do not read at once either;
* only a 16-byte digest of each image's pixels is kept, never the pixels.

A scan is cached on disk (``LESIONLAB_HOME/cache/scan``), keyed by the dataset's content
fingerprint (every file's path, size and modification time, see
:mod:`core.datasets.fingerprint`), the pixel limit and :data:`SCAN_VERSION`; each run of a grid
then costs one stat per file instead of a decode. Nothing is written inside a dataset folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError

from core import config
from core.datasets.fingerprint import dataset_fingerprint
from core.datasets.images import DEFAULT_MAX_PIXELS, ImageDecodeError, decode_image
from core.datasets.table import LoadedDataset

#: Bump when what a scan finds for the same file changes, so cached scans stop matching.
SCAN_VERSION = 1
#: Scans kept in the cache (most recently written first); older ones are deleted.
CACHE_KEEP = 32
COLUMNS = ("width", "height", "mode", "digest", "error")
_POOL_MIN_FILES = 64


class ImageInfo(NamedTuple):
    """What the scan learns about one image; ``error`` is '' for a usable one."""

    width: int
    height: int
    mode: str
    digest: str
    error: str


def max_file_bytes(max_pixels: int = DEFAULT_MAX_PIXELS) -> int:
    """The largest file an image within ``max_pixels`` can need: 16 bytes per pixel (four
    float32 channels, uncompressed) plus 64 MiB of metadata. Anything larger is not read."""
    return max_pixels * 16 + 64 * 2**20


class PixelBudget:
    """At most ``limit`` pixels being decoded at once, across threads.

    An image waits until the others in flight leave room for it; an image alone is always
    admitted (its pixels are within the limit, the header check refused the others; its
    bytes are within :func:`max_file_bytes`), so memory stays near one large image's worth.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._used = 0
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def hold(self, pixels: int):
        with self._cond:
            while self._used and self._used + pixels > self._limit:
                self._cond.wait()
            self._used += pixels
        try:
            yield
        finally:
            with self._cond:
                self._used -= pixels
                self._cond.notify_all()


def scan_images(ds: LoadedDataset, *, max_pixels: int = DEFAULT_MAX_PIXELS,
                workers: int | None = None, fingerprint: str | None = None,
                reuse: bool = True) -> pd.DataFrame:
    """One :class:`ImageInfo` per row of ``ds.table`` (same index), columns :data:`COLUMNS`.

    ``reuse``: return a cached scan of the same content when there is one (training does);
    the dataset check reads the files every time, and leaves its scan for training.
    ``fingerprint`` (the dataset's, when the caller has it) keys the cache; without it the
    fingerprint is taken here. Never raises for a bad image.
    """
    key = _cache_key(fingerprint or dataset_fingerprint(ds), max_pixels)
    cached = _read_cache(key, ds) if reuse else None
    if cached is not None:
        return cached
    if ds.arrays is not None:
        infos = [_scan_array(ds.arrays, int(i)) for i in ds.table["array_index"]]
    else:
        infos = _scan_files(ds.table["path"].astype(str).tolist(), max_pixels, workers)
    frame = pd.DataFrame(infos, columns=list(COLUMNS), index=ds.table.index)
    _write_cache(key, frame.assign(sample_id=ds.table["sample_id"]))
    return frame


def scan_file(path: str, max_pixels: int = DEFAULT_MAX_PIXELS,
              budget: PixelBudget | None = None) -> ImageInfo:
    """Header, limits, decode and digest of one file, or the reason it is unusable.

    Every failure is a finding, not a crash: decoders raise many types (OSError for truncated
    data, UnidentifiedImageError, ValueError, DecompressionBombError, SyntaxError for some
    corrupt TIFFs), and one bad file out of thousands must not stop the scan.
    """
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        return _failed("file not found: moved or deleted after loading")
    except OSError as exc:
        return _failed(f"file cannot be read: {exc.strerror or exc}")
    if size == 0:
        return _failed("empty file, 0 bytes")
    if size > max_file_bytes(max_pixels):
        return _failed(f"file of {size:,} bytes, more than any image within the pixel limit "
                       "needs; not read")
    try:
        width, height, mode = _header(path)
    except Image.DecompressionBombError as exc:
        return _failed(_too_many(None, max_pixels, str(exc)))
    except Exception as exc:  # noqa: BLE001 - every decoder failure is reported, see above
        return _failed(_reason(exc))
    if width * height > max_pixels:
        return _failed(_too_many((width, height), max_pixels, ""))
    with budget.hold(width * height + size // 4) if budget else contextlib.nullcontext():
        try:
            pixels = decode_image(path, max_pixels=max_pixels)
        except ImageDecodeError as exc:
            return _failed(_reason(exc.problem))
        except Exception as exc:  # noqa: BLE001 - as above
            return _failed(_reason(exc))
        digest = pixel_digest(pixels)
    return ImageInfo(width, height, mode, digest, "")


def pixel_digest(pixels: np.ndarray) -> str:
    """Digest of an ``(H, W, 3)`` uint8 image as the model sees it (shape and pixels)."""
    pixels = np.ascontiguousarray(pixels)
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{pixels.shape[1]}x{pixels.shape[0]}:".encode())
    h.update(pixels.data)
    return h.hexdigest()


# --- files and arrays ------------------------------------------------------------------------


def _scan_files(paths: list[str], max_pixels: int, workers: int | None) -> list[ImageInfo]:
    """Each file once, in a thread pool (Pillow releases the GIL while decoding), within one
    pixel budget shared by all workers."""
    budget = PixelBudget(max_pixels)
    workers = workers or min(8, (os.cpu_count() or 2) * 2)
    if workers <= 1 or len(paths) < _POOL_MIN_FILES:
        return [scan_file(p, max_pixels, budget) for p in paths]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda p: scan_file(p, max_pixels, budget), paths))


def _scan_array(arrays: np.ndarray, index: int) -> ImageInfo:
    pixels = np.asarray(arrays[index])
    height, width = pixels.shape[:2]
    mode = "RGB" if pixels.ndim == 3 and pixels.shape[2] == 3 else "L"
    return ImageInfo(width, height, mode, pixel_digest(pixels), "")


def _header(path: str) -> tuple[int, int, str]:
    """Width, height and mode from the header alone: Pillow decodes nothing until asked."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bomb warnings: the pixel limit is checked next
        with Image.open(path) as img:
            return int(img.size[0]), int(img.size[1]), str(img.mode)


def _failed(reason: str) -> ImageInfo:
    return ImageInfo(0, 0, "", "", reason)


def _too_many(size: tuple[int, int] | None, max_pixels: int, pillow: str) -> str:
    if size:
        dims = f"{size[0]}x{size[1]} = {size[0] * size[1]:,} pixels"
    else:
        found = re.search(r"\((\d+) pixels\)", pillow)
        dims = f"{int(found.group(1)):,} pixels" if found else "beyond Pillow's bomb limit"
    return (f"too many pixels ({dims}; training's limit is {max_pixels:,}): not decoded, "
            "downscale it to use it")


def _reason(exc: Exception | str) -> str:
    text = str(exc).strip()
    if isinstance(exc, UnidentifiedImageError) or "cannot identify image file" in text:
        return "not an image Pillow can read: wrong extension or corrupt header"
    if "truncated" in text:
        return "truncated file: incomplete download or copy"
    if isinstance(exc, str):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --- cache -----------------------------------------------------------------------------------


def _cache_dir() -> Path:
    return config.home() / "cache" / "scan"


def _cache_key(fingerprint: str, max_pixels: int) -> str:
    text = f"scan-v{SCAN_VERSION}|{max_pixels}|{fingerprint}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _read_cache(key: str, ds: LoadedDataset) -> pd.DataFrame | None:
    """The cached scan aligned to ``ds.table``, or None when absent, damaged or not matching
    (a damaged cache is only a slower scan, never an error)."""
    path = _cache_dir() / f"{key}.parquet"
    try:
        frame = pd.read_parquet(path)
        frame = frame.set_index("sample_id").reindex(ds.table["sample_id"])
    except Exception:  # noqa: BLE001 - any unreadable cache file means: scan again
        return None
    if frame[list(COLUMNS)].isna().any().any():
        return None
    frame.index = ds.table.index
    return frame[list(COLUMNS)].astype({"width": "int64", "height": "int64"})


def _write_cache(key: str, frame: pd.DataFrame) -> None:
    """Atomic (a temporary file renamed into place); an unwritable home only costs speed."""
    folder = _cache_dir()
    tmp = folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        frame.reset_index(drop=True).to_parquet(tmp, index=False)
        os.replace(tmp, folder / f"{key}.parquet")
        for old in sorted(folder.glob("*.parquet"), key=_mtime, reverse=True)[CACHE_KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, ValueError):
        tmp.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
