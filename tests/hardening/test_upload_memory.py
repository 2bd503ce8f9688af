"""Memory is bounded by pixels, not bytes: an upload is reduced right after decoding.

A 7000 x 7000 PNG of flat colour is ~60 KB on disk and 147 MB decoded. What the
Explain page keeps of it is the model inputs (made from the full resolution, exactly as the
training pipeline makes them) and a preview of at most 512 px, and one session's results are
bounded in bytes. The server-wide figure (8 sessions x 8 such uploads) is printed by
``benchmarks/upload_memory.py`` and checked against a real server in ``test_server.py``.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from core.datasets.images import decode_image, resize_tensor
from core.datasets.reduced import PREVIEW_SIDE, reduce_image
from dashboard.explain.inputs import InputImage, decode_upload
from dashboard.explain.session import Results, nbytes


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def huge_png() -> bytes:
    """2000 x 1400 px (under the size that is box-averaged first): a flat background with one
    textured block, so resizing matters."""
    rgb = np.full((1400, 2000, 3), (200, 120, 90), dtype=np.uint8)
    rgb[500:700, 1000:1300] = np.random.default_rng(0).integers(0, 256, (200, 300, 3))
    return _png(rgb)


def test_a_huge_upload_keeps_only_its_model_inputs_and_a_preview(huge_png):
    item = decode_upload("huge.png", huge_png, input_sizes=(50, 224))
    assert isinstance(item, InputImage)
    assert item.image.original_size == (1400, 2000)
    assert max(item.rgb.shape[:2]) == PREVIEW_SIDE and item.rgb.shape[:2] == (358, 512)
    # what the session holds: < 1 MB instead of 8 MB of decoded pixels
    assert nbytes(item) == item.nbytes < 1_000_000
    full = decode_image(huge_png)
    for size in (50, 224):  # exactly the training pipeline's resize of the full image
        np.testing.assert_array_equal(item.image.model_input(size),
                                      resize_tensor(full, size).numpy())
    assert item.digest == reduce_image(full, ()).digest  # same key for the same pixels


def test_a_very_large_upload_is_box_averaged_first_within_a_grey_level():
    """From 2048 px on the long side an image is averaged down by an integer factor before the
    model's resize (bounded transient memory); measured: within 1 grey level of the direct
    resize on a smooth image."""
    rng = np.random.default_rng(2)
    smooth = np.asarray(Image.fromarray(rng.integers(0, 256, (60, 860, 3), dtype=np.uint8))
                        .resize((8600, 600), Image.Resampling.BICUBIC))
    item = decode_upload("wide.png", _png(smooth), input_sizes=(64,))
    assert item.image.original_size == (600, 8600)
    assert item.digest == reduce_image(smooth, ()).digest  # keyed by the full pixels
    direct = resize_tensor(smooth, 64).numpy().astype(int)
    assert np.abs(item.image.model_input(64).astype(int) - direct).max() <= 1


def test_a_small_upload_is_kept_whole():
    rgb = np.random.default_rng(1).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    item = decode_upload("small.png", _png(rgb), input_sizes=(28,))
    np.testing.assert_array_equal(item.rgb, rgb)
    np.testing.assert_array_equal(item.image.model_input(28), resize_tensor(rgb, 28).numpy())


def test_session_results_are_bounded_in_bytes():
    results = Results(max_entries=100, max_bytes=10 * 2**20)
    for k in range(30):  # 30 x 1 MiB into a 10 MiB budget
        results.put(("map", k), np.zeros(2**20, dtype=np.uint8))
    assert results.bytes <= 10 * 2**20 and len(results) == 10
    assert ("map", 29) in results and ("map", 0) not in results  # least recently used left
    results.put("huge", np.zeros(20 * 2**20, dtype=np.uint8))  # alone over the bound: kept
    assert len(results) == 1 and "huge" in results
