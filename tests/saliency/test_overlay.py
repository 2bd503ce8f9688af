"""Heat-map overlay and PNG export."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from core.saliency import SaliencyError, colorize, overlay_heatmap, to_png_bytes
from core.saliency.overlay import colormap_lut

RNG = np.random.default_rng(0)
IMAGE = RNG.integers(0, 256, (40, 30, 3), dtype=np.uint8)
MAP = RNG.random((40, 30)).astype(np.float32)


def test_viridis_runs_from_dark_purple_to_yellow_with_rising_lightness():
    lut = colormap_lut("Viridis")
    assert lut.shape == (256, 3) and lut.dtype == np.uint8
    assert tuple(lut[0]) == (68, 1, 84) and tuple(lut[-1]) == (253, 231, 37)
    luma = lut.astype(float) @ np.array([0.299, 0.587, 0.114])
    assert (np.diff(luma) >= -0.5).all(), "a perceptual map must get lighter monotonically"


def test_opacity_zero_is_the_image_and_one_is_the_map():
    np.testing.assert_array_equal(overlay_heatmap(IMAGE, MAP, opacity=0.0), IMAGE)
    np.testing.assert_array_equal(overlay_heatmap(IMAGE, MAP, opacity=1.0), colorize(MAP))
    half = overlay_heatmap(IMAGE, MAP, opacity=0.5).astype(int)
    low = np.minimum(IMAGE, colorize(MAP)).astype(int)
    high = np.maximum(IMAGE, colorize(MAP)).astype(int)
    assert ((half >= low - 1) & (half <= high + 1)).all()


def test_map_is_resized_to_the_image_and_float_images_are_accepted():
    small_map = np.zeros((8, 8), np.float32)
    small_map[:4] = 1.0  # top half hot
    out = overlay_heatmap(IMAGE.astype(np.float32), small_map, opacity=1.0)
    assert out.shape == (40, 30, 3) and out.dtype == np.uint8
    assert tuple(out[0, 0]) == (253, 231, 37) and tuple(out[-1, -1]) == (68, 1, 84)


def test_png_bytes_decode_to_the_same_pixels():
    rgb = overlay_heatmap(IMAGE, MAP)
    data = to_png_bytes(rgb)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")), rgb)


def test_bad_inputs_are_refused():
    with pytest.raises(SaliencyError, match="opacity"):
        overlay_heatmap(IMAGE, MAP, opacity=1.5)
    with pytest.raises(SaliencyError, match="RGB image"):
        overlay_heatmap(IMAGE[..., 0], MAP)
    with pytest.raises(SaliencyError, match="colour scale"):
        colorize(MAP, "NoSuchScale")


def test_the_colour_scale_legend_runs_from_the_lowest_to_the_highest_overlay_colour():
    from core.saliency import SCALE_ENDS, colour_scale_strip

    strip = colour_scale_strip(width=256, height=5)
    lut = colormap_lut("Viridis")
    assert strip.shape == (5, 256, 3) and strip.dtype == np.uint8
    np.testing.assert_array_equal(strip[0], lut)  # left = saliency 0, right = 1, every step
    assert (strip == strip[0]).all()  # every row the same
    # The overlay of a map that is 0 on the left half and 1 on the right uses the strip's ends.
    ends = colorize(np.array([[0.0, 1.0]], np.float32))[0]
    np.testing.assert_array_equal(ends, strip[0, [0, -1]])
    assert SCALE_ENDS["Viridis"] == ("dark purple", "yellow")  # the words name lut[0] and lut[-1]
    with pytest.raises(SaliencyError):
        colour_scale_strip(width=1)


def test_the_downloaded_overlay_carries_the_colour_scale_under_the_image():
    """A 40x256 overlay gains a white gap and the scale (12 px for 256 px, as on the page): the
    image above is untouched, the scale's left end is the lowest colour, its right the highest."""
    from core.saliency import with_colour_scale

    wide = np.tile(IMAGE[:, :1], (1, 256, 1))
    overlay = overlay_heatmap(wide, np.zeros((40, 256), np.float32), opacity=0.45)
    png = with_colour_scale(overlay)
    decoded = np.asarray(Image.open(io.BytesIO(to_png_bytes(png))).convert("RGB"))
    assert decoded.shape == (40 + 6 + 12, 256, 3)  # the image, a gap of 6, the scale of 12
    np.testing.assert_array_equal(decoded[:40], overlay)
    assert (decoded[40:46] == 255).all()
    lut = colormap_lut("Viridis")
    scale = decoded[46:]
    assert (scale[:, 0] == lut[0]).all() and (scale[:, -1] == lut[-1]).all()
    assert tuple(scale[0, 0]) == (68, 1, 84) and tuple(scale[0, -1]) == (253, 231, 37)
    # a narrow image still gets a legible scale, as wide as the image
    assert with_colour_scale(IMAGE).shape == (40 + 3 + 6, 30, 3)
