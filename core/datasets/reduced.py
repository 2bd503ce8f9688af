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
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from PIL import Image

from core.datasets.images import resize_tensor

#: Long side of the kept preview, in pixels (the largest registry input is 500 px).
PREVIEW_SIDE = 512


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


def preview(rgb: np.ndarray, side: int = PREVIEW_SIDE) -> np.ndarray:
    """``rgb`` itself when its long side is at most ``side``, else a copy reduced to that
    (aspect ratio kept, area-averaged so fine texture does not alias)."""
    height, width = rgb.shape[:2]
    scale = side / max(height, width)
    if scale >= 1:
        return rgb
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX, reducing_gap=3.0))
