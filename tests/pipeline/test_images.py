"""decode_image on every format and mode a user may bring, and on every kind of bad file.

All files are written here with Pillow; expected pixels are computed from the arrays written,
not read back through the code under test.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from core.datasets.errors import DatasetError
from core.datasets.images import (
    ImageDecodeError,
    composite_on_black,
    decode_image,
    resize_for_model,
)

REPO = Path(__file__).resolve().parents[2]
RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, (20, 30, 3), dtype=np.uint8)
ALPHA = RNG.integers(0, 256, (20, 30), dtype=np.uint8)


def encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A valid PNG header claiming width x height RGB pixels, with (almost) no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b""))
            + chunk(b"IEND", b""))


# --- good files ------------------------------------------------------------------------------


def test_rgb_png_and_content_not_extension(tmp_path: Path) -> None:
    path = tmp_path / "really_a_png.jpg"  # wrong extension on purpose
    path.write_bytes(encode(Image.fromarray(RGB), "PNG"))
    out = decode_image(path)
    assert out.dtype == np.uint8 and out.shape == (20, 30, 3)
    np.testing.assert_array_equal(out, RGB)
    np.testing.assert_array_equal(decode_image(str(path)), RGB)
    np.testing.assert_array_equal(decode_image(path.read_bytes()), RGB)


@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "BMP"])
def test_grayscale_becomes_three_equal_channels(fmt: str) -> None:
    out = decode_image(encode(Image.fromarray(RGB[..., 0]), fmt))
    for channel in range(3):
        np.testing.assert_array_equal(out[..., channel], RGB[..., 0])


def test_one_bit_image() -> None:
    bits = RGB[..., 0] > 127
    out = decode_image(encode(Image.fromarray(bits), "PNG"))
    np.testing.assert_array_equal(out[..., 1], np.where(bits, 255, 0))


def test_rgba_is_composited_on_black() -> None:
    rgba = np.dstack([RGB, ALPHA])
    rgba[0, 0] = (200, 100, 50, 0)  # junk colour under a fully transparent pixel
    out = decode_image(encode(Image.fromarray(rgba), "PNG"))
    expected = np.round(RGB.astype(np.float64) * ALPHA[..., None] / 255).astype(np.uint8)
    expected[0, 0] = 0
    assert np.abs(out.astype(int) - expected).max() <= 0  # exact, incl. the transparent pixel
    np.testing.assert_array_equal(composite_on_black(rgba), out)


def test_la_is_composited_on_black() -> None:
    la = Image.fromarray(np.dstack([RGB[..., 0], ALPHA]), "LA")
    out = decode_image(encode(la, "PNG"))
    expected = np.round(RGB[..., 0].astype(np.float64) * ALPHA / 255).astype(np.uint8)
    np.testing.assert_array_equal(out[..., 2], expected)


def test_palette_with_and_without_transparency() -> None:
    palette = Image.fromarray(RGB).quantize(32)
    plain = decode_image(encode(palette, "PNG"))
    np.testing.assert_array_equal(plain, np.asarray(palette.convert("RGB")))
    index = np.asarray(palette)[0, 0]
    transparent = decode_image(encode(palette, "PNG", transparency=int(index)))
    hidden = np.asarray(palette) == index
    assert transparent[hidden].max() == 0
    np.testing.assert_array_equal(transparent[~hidden], plain[~hidden])


def test_16_bit_png_is_scaled_by_its_range_not_clipped() -> None:
    ramp = np.linspace(1000, 3000, 20 * 30).reshape(20, 30).astype(np.uint16)
    data = encode(Image.fromarray(ramp), "PNG")
    assert data[24] == 16  # really a 16-bit PNG
    out = decode_image(data)
    expected = np.round((ramp - 1000.0) / 2000.0 * 255).astype(np.uint8)
    np.testing.assert_array_equal(out[..., 0], expected)
    assert out.min() == 0 and out.max() == 255


def test_float_tiff_scaled_with_nan_as_minimum() -> None:
    values = np.linspace(-1.0, 1.0, 20 * 30, dtype=np.float32).reshape(20, 30)
    values[5, 5] = np.nan
    out = decode_image(encode(Image.fromarray(values), "TIFF"))
    assert out[0, 0, 0] == 0 and out[-1, -1, 0] == 255
    assert out[5, 5, 0] == 0
    assert np.all(np.diff(out[0, :, 0].astype(int)) >= 0)


def test_int32_tiff_and_constant_image() -> None:
    values = (np.arange(20 * 30).reshape(20, 30) * 1000).astype(np.int32)
    out = decode_image(encode(Image.fromarray(values), "TIFF"))
    assert out.min() == 0 and out.max() == 255
    flat = decode_image(encode(Image.fromarray(np.full((4, 4), 7, np.uint16)), "PNG"))
    assert flat.max() == 0  # no range: black, documented


def test_cmyk_jpeg_decodes_to_rgb() -> None:
    red = np.zeros((16, 16, 3), np.uint8)
    red[..., 0] = 255
    out = decode_image(encode(Image.fromarray(red).convert("CMYK"), "JPEG", quality=95))
    assert out.shape == (16, 16, 3)
    assert out[..., 0].min() > 200 and out[..., 1:].max() < 60


def test_exif_orientation_is_applied() -> None:
    image = np.zeros((20, 40, 3), np.uint8)  # 40 wide, 20 high; left half white
    image[:, :20] = 255
    exif = Image.Exif()
    exif[0x0112] = 6  # display = rotate 90 degrees clockwise
    out = decode_image(encode(Image.fromarray(image), "JPEG", exif=exif, quality=95))
    assert out.shape == (40, 20, 3)  # portrait after rotation
    assert out[:15].mean() > 240 and out[25:].mean() < 15  # the left half is now on top


@pytest.mark.parametrize("fmt", ["TIFF", "GIF"])
def test_multi_frame_gives_first_frame(fmt: str) -> None:
    first = np.full((10, 10, 3), (250, 10, 10), np.uint8)
    second = np.full((10, 10, 3), (10, 10, 250), np.uint8)
    frames = [Image.fromarray(first), Image.fromarray(second)]
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:])
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 2
    out = decode_image(data)
    assert out[..., 0].min() > 200 and out[..., 2].max() < 60


def test_webp_lossless() -> None:
    out = decode_image(encode(Image.fromarray(RGB), "WEBP", lossless=True))
    np.testing.assert_array_equal(out, RGB)


# --- bad input -------------------------------------------------------------------------------


def test_empty_file_and_empty_bytes(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(ImageDecodeError, match=r"empty \(0 bytes\).*empty\.png"):
        decode_image(path)
    with pytest.raises(ImageDecodeError, match="empty"):
        decode_image(b"", name="upload.png")


def test_random_bytes_named_png(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 500, dtype=np.uint8).tobytes())
    with pytest.raises(ImageDecodeError, match=r"Not an image.*scan\.png.*Fix:"):
        decode_image(path)


def test_html_page_saved_as_png_shows_its_first_bytes() -> None:
    with pytest.raises(ImageDecodeError, match=r"b'<!DOCTYPE html><'") as info:
        decode_image(b"<!DOCTYPE html><html>404</html>", name="lesion.png")
    assert "lesion.png" in str(info.value)
    assert isinstance(info.value, DatasetError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_file(tmp_path: Path, fmt: str) -> None:
    data = encode(Image.fromarray(RGB), fmt)
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageDecodeError, match=r"truncated or corrupt.*cut\."):
        decode_image(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageDecodeError, match=r"does not exist.*nowhere\.png"):
        decode_image(tmp_path / "nowhere.png")


def test_max_pixels_is_checked() -> None:
    data = encode(Image.fromarray(RGB), "PNG")
    with pytest.raises(ImageDecodeError, match=r"too many pixels \(30x20 = 600 pixels\)"):
        decode_image(data, max_pixels=599)
    assert decode_image(data, max_pixels=600).shape == (20, 30, 3)


def test_bomb_refused_from_header_before_any_large_allocation(tmp_path: Path) -> None:
    """Under an address-space limit too small for the 20000x20000 image, decode_image still
    refuses with its own error; loading the same file with the guards off hits the limit
    (the control shows the limit is real)."""
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bomb())
    script = textwrap.dedent(f"""
        import resource, sys
        sys.path.insert(0, {str(REPO)!r})
        from PIL import Image
        from core.datasets.images import ImageDecodeError, decode_image
        vm = [int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmSize')][0]
        limit = (vm + 300 * 1024) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            decode_image({str(bomb)!r})
        except ImageDecodeError as exc:
            print('REFUSED', exc)
        Image.MAX_IMAGE_PIXELS = None
        try:
            Image.open({str(bomb)!r}).load()
        except MemoryError:
            print('CONTROL-MEMORYERROR')
        except Exception as exc:
            print('CONTROL-OTHER', type(exc).__name__, exc)
    """)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, env=env)
    assert "REFUSED" in done.stdout, done.stdout + done.stderr
    assert "400,000,000 pixels" in done.stdout
    assert "bomb.png" in done.stdout
    assert "CONTROL-MEMORYERROR" in done.stdout, done.stdout + done.stderr


# --- resize_for_model ------------------------------------------------------------------------


def test_header_over_our_limit_names_its_size() -> None:
    with pytest.raises(ImageDecodeError, match=r"8000x8000 = 64,000,000 pixels.*50,000,000"):
        decode_image(png_bomb(8000, 8000), name="big.png")


def test_resize_for_model_shape_range_and_identity() -> None:
    out = resize_for_model(RGB, 16)
    assert out.shape == (16, 16, 3) and out.dtype == np.float32
    assert 0 <= out.min() and out.max() <= 255
    np.testing.assert_array_equal(out, np.round(out))  # on the uint8 grid, as cached
    square = RGB[:, :20]
    np.testing.assert_array_equal(resize_for_model(square, 20), square.astype(np.float32))


def test_resize_for_model_antialiases_when_shrinking() -> None:
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[:, ::3] = 255  # one-pixel stripes, period 3: a 4x shrink without a filter aliases
    mean = stripes.mean()
    inner = resize_for_model(stripes, 16)[1:-1, 1:-1]  # borders see half a kernel
    assert np.abs(inner - mean).max() < 12
    aliased = tf.image.resize(stripes, (16, 16), method="bilinear").numpy()[1:-1, 1:-1]
    assert np.abs(aliased - mean).max() > 60  # the control: plain bilinear beats


def test_resize_for_model_rejects_wrong_input() -> None:
    with pytest.raises(ValueError, match="uint8"):
        resize_for_model(RGB.astype(np.float32), 16)
    with pytest.raises(ValueError, match="positive"):
        resize_for_model(RGB, 0)


def test_image_cut_inside_its_header_is_called_truncated() -> None:
    data = encode(Image.fromarray(RGB), "PNG")
    with pytest.raises(ImageDecodeError, match=r"truncated or corrupt \(a PNG whose header"):
        decode_image(data[:40], name="cut.png")
