"""Maps are normalized per image to exactly [0, 1], however small their raw range."""

from __future__ import annotations

import numpy as np

from core.saliency.base import _normalized


def test_a_map_with_a_tiny_raw_range_still_spans_zero_to_one():
    raw = np.zeros((2, 4, 4), dtype=np.float32)
    raw[0, 1, 1] = 3e-9  # the range a saturated softmax's gradients can have
    raw[1] = np.linspace(5.0, 7.0, 16).reshape(4, 4)
    maps = _normalized(raw, (4, 4))
    assert maps[0].max() == 1.0 and maps[0].min() == 0.0
    assert np.allclose(maps[1].ravel(), np.linspace(0.0, 1.0, 16), atol=1e-6)


def test_a_constant_map_stays_zero():
    maps = _normalized(np.full((1, 3, 3), 2.5, dtype=np.float32), (3, 3))
    assert not maps.any()
