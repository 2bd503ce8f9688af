"""The test images a run gets wrong at the current threshold, and their thumbnails.

Why false negatives first: a missed cancer is the error a screening or triage tool must not
hide; within each kind the most confidently wrong cases come first (a false negative scored
0.02 says more about the model than one scored 0.49).

Images are read from where the dataset keeps them *now* (``core.datasets.load_dataset`` by the
run's dataset name; array datasets such as MedMNIST from ``LoadedDataset.arrays``), so a sample
that has since been moved or deleted is listed with the reason instead of a picture.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from core.datasets import DatasetError
from core.evaluation import RunEvaluation
from dashboard import data

__all__ = ["ERROR_COLUMNS", "misclassified", "dataset_samples", "thumbnail"]

FALSE_NEGATIVE = "false negative"
FALSE_POSITIVE = "false positive"
ERROR_COLUMNS = ["kind", "sample_id", "group", "true_label", "predicted_label", "score",
                 "threshold", "confidence"]


def misclassified(ev: RunEvaluation, threshold: float, class_names: tuple[str, str]
                  ) -> pd.DataFrame:
    """Test samples on the wrong side of ``threshold`` (score >= t is positive).

    ``score`` is the positive-class probability; ``confidence`` is how far the score is from
    the threshold on the wrong side, scaled to [0, 1] (1 = as wrong as possible).  Sorted:
    false negatives, then false positives, each most confident first.
    """
    if ev.level != "sample":
        raise ValueError("errors are listed per image: use a sample-level evaluation")
    test = ev.test
    t = float(threshold)
    positive = test.scores >= t
    truth = test.y.astype(bool)
    fn, fp = truth & ~positive, ~truth & positive
    neg, pos = class_names
    rows = ev.predictions[ev.predictions["split"].astype(str) == "test"]
    groups = rows["group"].astype(str).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        conf_fn = np.where(t > 0, (t - test.scores) / t, 0.0)
        conf_fp = np.where(t < 1, (test.scores - t) / (1 - t), 0.0)
    frames = []
    for mask, kind, true_label, predicted, conf in ((fn, FALSE_NEGATIVE, pos, neg, conf_fn),
                                                    (fp, FALSE_POSITIVE, neg, pos, conf_fp)):
        idx = np.flatnonzero(mask)
        frames.append(pd.DataFrame({
            "kind": kind,
            "sample_id": test.ids[idx].astype(str),
            "group": groups[idx],
            "true_label": true_label,
            "predicted_label": predicted,
            "score": test.scores[idx],
            "threshold": t,
            "confidence": np.clip(conf[idx], 0.0, 1.0),
        }).sort_values("confidence", ascending=False, kind="stable"))
    return pd.concat(frames, ignore_index=True)[ERROR_COLUMNS]


def dataset_samples(name: str):
    """``(table indexed by sample_id, arrays or None, None)`` or ``(None, None, reason)``."""
    try:
        ds = data.load_dataset(name)
    except (DatasetError, OSError, ValueError, KeyError) as exc:
        return None, None, f"dataset {name!r} cannot be loaded now: {exc}"
    return ds.table.set_index("sample_id"), ds.arrays, None


@st.cache_data(show_spinner=False, max_entries=2048)
def _thumb_from_file(path: str, size: int) -> np.ndarray:
    from core.datasets.images import decode_image

    image = Image.fromarray(decode_image(path))
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    return np.asarray(image)


def thumbnail(dataset: str, sample_id: str, size: int = 160) -> tuple[np.ndarray | None, str]:
    """``(RGB thumbnail, "")`` or ``(None, why there is no picture)``."""
    table, arrays, reason = dataset_samples(dataset)
    if table is None:
        return None, reason
    if sample_id not in table.index:
        return None, "not in the dataset as it is loaded now (moved or removed?)"
    row = table.loc[sample_id]
    try:
        if int(row["array_index"]) >= 0 and arrays is not None:
            array = np.asarray(arrays[int(row["array_index"])])
            if array.ndim == 2:
                array = np.stack([array] * 3, axis=-1)
            image = Image.fromarray(array.astype(np.uint8))
            image.thumbnail((size, size), Image.Resampling.NEAREST)
            return np.asarray(image), ""
        return _thumb_from_file(str(row["path"]), size), ""
    except (DatasetError, OSError, ValueError) as exc:
        return None, f"cannot be read: {exc}"
