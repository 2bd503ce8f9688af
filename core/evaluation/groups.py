"""Patient- or lesion-level evaluation: aggregate sample scores per group.

Why: a clinician decides per patient (or per lesion), not per image patch.  Patch-level metrics
count a patient with 300 patches 300 times and hide that one missed patient is one missed
cancer.  :func:`aggregate_groups` turns a sample-level predictions frame into a group-level one
with the *same schema* (one row per group and split), so every other evaluation function works
on it unchanged.

Score aggregation (of the positive-class probability):

``mean``       average score; robust, but a small tumour focus is diluted by many benign
               patches.
``max``        the most suspicious sample; sensitive to a single focus, but also to one noisy
               patch.
``topk_mean``  mean of the ``k`` highest scores (all of them when a group has fewer): a
               compromise between the two.

The group's other class probability is ``1 - score``, so the columns stay a distribution.

Group label: **positive if any sample is positive**.  A patient with one malignant region is a
cancer patient; calling them negative because most of their tissue is benign is exactly the
error a screening tool must not hide.  (With BreakHis every image of a patient carries the
patient's diagnosis, so "any" and "all" agree there.)

A group that appears in both validation and test is a data leak (the model's threshold was
tuned on the same patient it is tested on): :class:`GroupLeakError`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from .errors import EvaluationError
from .frames import check_predictions

__all__ = ["AGGREGATES", "GroupLeakError", "aggregate_groups", "few_groups",
           "MIN_GROUPS_FOR_CI", "MIN_POSITIVE_GROUPS_FOR_CI"]

#: Fewer test groups than this: the group-level CIs are not to be trusted.  The bootstrap
#: resamples *groups*, and with fewer than about 30 units its percentile intervals cover less
#: than their nominal 95% (the resampling distribution is coarse and skewed); 30 is the usual
#: rule of thumb for a normal-like sampling distribution.
MIN_GROUPS_FOR_CI = 30
#: Fewer positive test groups than this: sensitivity rests on a handful of patients.  Each
#: positive group then moves sensitivity by more than 10 points, and even 9 of 10 detected has
#: a 95% (Wilson) interval of about 0.60-0.98: too wide to decide anything.
MIN_POSITIVE_GROUPS_FOR_CI = 10

Aggregate = Literal["mean", "max", "topk_mean"]
AGGREGATES: tuple[str, ...] = ("mean", "max", "topk_mean")


class GroupLeakError(EvaluationError):
    """A group (patient / lesion) has samples in more than one split."""


def _check_no_leak(pred: pd.DataFrame) -> None:
    n_splits = pred.groupby("group", sort=False)["split"].nunique()
    leaked = n_splits[n_splits > 1]
    if len(leaked):
        examples = ", ".join(repr(g) for g in leaked.index[:5].tolist())
        raise GroupLeakError(
            f"{len(leaked)} group(s) appear in both validation and test (e.g. {examples}): "
            "the same patient on both sides leaks information; re-split by group"
        )


def _aggregate_scores(
    pred: pd.DataFrame, keys: list[str], col: str, how: str, k: int
) -> pd.Series:
    grouped = pred.groupby(keys, sort=True)[col]
    if how == "mean":
        return grouped.mean()
    if how == "max":
        return grouped.max()
    # topk_mean: sort once by score, keep each group's first k rows.
    ranked = pred.sort_values(col, ascending=False, kind="stable")
    top = ranked.groupby(keys, sort=False).head(k)
    return top.groupby(keys, sort=True)[col].mean()


def _constant_meta(pred: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Metadata columns whose value is the same for every sample of each group.

    Columns that vary within a group (e.g. magnification across a patient's images) are
    dropped rather than summarised: a group has no single magnification to slice by.
    """
    meta = [c for c in pred.columns if str(c).startswith("meta_")]
    if not meta:
        return pd.DataFrame(index=pred.groupby(keys, sort=True).size().index)
    grouped = pred.groupby(keys, sort=True)
    varying = grouped[meta].nunique(dropna=False).max()
    keep = [c for c in meta if varying[c] <= 1]
    return grouped[keep].first() if keep else pd.DataFrame(index=grouped.size().index)


def aggregate_groups(
    pred: pd.DataFrame, positive_index: int = 1, how: Aggregate = "mean", *, k: int = 3
) -> pd.DataFrame:
    """Group-level predictions frame: one row per (group, split), same schema.

    ``sample_id`` and ``group`` both hold the group id; ``n_samples`` counts the samples
    behind each row.  Only binary views make sense here (a group label "positive if any" needs
    a positive class), so ``positive_index`` picks it as everywhere else.
    """
    probs = check_predictions(pred)
    if how not in AGGREGATES:
        raise ValueError(f"unknown aggregate {how!r}; choose one of {AGGREGATES}")
    if int(k) != k or k < 1:
        raise ValueError(f"k must be a positive integer, got {k}")
    if len(probs) != 2:
        raise EvaluationError(
            f"group aggregation is defined for binary runs (2 classes); this run has "
            f"{len(probs)}: a group label 'positive if any sample is positive' needs one "
            "positive class against one negative class"
        )
    if not 0 <= positive_index < 2:
        raise EvaluationError(f"positive_index={positive_index} but the run has 2 classes")
    if pred["group"].isna().any():
        raise EvaluationError(f"{int(pred['group'].isna().sum())} rows have no group")
    _check_no_leak(pred)
    keys = ["group", "split"]
    col, other = f"prob_{positive_index}", f"prob_{1 - positive_index}"
    score = _aggregate_scores(pred, keys, col, how, int(k))
    if score.isna().any():
        raise EvaluationError(f"{int(score.isna().sum())} groups have NaN scores")
    flagged = pred.assign(_is_pos=pred["target"].to_numpy() == positive_index)
    is_pos = flagged.groupby(keys, sort=True)["_is_pos"].any()
    out = pd.DataFrame(index=score.index)
    out["target"] = np.where(is_pos.to_numpy(), positive_index, 1 - positive_index)
    if "label" in pred.columns:
        names = pred.groupby("target")["label"].first()
        out["label"] = out["target"].map(names).astype(object)
    out[col] = score.to_numpy()
    out[other] = 1.0 - out[col]
    out["n_samples"] = pred.groupby(keys, sort=True).size()
    out = out.join(_constant_meta(pred, keys))
    out = out.reset_index()
    out["sample_id"] = out["group"]
    front = ["sample_id", "group", "split", "target"] + (["label"] if "label" in out else [])
    rest = [c for c in out.columns if c not in front]
    ordered = front + sorted(c for c in rest if c.startswith("prob_")) + [
        c for c in rest if not c.startswith("prob_")
    ]
    return out[ordered]


def few_groups(n_groups: int, n_positive: int) -> str | None:
    """Why group-level CIs on ``n_groups`` test groups (``n_positive`` of them positive) are
    too uncertain to read, or ``None`` when there are enough (see :data:`MIN_GROUPS_FOR_CI`
    and :data:`MIN_POSITIVE_GROUPS_FOR_CI` for the thresholds and why)."""
    if n_groups < MIN_GROUPS_FOR_CI:
        return (f"only {n_groups} patients/lesions in the test split (fewer than "
                f"{MIN_GROUPS_FOR_CI}): its confidence intervals are unreliable")
    if n_positive < MIN_POSITIVE_GROUPS_FOR_CI:
        return (f"only {n_positive} positive patients/lesions in the test split (fewer than "
                f"{MIN_POSITIVE_GROUPS_FOR_CI}): its sensitivity and its interval rest on a "
                "handful of cases")
    return None
