"""Reading a stored predictions frame into validated per-split arrays.

Why a module of its own: every evaluation entry point (the run evaluation, group aggregation,
subgroups, multiclass) starts from the same stored frame, so its schema is checked in one place
and a malformed frame fails with one message naming the problem, instead of a KeyError deep in
a metric or - worse - a silently wrong number.

Schema (shared contract): ``sample_id, group, split ('val'|'test'), target (int), label (str),
prob_0 .. prob_{K-1}, meta_*``.  For a binary view of a run the score is
``prob_{positive_index}`` and ``y_true = (target == positive_index)``; with K > 2 that is the
one-vs-rest view of the positive class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from .counts import SortedScores
from .errors import EmptyInputError, EvaluationError, check_binary_inputs

__all__ = [
    "REQUIRED_COLUMNS",
    "SPLITS",
    "ScoredSamples",
    "prob_columns",
    "check_predictions",
    "binary_split",
]

REQUIRED_COLUMNS: tuple[str, ...] = ("sample_id", "group", "split", "target")
SPLITS: tuple[str, ...] = ("val", "test")
_PROB_RE = re.compile(r"^prob_(\d+)$")


def prob_columns(pred: pd.DataFrame) -> list[str]:
    """``prob_0 .. prob_{K-1}`` in class order; raises when the numbering has gaps."""
    found = sorted(int(m.group(1)) for c in pred.columns if (m := _PROB_RE.match(str(c))))
    if not found:
        raise EvaluationError("predictions frame has no prob_<k> columns")
    if found != list(range(len(found))):
        raise EvaluationError(f"prob_<k> columns must be prob_0..prob_{{K-1}}; found {found}")
    if len(found) < 2:
        raise EvaluationError("predictions need at least two class-probability columns")
    return [f"prob_{k}" for k in found]


def check_predictions(pred: pd.DataFrame) -> list[str]:
    """Validate the shared schema; return the probability columns.

    Checks the things that would otherwise give a wrong number without any error: unknown
    split names (rows silently ignored), targets outside ``0..K-1``, a sample id repeated
    within a split (that sample would count twice).
    """
    if not isinstance(pred, pd.DataFrame):
        raise TypeError(f"predictions must be a pandas DataFrame, got {type(pred).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in pred.columns]
    if missing:
        raise EvaluationError(f"predictions frame lacks required column(s) {missing}")
    probs = prob_columns(pred)
    bad_split = sorted(set(pred["split"].astype(str).unique()) - set(SPLITS))
    if bad_split:
        raise EvaluationError(f"split must be 'val' or 'test'; found {bad_split[:5]}")
    target = pred["target"]
    if target.isna().any():
        raise EvaluationError(f"{int(target.isna().sum())} rows have no target")
    t = target.to_numpy()
    if t.dtype.kind not in "iu" and not (t.dtype.kind == "f" and np.all(t == np.round(t))):
        raise EvaluationError(f"target must hold integer class indices, got dtype {t.dtype}")
    out_of_range = (t < 0) | (t >= len(probs))
    if out_of_range.any():
        raise EvaluationError(
            f"{int(out_of_range.sum())} targets fall outside 0..{len(probs) - 1} "
            f"(the frame has {len(probs)} prob_<k> columns)"
        )
    dup = pred.duplicated(subset=["split", "sample_id"])
    if dup.any():
        first = pred.loc[dup, "sample_id"].iloc[0]
        raise EvaluationError(
            f"{int(dup.sum())} sample_id(s) repeated within a split (e.g. {first!r}); "
            "each sample must appear once per split"
        )
    return probs


@dataclass(frozen=True, eq=False)
class ScoredSamples:
    """One split of one binary run: ids, 0/1 truth and positive-class scores, aligned.

    ``split`` travels with the arrays so that threshold selection can refuse anything that is
    not validation data (see :func:`core.evaluation.thresholds.choose_threshold`).
    """

    ids: pd.Index
    y: np.ndarray
    scores: np.ndarray
    split: str

    def __post_init__(self) -> None:
        y, s = check_binary_inputs(self.y, self.scores, name=f"{self.split} scores")
        # A pandas Index (hash-based look-ups) shares the frame's string storage: no copy of
        # 50,000 ids per run, and aligning two runs is one get_indexer call.
        ids = self.ids if isinstance(self.ids, pd.Index) else pd.Index(np.asarray(self.ids))
        if ids.shape != y.shape:
            raise EvaluationError(f"{ids.shape[0]} ids for {y.shape[0]} samples")
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "scores", s)

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    @cached_property
    def sorted(self) -> SortedScores:
        """Sorted once on first use; every threshold look-up after that is O(log n)."""
        return SortedScores(self.y, self.scores)


def binary_split(
    pred: pd.DataFrame, split: str, positive_index: int = 1, *, checked: bool = False
) -> ScoredSamples:
    """The rows of ``split`` as a :class:`ScoredSamples` (positive class vs the rest).

    Raises :class:`EmptyInputError` when the split has no rows, naming the split.
    """
    if split not in SPLITS:
        raise EvaluationError(f"split must be one of {SPLITS}, got {split!r}")
    probs = prob_columns(pred) if checked else check_predictions(pred)
    if not 0 <= positive_index < len(probs):
        raise EvaluationError(
            f"positive_index={positive_index} but the run has {len(probs)} classes"
        )
    rows = pred[pred["split"].astype(str) == split]
    if rows.empty:
        raise EmptyInputError(f"the predictions have no {split!r} rows")
    col = f"prob_{positive_index}"
    return ScoredSamples(
        ids=pd.Index(rows["sample_id"]),
        y=(rows["target"].to_numpy() == positive_index).astype(np.int8),
        scores=rows[col].to_numpy(dtype=np.float64),
        split=split,
    )
