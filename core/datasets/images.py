"""Decode any image a user may bring into 8-bit RGB, and resize it exactly as training did.

Two callers meet here: the explain page (an upload of unknown origin) and the tf.data pipeline
(for the files TensorFlow's own decoders cannot read: TIFF, 16-bit PNG, CMYK or EXIF-rotated
JPEG, palette BMP, GIF, WebP). Both must see the same pixels for the same file, otherwise a
single-image explanation would be computed on an image the model never saw the like of.

Decisions, each chosen so that a file's pixels do not depend on who wrote it:

* The format is detected from the content (Pillow's magic-number sniffing), never from the
  extension: a ``.png`` that is really a JPEG still decodes; an HTML error page saved as ``.png``
  gets a clear error.
* The pixel count is read from the header and checked against ``max_pixels`` *before* any pixel
  is decoded, so a 20000x20000 header costs microseconds, not 1.2 GB. Pillow's own
  decompression-bomb guard stays on as a second line.
* EXIF orientation is applied, because scanners and phones store portrait images sideways and
  the clinician judges the image as displayed.
* Transparency is composited on **black** (``rgb * alpha / 255``): the fully transparent part
  of an exported image is "no data", and in dermoscopy vignettes, mammograms and ultrasound
  the outside of the field of view is black. Compositing also makes the result independent of
  whatever colour a writer left under transparent pixels. The tf.data pipeline uses the same
  float32 formula (:func:`composite_on_black_tensor`), so both paths agree to the bit.
* 16-bit, 32-bit integer and float images are scaled by the image's own range
  (``min..max -> 0..255``), not clipped and not divided by 257: a 12-bit mammogram stored in
  16 bits would otherwise be almost black. Non-finite values count as the minimum; a constant
  image (no range) becomes black. Pillow reads 16-bit *RGB* files as 8-bit by keeping the high
  byte; that (rare) case therefore keeps the nominal range.
* Multi-frame files (TIFF pages, GIF or APNG animations, MPO) give their **first** frame: for
  the pyramidal or multi-page scans seen in pathology the first page is the full-resolution
  image, and a classifier takes one image.
* No colour management (ICC profiles are ignored), like TensorFlow's decoders.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from core.datasets.errors import DatasetError

if TYPE_CHECKING:  # TensorFlow costs ~5 s to import; decode_image alone must not need it.
    import tensorflow as tf

#: Largest image accepted (width x height). 50 megapixels covers full-field digital mammograms
#: (about 4000x5000) and whole histology tiles, and is below Pillow's own bomb warning level.
DEFAULT_MAX_PIXELS = 50_000_000

HIGH_DEPTH_MODES = ("I", "F")  # prefixes: I, I;16, I;16B, I;16L, I;16N, I;32, F, F;32...
ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF8": "GIF",
              b"II*\x00": "TIFF", b"MM\x00*": "TIFF", b"BM": "BMP"}


class ImageDecodeError(DatasetError):
    """An image cannot be decoded. Subclasses DatasetError so callers handle both the same way."""


def decode_image(
    source: bytes | str | Path,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    name: str | None = None,
) -> np.ndarray:
    """Decode a file or bytes into an ``(H, W, 3)`` uint8 RGB array, whatever its format or mode.

    ``name`` is what error messages call the image when ``source`` is bytes (an upload's file
    name, or the path the bytes were read from). Raises :class:`ImageDecodeError` for an empty
    source, something that is not an image, a truncated or corrupt file, or too many pixels.
    """
    data, label = _read_source(source, name)
    image = _open_header(data, label)
    _check_pixel_count(image, max_pixels, label)
    _load_pixels(image, label)
    try:
        image = ImageOps.exif_transpose(image)
    except Exception as exc:  # malformed EXIF must not hide the pixels; report, don't guess
        raise ImageDecodeError(
            f"The image's EXIF orientation tag cannot be read ({exc}).",
            where=label,
            fix="re-save the image without EXIF metadata (any image editor's 'export' does)",
        ) from exc
    return _to_rgb8(image, label)


def composite_on_black(rgba: np.ndarray) -> np.ndarray:
    """``(H, W, 4)`` uint8 -> ``(H, W, 3)`` uint8 with ``rgb * alpha / 255`` in float32.

    float32 and this operation order are shared with :func:`composite_on_black_tensor`, so the
    pipeline's TensorFlow decode and this Pillow decode round identically.
    """
    rgb = rgba[..., :3].astype(np.float32)
    alpha = rgba[..., 3:].astype(np.float32)
    return np.round(rgb * alpha / np.float32(255)).astype(np.uint8)


def composite_on_black_tensor(rgba: tf.Tensor) -> tf.Tensor:
    """TensorFlow twin of :func:`composite_on_black`, used inside the tf.data graph."""
    import tensorflow as tf

    x = tf.cast(rgba, tf.float32)
    return tf.cast(tf.round(x[..., :3] * x[..., 3:] / 255.0), tf.uint8)


def resize_tensor(image: tf.Tensor, size: int | tf.Tensor) -> tf.Tensor:
    """uint8 ``(H, W, 3)`` -> uint8 ``(size, size, 3)``: the one resize of the whole project.

    Bilinear with antialiasing, so that shrinking a 3000 px mammogram to 224 px averages rather
    than skips pixels (plain bilinear aliases fine texture away). The aspect ratio is NOT kept
    and nothing is cropped: cropping could cut the lesion out, and padding would teach the
    model about the borders. Rounding back to uint8 lets the pipeline cache 4x less memory;
    the source images are 8-bit, so nothing of substance is lost. An image already at the
    target size is passed through untouched (the filter would return it unchanged anyway).
    """
    import tensorflow as tf

    image = tf.convert_to_tensor(image)
    shape = tf.shape(image)
    same = tf.logical_and(tf.equal(shape[0], size), tf.equal(shape[1], size))
    out = tf.cond(same, lambda: tf.identity(image), lambda: _resize_pixels(image, size))
    static = int(size) if isinstance(size, (int, np.integer)) else None
    out.set_shape((static, static, 3))
    return out


def _resize_pixels(image: tf.Tensor, size: int | tf.Tensor) -> tf.Tensor:
    """The filter of :func:`resize_tensor`, without the same-size shortcut."""
    import tensorflow as tf

    x = tf.image.resize(tf.cast(image, tf.float32), tf.stack([size, size]), method="bilinear",
                        antialias=True)
    return tf.cast(tf.clip_by_value(tf.round(x), 0.0, 255.0), tf.uint8)


def resize_for_model(image: np.ndarray, size: int) -> np.ndarray:
    """An ``(H, W, 3)`` uint8 image as the model sees it: float32 ``(size, size, 3)`` in 0..255.

    Uses :func:`resize_tensor`, the very function the tf.data pipeline maps over its images, so
    an uploaded file explained on its own matches what training and evaluation fed the model.
    """
    arr = np.asarray(image)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[-1] != 3:
        raise ValueError(
            f"resize_for_model expects an (H, W, 3) uint8 image, got {arr.shape} {arr.dtype}. "
            "Fix: pass the output of decode_image()."
        )
    if not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}.")
    return resize_tensor(arr, int(size)).numpy().astype(np.float32)


# --- steps of decode_image -------------------------------------------------------------------


def _read_source(source: bytes | str | Path, name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, label = bytes(source), name or "the image data"
    elif isinstance(source, (str, Path)):
        path = Path(source)
        label = name or str(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise ImageDecodeError(
                "Image file does not exist.", where=label, fix="check the path (was it moved?)"
            ) from exc
        except OSError as exc:
            raise ImageDecodeError(
                f"Image file cannot be read: {exc.strerror or exc}.",
                where=label,
                fix="check that it is a file and that you may read it",
            ) from exc
    else:
        raise TypeError(f"decode_image takes bytes, str or Path, not {type(source).__name__}.")
    if not data:
        raise ImageDecodeError(
            "Image is empty (0 bytes).",
            where=label,
            fix="the file was not written completely; copy or export it again from the source",
        )
    return data, label


def _open_header(data: bytes, label: str) -> Image.Image:
    """Identify the format from the content and read the header only (Pillow opens lazily)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we check ourselves
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:  # over Pillow's own hard limit (~179 Mpx)
        raise _too_many_pixels(label, None, _pillow_bomb_detail(exc)) from exc
    except UnidentifiedImageError as exc:
        known = _format_from_signature(data)
        if known:  # a real image cut off inside its header: not "not an image"
            raise _corrupt(label, f"a {known} whose header cannot be read") from exc
        raise ImageDecodeError(
            f"Not an image that can be read (its first bytes are {data[:16]!r}).",
            where=label,
            fix="use PNG, JPEG, TIFF or BMP; check that the file is not a text or HTML page "
            "saved with an image extension",
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:  # header present but malformed
        raise _corrupt(label, exc) from exc


def _check_pixel_count(image: Image.Image, max_pixels: int, label: str) -> None:
    width, height = image.size
    if width * height > max_pixels:
        raise _too_many_pixels(label, (width, height), f"the limit is {max_pixels:,}")
    if width == 0 or height == 0:
        raise ImageDecodeError(f"Image has no pixels ({width}x{height}).", where=label,
                               fix="re-export the image")


def _load_pixels(image: Image.Image, label: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(label, image.size, str(exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _corrupt(label, exc) from exc


def _to_rgb8(image: Image.Image, label: str) -> np.ndarray:
    mode = image.mode
    if mode.startswith(HIGH_DEPTH_MODES):
        gray = _scale_by_range(np.asarray(image))
        return np.repeat(gray[..., None], 3, axis=-1)
    try:
        if mode == "P":
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        elif mode in ("1", "L", "RGB") and "transparency" in image.info:
            image = image.convert("RGBA")
        elif mode in ALPHA_MODES and mode != "RGBA":
            image = image.convert("RGBA")
        if image.mode == "RGBA":
            return composite_on_black(np.asarray(image))
        return np.asarray(image.convert("RGB"))
    except ValueError as exc:  # a mode Pillow cannot convert (e.g. LAB without a profile)
        raise ImageDecodeError(
            f"Image colour mode {mode!r} cannot be converted to RGB ({exc}).",
            where=label,
            fix="re-save the image as 8-bit RGB or grayscale",
        ) from exc


def _scale_by_range(values: np.ndarray) -> np.ndarray:
    """Map a single-channel image's own min..max onto 0..255 (see the module docstring)."""
    arr = values.astype(np.float64)
    finite = np.isfinite(arr)
    if not finite.any():
        return np.zeros(arr.shape, dtype=np.uint8)
    lo, hi = arr[finite].min(), arr[finite].max()
    if hi <= lo:
        return np.zeros(arr.shape, dtype=np.uint8)
    arr = np.where(finite, arr, lo)
    return np.round((arr - lo) / (hi - lo) * 255.0).astype(np.uint8)


def _too_many_pixels(label: str, size: tuple[int, int] | None, detail: str) -> ImageDecodeError:
    dims = f" ({size[0]}x{size[1]} = {size[0] * size[1]:,} pixels)" if size else ""
    return ImageDecodeError(
        f"Image has too many pixels{dims}; {detail}. Refused before decoding to protect memory.",
        where=label,
        fix="downscale it (e.g. to at most 4096 px on the long side) before adding it; "
        "a classifier sees a few hundred pixels anyway",
    )


def _pillow_bomb_detail(exc: BaseException) -> str:
    found = re.search(r"\((\d+) pixels\)", str(exc))
    count = f"{int(found.group(1)):,} pixels, " if found else ""
    return f"{count}beyond even Pillow's decompression-bomb limit"


def _format_from_signature(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    return next((name for magic, name in SIGNATURES.items() if data.startswith(magic)), None)


def _corrupt(label: str, exc: BaseException | str) -> ImageDecodeError:
    return ImageDecodeError(
        f"Image is truncated or corrupt ({exc}).",
        where=label,
        fix="copy, export or download it again; open it in an image viewer to confirm",
    )
