"""A few headline numbers per run, for the store's index (listing and sorting runs).

The dashboard computes everything else from the stored predictions with the evaluation core;
these are only what a run list shows before any run is opened: AUC on val and test, and accuracy,
sensitivity and specificity on test at the default 0.5 threshold. Undefined values (a split with
one class) are left out rather than stored as a misleading number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, roc_auc_score

from core.evaluation.metrics import metrics_at_threshold


def summarize(predictions: pd.DataFrame, class_names, positive_index: int | None) -> dict:
    out: dict[str, float] = {}
    prob_cols = [f"prob_{k}" for k in range(len(class_names))]
    for split in ("val", "test"):
        part = predictions[predictions["split"] == split]
        if part.empty or part["target"].nunique() < 2:
            continue
        probs = part[prob_cols].to_numpy()
        y = part["target"].to_numpy()
        if positive_index is not None:
            y_bin = (y == positive_index).astype(int)
            score = probs[:, positive_index]
            out[f"{split}_auc"] = float(roc_auc_score(y_bin, score))
            if split == "test":
                point = metrics_at_threshold(y_bin, score, 0.5)
                for name in ("accuracy", "sensitivity", "specificity"):
                    value = getattr(point, name)
                    if np.isfinite(value):
                        out[f"test_{name}"] = float(value)
        else:
            out[f"{split}_auc"] = float(roc_auc_score(y, probs, multi_class="ovr",
                                                      labels=list(range(len(class_names)))))
            if split == "test":
                out["test_accuracy"] = float(accuracy_score(y, probs.argmax(axis=1)))
    return out
