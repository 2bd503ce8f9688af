"""Pure helpers for how the Explain page shows things: display sizes, tables, safe text.

No Streamlit here (tested directly). Why display sizes matter: a 50 px histology patch shown as
is is a thumbnail, and the browser blurs it when it scales it up; a 5000 px mammogram is 75 MB
of pixels to blend and send on every rerun. Small images are enlarged by whole-pixel repetition
(nearest neighbour: every model pixel stays a visible square), large ones reduced with an
averaging filter, and the map is laid over the image at that display size.
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
from PIL import Image

from core.evaluation import decide
from core.explain import Prediction, RunModel, decision_text
from dashboard.text import file_name

DISPLAY_MIN = 256  # px on the long side; smaller images are enlarged by an integer factor
DISPLAY_MAX = 768  # px on the long side; larger images are reduced


def display_image(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 at a size worth looking at (see module docstring); aspect ratio kept."""
    rgb = np.asarray(rgb, dtype=np.uint8)
    height, width = rgb.shape[:2]
    long_side = max(height, width)
    if long_side > DISPLAY_MAX:
        scale = DISPLAY_MAX / long_side
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))
    if long_side < DISPLAY_MIN:
        factor = -(-DISPLAY_MIN // long_side)  # ceil: at least DISPLAY_MIN
        return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)
    return rgb


def model_input_uint8(prediction: Prediction) -> np.ndarray:
    """The model's input as an image (resize_for_model rounds to whole values in 0..255)."""
    return np.clip(np.round(prediction.model_input), 0, 255).astype(np.uint8)


def predictions_table(runs: Iterable[RunModel], predictions: Mapping[str, Prediction],
                      thresholds: Mapping[str, float]) -> pd.DataFrame:
    """One row per run for one image: the call, its probability, the thresholded decision."""
    rows = []
    for run in runs:
        prediction = predictions.get(run.run_id)
        if prediction is None:
            continue
        threshold = thresholds.get(run.run_id)
        score = prediction.score(run.positive_index)
        call = decide(score, threshold)
        row = {
            "model": run.label,
            "run_id": run.run_id,
            "predicted class": run.class_names[prediction.predicted],
            "P(predicted)": prediction.probability,
            "positive class": run.positive_class or "",
            "P(positive)": score if score is not None else np.nan,
            "threshold": threshold if threshold is not None else np.nan,
            "decision": decision_text(run, prediction, threshold),
            "called positive": call,
        }
        for name, p in zip(run.class_names, prediction.probabilities):
            row[f"P({name})"] = p
        rows.append(row)
    return pd.DataFrame(rows)


def export_image(rgb: np.ndarray) -> np.ndarray:
    """The image an overlay PNG is drawn on: full resolution, or the enlarged display image
    when the original is smaller than the display minimum (a 50 px PNG is unreadable)."""
    rgb = np.asarray(rgb, dtype=np.uint8)
    return display_image(rgb) if max(rgb.shape[:2]) < DISPLAY_MIN else rgb


def file_stem(name: str, limit: int = 40) -> str:
    """A safe file-name stem from a user's file name or sample id: its extension dropped, then
    :func:`dashboard.text.file_name` (letters, digits, - _ .; never a path)."""
    last = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    return file_name(re.sub(r"\.[A-Za-z0-9]{1,5}$", "", last), limit=limit, default="image")


def sanity_table(rows: Iterable[dict]) -> pd.DataFrame:
    """One row per map with its sanity scores; ``rows`` carry run, method, class and a Sanity."""
    out = []
    for row in rows:
        sanity = row["sanity"]
        curve = sanity.deletion
        out.append({
            "image": row["image"],
            "model": row["run"].label,
            "run_id": row["run"].run_id,
            "method": row["method"],
            "explained class": row["run"].class_names[sanity.class_index],
            "rank correlation with randomized model": sanity.rank_correlation,
            "passes randomization": sanity.passes_randomization,
            "deletion area": curve.area,
            "deletion area, random order": curve.random_area,
            "deletion vs random order": curve.verdict,
        })
    return pd.DataFrame(out)


def display_map(saliency_map: np.ndarray) -> tuple[np.ndarray, bool]:
    """The map stretched to exactly 0..1 for colouring, and whether it is flat (constant).

    ``Explainer.explain`` promises each map scaled to its own min..max; tf-keras-vis's
    ``normalize`` adds 1e-7 to the range, so a map whose raw range is tinier than that (the
    near-zero gradients of a saturated model) comes back squeezed towards 0 and would look flat.
    Stretching again is exact for a correctly scaled map and undoes the squeeze; ranks (what
    the sanity checks use) are unchanged either way.
    """
    values = np.asarray(saliency_map, dtype=np.float32)
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return np.zeros_like(values), True
    return (values - low) / (high - low), False
