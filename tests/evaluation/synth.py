"""Synthetic predictions frames in the shared schema, for the evaluation tests and benchmark.

Why synthetic: the statistics are checked against independent references (scikit-learn,
scipy, brute force), so the data only needs a known structure, not real images.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def binormal_scores(y: np.ndarray, rng: np.random.Generator, shift: float = 1.5) -> np.ndarray:
    """Probabilities from a binormal model: positives shifted by ``shift`` on the logit scale."""
    z = rng.normal(size=y.shape[0]) + shift * y
    return 1.0 / (1.0 + np.exp(-(z - shift / 2.0)))


def make_predictions(
    n_test: int = 400, n_val: int = 200, *, prevalence: float = 0.3, seed: int = 0,
    shift: float = 1.5, samples_per_group: int = 1, round_to: int | None = None,
) -> pd.DataFrame:
    """A binary predictions frame (val + test) with metadata columns.

    ``samples_per_group`` > 1 gives several samples per patient (each patient's samples share
    the patient's label).  ``round_to`` rounds the scores to create ties.
    """
    rng = np.random.default_rng(seed)
    frames = []
    for split, n in (("val", n_val), ("test", n_test)):
        if n == 0:
            continue
        n_groups = int(np.ceil(n / samples_per_group))
        g_label = (rng.random(n_groups) < prevalence).astype(int)
        group_idx = np.repeat(np.arange(n_groups), samples_per_group)[:n]
        y = g_label[group_idx]
        p1 = binormal_scores(y, rng, shift)
        if round_to is not None:
            p1 = np.round(p1, round_to)
        frames.append(pd.DataFrame({
            "sample_id": [f"{split}-s{i}" for i in range(n)],
            "group": [f"{split}-p{g}" for g in group_idx],
            "split": split,
            "target": y,
            "label": np.where(y == 1, "malignant", "benign"),
            "prob_0": 1.0 - p1,
            "prob_1": p1,
            "meta_site": rng.choice(["A", "B", "C"], size=n),
            "meta_age": rng.integers(25, 90, size=n).astype(float),
        }))
    return pd.concat(frames, ignore_index=True)
