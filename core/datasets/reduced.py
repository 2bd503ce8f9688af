"""A decoded image reduced, right after decoding, to what the app can ever need of it.

Memory must be bounded by pixels, not by file size: a 7000 x 7000 PNG of flat colour is 62 KB
on disk and 147 MB decoded, so eight of them kept whole in a session hold over a gigabyte.
Nothing the app shows or computes needs the full resolution once two things are made from it:

- the model inputs, one per input size in use, made from the full-resolution pixels by
  :func:`~core.datasets.images.resize_tensor`, exactly as the training pipeline made each
  model's images (so a prediction on an upload equals the prediction the pipeline would give);
- a preview whose long side is at most :data:`PREVIEW_SIDE` px, for display, saliency
  overlays and exports (saliency maps are computed at the model input, at most a few hundred
  pixels, so a larger backdrop would add nothing).

The caller keeps a :class:`ReducedImage` and drops the decoded array, so what stays in memory
is ``PREVIEW_SIDE**2 * 3`` bytes plus ``S**2 * 3`` per input size, whatever the file held.

Transient memory matters as much on a server, because allocators keep what they were once
given: measured, eight 7000 x 7000 uploads decoded and resized at once grew the server by
6 GB for good (TensorFlow's oneDNN allocator keeps its pool; glibc keeps freed heap).
:func:`decode_reduced` therefore decodes one full-resolution image at a time per process,
hands the heap back (``malloc_trim``) after each, and first averages each side that is at
least twice :data:`REDUCE_ABOVE` down by the integer factor that brings it to 1024-2047 px
(Pillow's exact box average; each axis on its own, as the model's resize does not keep the
aspect ratio either) before TensorFlow resizes it, so TensorFlow's pool
never holds more than one 2047 px float image (a 6000 px upload resized whole kept ~250 MiB
of it). That one step makes the model input of such an image differ from the training
pipeline's direct resize by at most 1-2 grey levels on photographs and smooth tissue (7 on
pure noise at a 500 px input; measured on 6100 x 4500 images); images under 2048 px a side are
resized exactly as in training.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from core.datasets.images import decode_image, resize_tensor

#: Long side of the kept preview, in pixels (the largest registry input is 500 px).
PREVIEW_SIDE = 512
#: An image is box-averaged by an integer factor to no less than this long side before
#: resizing (twice the largest registry input: the filter still averages several source pixels
#: per input pixel), when it is at least twice as large.
REDUCE_ABOVE = 1024
#: One full-resolution decode at a time per process: peak memory is one image, not N sessions'.
_FULL_DECODE = threading.Lock()


@dataclass(frozen=True, eq=False)
class ReducedImage:
    """``preview`` (h, w, 3) uint8, ``original_size`` (height, width) of the decoded image,
    ``inputs`` input size -> (S, S, 3) uint8 model input, ``digest`` of the full pixels."""

    preview: np.ndarray
    original_size: tuple[int, int]
    inputs: Mapping[int, np.ndarray]
    digest: str

    def model_input(self, size: int) -> np.ndarray:
        """The (S, S, 3) uint8 input for a model of input ``size``; made from the preview
        only for a size that was not asked for at decoding (see :func:`reduce_image`)."""
        if size in self.inputs:
            return self.inputs[size]
        return resize_tensor(self.preview, int(size)).numpy()

    @property
    def nbytes(self) -> int:
        return self.preview.nbytes + sum(a.nbytes for a in self.inputs.values())


def pixel_digest(image: np.ndarray) -> str:
    """Content key of decoded pixels (shape and values), for per-session result caches."""
    array = np.ascontiguousarray(image)
    digest = hashlib.sha256(repr((array.shape, array.dtype.str)).encode())
    digest.update(array.tobytes())
    return digest.hexdigest()[:24]


def reduce_image(rgb: np.ndarray, input_sizes: Iterable[int],
                 preview_side: int = PREVIEW_SIDE) -> ReducedImage:
    """Model inputs for ``input_sizes`` and a preview, from decoded (H, W, 3) uint8 pixels."""
    rgb = np.asarray(rgb, dtype=np.uint8)
    inputs = {int(s): resize_tensor(rgb, int(s)).numpy() for s in sorted(set(input_sizes))}
    return ReducedImage(preview=preview(rgb, preview_side), original_size=rgb.shape[:2],
                        inputs=inputs, digest=pixel_digest(rgb))


def decode_reduced(source: bytes | str | Path, input_sizes: Iterable[int],
                   name: str | None = None) -> ReducedImage:
    """:func:`~core.datasets.images.decode_image` then :func:`reduce_image`, holding the
    full-resolution pixels as briefly as possible (see the module docstring)."""
    with _FULL_DECODE:
        rgb = decode_image(source, name=name)
        digest, size = pixel_digest(rgb), rgb.shape[:2]
        factors = tuple(max(1, side // REDUCE_ABOVE) for side in (size[1], size[0]))  # x, y
        if max(factors) >= 2:
            rgb = np.asarray(Image.fromarray(rgb).reduce(factors))
        reduced = reduce_image(rgb, input_sizes)
        del rgb
        _release_heap()
    return ReducedImage(reduced.preview, size, reduced.inputs, digest)


def _release_heap() -> None:
    """Give freed heap pages back to the system (glibc only; elsewhere nothing to do)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


_LIBC = _load_libc()


def preview(rgb: np.ndarray, side: int = PREVIEW_SIDE) -> np.ndarray:
    """``rgb`` itself when its long side is at most ``side``, else a copy reduced to that
    (aspect ratio kept, area-averaged so fine texture does not alias)."""
    height, width = rgb.shape[:2]
    scale = side / max(height, width)
    if scale >= 1:
        return rgb
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX, reducing_gap=3.0))
