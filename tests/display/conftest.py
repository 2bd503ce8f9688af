"""Shared inputs for the display tests: a large, realistic binary run made once per session."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="session")
def large_run() -> tuple[np.ndarray, np.ndarray]:
    """50,000 samples, ~30% positive, overlapping scores (AUC ~0.8): curves with many vertices."""
    rng = np.random.default_rng(20240601)
    y = (rng.random(50_000) < 0.3).astype(np.int64)
    scores = 1.0 / (1.0 + np.exp(-(rng.normal(0.0, 1.0, y.shape[0]) + 1.2 * y - 0.6)))
    return y, scores
