"""What a run must hand the store: checked before anything is written.

The stored predictions are what every comparison, calibration plot and subgroup table is computed
from, long after the training process is gone. A wrong column (probabilities in another class
order, a ``train`` split leaking in, a NaN score) would silently skew every later number, so it
is refused at commit time, with a message that names the column and the fix.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.store.errors import StoreError

__all__ = [
    "PREDICTION_BASE_COLUMNS",
    "SPLITS",
    "prob_columns",
    "record_json",
    "validate_history",
    "validate_predictions",
    "validate_record",
]

PREDICTION_BASE_COLUMNS = ("sample_id", "group", "split", "target", "label")
SPLITS = frozenset({"val", "test"})
_PROB_RE = re.compile(r"^prob_(0|[1-9][0-9]*)$")
# float32 softmax rows sum to 1 within ~1e-6; logits or a wrong column miss by far more
_PROB_SUM_TOLERANCE = 1e-3


def prob_columns(n_classes: int) -> list[str]:
    """``prob_0 .. prob_{K-1}``: one probability column per class, in ``class_names`` order."""
    return [f"prob_{i}" for i in range(n_classes)]


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def record_json(record: dict[str, Any], where: object) -> str:
    """The record as indented JSON; numpy scalars/arrays are accepted and written as plain JSON.

    NaN is allowed (an undefined AUC on a one-class subgroup is a real result) and reads back as
    NaN in Python.
    """
    try:
        return json.dumps(record, indent=2, sort_keys=True, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"The run record cannot be written as JSON: {exc}.",
            where=where,
            fix="keep only str, numbers, bool, None, lists and dicts (numpy values are fine)",
        ) from exc


def validate_record(record: object, where: object) -> list[str]:
    """Check the fields the store and every reader rely on; return ``class_names``."""
    if not isinstance(record, dict):
        raise StoreError(
            f"The run record must be a dict, got {type(record).__name__}.", where=where,
            fix="pass the training engine's record dict",
        )
    names = record.get("class_names")
    if (
        not isinstance(names, (list, tuple))
        or len(names) < 2
        or not all(isinstance(n, str) and n for n in names)
        or len(set(names)) != len(names)
    ):
        raise StoreError(
            f"record['class_names'] must list at least two distinct class names, got {names!r}.",
            where=where,
            fix="set class_names to the task's classes in target order (prob_i is class i)",
        )
    positive = record.get("positive_index")
    if positive is not None and (
        isinstance(positive, bool) or not isinstance(positive, (int, np.integer))
        or not 0 <= int(positive) < len(names)
    ):
        raise StoreError(
            f"record['positive_index'] = {positive!r} is not an index into class_names {names!r}.",
            where=where,
            fix="set positive_index to the position of the positive class (or None for "
            "multiclass)",
        )
    summary = record.get("summary", {})
    if not isinstance(summary, dict):
        raise StoreError(
            f"record['summary'] must be a dict of numbers, got {type(summary).__name__}.",
            where=where, fix="pass summary numbers as {'test_auc': 0.91, ...}",
        )
    return list(names)


def _fail(problem: str, where: object, fix: str) -> StoreError:
    return StoreError(f"Predictions do not match the stored schema: {problem}.", where=where,
                      fix=fix)


def validate_predictions(df: object, class_names: Sequence[str], where: object) -> None:
    """Raise :class:`StoreError` unless ``df`` follows the predictions contract.

    Contract: ``sample_id, group, split ('val'|'test'), target (int in [0, K)), label (str),
    prob_0 .. prob_{K-1}`` (finite, in [0, 1], rows summing to 1) and optional ``meta_*``
    columns; nothing else, at least one row, each ``(split, sample_id)`` once.
    """
    fix_cols = (
        "give exactly sample_id, group, split, target, label, prob_0..prob_{K-1} "
        "and meta_<name> columns"
    )
    if not isinstance(df, pd.DataFrame):
        raise _fail(f"expected a pandas DataFrame, got {type(df).__name__}", where, fix_cols)
    not_str = [c for c in df.columns if not isinstance(c, str)]
    if not_str:
        raise _fail(f"column names must be strings, got {not_str[:5]!r}", where, fix_cols)
    missing = [c for c in PREDICTION_BASE_COLUMNS if c not in df.columns]
    if missing:
        raise _fail(f"missing column(s) {', '.join(missing)}", where, fix_cols)
    k = len(class_names)
    found_probs = sorted(int(m.group(1)) for c in df.columns if (m := _PROB_RE.match(c)))
    if found_probs != list(range(k)):
        raise _fail(
            f"expected probability columns prob_0..prob_{k - 1} for the {k} classes "
            f"{list(class_names)!r}, found {[f'prob_{i}' for i in found_probs]!r}",
            where,
            "write one prob_i column per class, in record['class_names'] order",
        )
    allowed = set(PREDICTION_BASE_COLUMNS) | set(prob_columns(k))
    extra = [c for c in df.columns if c not in allowed and not c.startswith("meta_")]
    if extra:
        raise _fail(f"unexpected column(s) {', '.join(map(repr, extra))}", where,
                    "rename metadata columns to meta_<name>, or drop them")
    if len(df) == 0:
        raise _fail("there are no rows", where, "store the val/test predictions of the run")
    for col in ("sample_id", "group", "split", "label"):
        if df[col].isna().any():
            raise _fail(f"column {col!r} has {int(df[col].isna().sum())} missing value(s)",
                        where, f"fill {col} for every row")
    bad_splits = sorted(set(df["split"].astype(str).unique()) - SPLITS)
    if bad_splits:
        raise _fail(f"split must be 'val' or 'test', found {bad_splits!r}", where,
                    "store only validation and test predictions (never training rows)")
    target = df["target"]
    if target.isna().any() or not pd.api.types.is_integer_dtype(target.dtype) \
            or pd.api.types.is_bool_dtype(target.dtype):
        raise _fail(f"target must be integers without gaps, got dtype {target.dtype}", where,
                    "store the integer class index (0..K-1) in target")
    if int(target.min()) < 0 or int(target.max()) >= k:
        raise _fail(f"target values must be in 0..{k - 1}, found {int(target.min())}.."
                    f"{int(target.max())}", where, "use indices into record['class_names']")
    _check_probabilities(df[prob_columns(k)], where)
    dupes = df.duplicated(subset=["split", "sample_id"])
    if dupes.any():
        first = df.loc[dupes, ["split", "sample_id"]].iloc[0].tolist()
        raise _fail(f"{int(dupes.sum())} duplicate (split, sample_id) row(s), e.g. {first!r}",
                    where, "keep one prediction per sample and split")


def _check_probabilities(probs: pd.DataFrame, where: object) -> None:
    non_numeric = [c for c in probs.columns if not pd.api.types.is_numeric_dtype(probs[c].dtype)
                   or pd.api.types.is_bool_dtype(probs[c].dtype)]
    if non_numeric:
        raise _fail(f"probability column(s) {non_numeric!r} are not numeric", where,
                    "store float probabilities")
    values = probs.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(values).all():
        raise _fail(f"{int((~np.isfinite(values)).sum())} probability value(s) are NaN or "
                    "infinite", where, "fix the model output; a NaN score is a broken model")
    if values.min() < -1e-6 or values.max() > 1 + 1e-6:
        raise _fail(f"probabilities must lie in [0, 1], found {values.min():g}..{values.max():g}",
                    where, "store softmax/sigmoid probabilities, not logits")
    sums = values.sum(axis=1)
    worst = float(np.abs(sums - 1.0).max())
    if not math.isclose(worst, 0.0, abs_tol=_PROB_SUM_TOLERANCE):
        raise _fail(f"each row's probabilities must sum to 1, worst row sums to "
                    f"{sums[np.abs(sums - 1.0).argmax()]:g}", where,
                    "for a binary sigmoid output p store prob_0 = 1 - p and prob_1 = p")


def validate_history(df: object, where: object) -> None:
    """The training history (one row per epoch) must be a DataFrame with string column names."""
    if not isinstance(df, pd.DataFrame):
        raise StoreError(f"The training history must be a pandas DataFrame, got "
                         f"{type(df).__name__}.", where=where,
                         fix="pass pd.DataFrame(keras_history.history) (may be empty)")
    not_str = [c for c in df.columns if not isinstance(c, str)]
    if not_str:
        raise StoreError(f"History column names must be strings, got {not_str[:5]!r}.",
                         where=where, fix="name history columns like 'loss', 'val_auc'")
