"""The test images a run gets wrong at one threshold: false negatives first, most confident first.

Why false negatives first: a missed cancer is the error a screening or triage tool must not
hide; within each kind the most confidently wrong cases come first (a false negative scored
0.02 says more about the model than one scored 0.49). The Errors page shows this table as it
is; the images themselves are the page's business.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .decision import decide
from .evaluate import RunEvaluation

__all__ = ["ERROR_COLUMNS", "FALSE_NEGATIVE", "FALSE_POSITIVE", "misclassified"]

FALSE_NEGATIVE = "false negative"
FALSE_POSITIVE = "false positive"
ERROR_COLUMNS = ["kind", "sample_id", "group", "true_label", "predicted_label", "score",
                 "threshold", "confidence"]


def misclassified(ev: RunEvaluation, threshold: float, class_names: tuple[str, str]
                  ) -> pd.DataFrame:
    """Test samples on the wrong side of ``threshold`` (:func:`~.decision.decide`).

    ``class_names`` is ``(negative, positive)`` (:func:`~.decision.binary_class_names`).
    ``score`` is the positive-class probability; ``confidence`` is how far the score is from
    the threshold on the wrong side, scaled to [0, 1] (1 = as wrong as possible).  Sorted:
    false negatives, then false positives, each most confident first.
    """
    if ev.level != "sample":
        raise ValueError("errors are listed per image: use a sample-level evaluation")
    test = ev.test
    t = float(threshold)
    positive = decide(test.scores, t)
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
