"""Saliency map as a coloured overlay on the image, and PNG bytes for a download button.

Colours come from plotly's named colour scales (plotly is already in the stack; matplotlib is
not). The default, Viridis, is perceptually uniform: equal steps in saliency look like equal
steps in colour, which "jet" does not do (its bright yellow band reads as a false hot spot).
"""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np
import plotly.colors
from PIL import Image

from core.saliency.errors import SaliencyError

DEFAULT_COLORMAP = "Viridis"
#: How the ends of a colour scale look, for a legend in words: (lowest, highest) saliency.
SCALE_ENDS = {"Viridis": ("dark purple", "yellow")}


@lru_cache(maxsize=16)
def colormap_lut(name: str = DEFAULT_COLORMAP) -> np.ndarray:
    """A (256, 3) uint8 lookup table interpolated from a plotly colour scale."""
    try:
        scale = plotly.colors.get_colorscale(name)
    except Exception as error:  # plotly raises PlotlyError, a plain Exception subclass
        raise SaliencyError(f"unknown colour scale {name!r}") from error
    positions = [float(p) for p, _ in scale]
    rgb = np.array(plotly.colors.convert_colors_to_same_type([c for _, c in scale],
                                                             colortype="tuple")[0])
    x = np.linspace(0.0, 1.0, 256)
    channels = [np.interp(x, positions, rgb[:, c]) for c in range(3)]
    lut = np.round(np.stack(channels, axis=-1) * 255.0).astype(np.uint8)
    lut.setflags(write=False)
    return lut


def colorize(saliency_map: np.ndarray, colormap: str = DEFAULT_COLORMAP) -> np.ndarray:
    """(H, W) map in [0, 1] -> (H, W, 3) uint8 colours."""
    values = np.clip(np.nan_to_num(np.asarray(saliency_map, dtype=np.float32)), 0.0, 1.0)
    if values.ndim != 2:
        raise SaliencyError(f"expected a (H, W) map, got shape {values.shape}")
    return colormap_lut(colormap)[np.round(values * 255.0).astype(np.uint8)]


def colour_scale_strip(width: int = 256, height: int = 12,
                       colormap: str = DEFAULT_COLORMAP) -> np.ndarray:
    """(height, width, 3) uint8: the colour scale from the lowest saliency (left, 0) to the
    highest (right, 1), drawn with the very lookup table the overlays use, as a legend."""
    if width < 2 or height < 1:
        raise SaliencyError(f"a colour scale needs at least 2x1 pixels, got {width}x{height}")
    ramp = np.tile(np.linspace(0.0, 1.0, width, dtype=np.float32), (height, 1))
    return colorize(ramp, colormap)


def overlay_heatmap(image: np.ndarray, saliency_map: np.ndarray, *, opacity: float = 0.45,
                    colormap: str = DEFAULT_COLORMAP) -> np.ndarray:
    """Blend the coloured map over the image: (H, W, 3) uint8 RGB.

    ``image``: (H, W, 3) RGB, uint8 or float in 0..255 (e.g. the original upload, at any size).
    The map (model input size) is resized bilinearly to the image size, so the overlay can be
    shown on the full-resolution image. ``opacity`` 0 gives the image, 1 only the map.
    """
    if not 0.0 <= opacity <= 1.0:
        raise SaliencyError(f"opacity must be in [0, 1], got {opacity}")
    rgb = _as_rgb_uint8(image)
    colours = colorize(_resized(saliency_map, rgb.shape[:2]), colormap).astype(np.float32)
    blended = (1.0 - opacity) * rgb.astype(np.float32) + opacity * colours
    return np.round(blended).clip(0, 255).astype(np.uint8)


#: A downloaded overlay's colour scale: as tall, for the image's width, as the page's 256x12
#: strip drawn across a column, and never thinner than this many pixels.
SCALE_HEIGHT_PER_WIDTH = 12 / 256
MIN_SCALE_HEIGHT = 6


def with_colour_scale(rgb: np.ndarray, colormap: str = DEFAULT_COLORMAP) -> np.ndarray:
    """The image with the colour scale under it, low saliency left, high right, after a white
    gap of half the scale's height: (H + gap + scale, W, 3) uint8.

    A downloaded overlay is read away from the page, in a slide or a paper, where the page's
    legend under the map is not; with the scale in the file its colours still mean something.
    The scale spans the image's full width so that it lines up with it, as on the page.
    """
    image = _as_rgb_uint8(rgb)
    width = image.shape[1]
    height = max(MIN_SCALE_HEIGHT, round(width * SCALE_HEIGHT_PER_WIDTH))
    gap = np.full((height // 2, width, 3), 255, np.uint8)
    strip = colour_scale_strip(max(width, 2), height, colormap)[:, :width]
    return np.concatenate([image, gap, strip], axis=0)


def to_png_bytes(rgb: np.ndarray) -> bytes:
    """PNG file content of an (H, W, 3) uint8 image, for ``st.download_button``."""
    buffer = io.BytesIO()
    Image.fromarray(_as_rgb_uint8(rgb)).save(buffer, format="PNG")
    return buffer.getvalue()


def _resized(saliency_map: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    values = np.asarray(saliency_map, dtype=np.float32)
    if values.ndim != 2:
        raise SaliencyError(f"expected a (H, W) map, got shape {values.shape}")
    if values.shape == size:
        return values
    resized = Image.fromarray(values).resize((size[1], size[0]), Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.float32)


def _as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise SaliencyError(f"expected an (H, W, 3) RGB image, got shape {array.shape}")
    if array.dtype == np.uint8:
        return array
    return np.round(np.clip(array, 0, 255)).astype(np.uint8)
