"""The evaluation of one run, computed once, queried cheaply: what the dashboard holds.

Why this split (as in scikit-learn's ``*Display.from_predictions``): everything that does not
depend on the threshold - sorting the scores, ROC and PR curves, calibration, the DeLong AUC
and its CI - is computed once in :meth:`RunEvaluation.from_predictions`.  What depends on the
threshold is :meth:`RunEvaluation.at`, which needs two binary searches and 2 x ``n_boot``
binomial draws (see :mod:`core.evaluation.bootstrap`), so a threshold slider over ten runs
stays interactive.  Figures are built from these objects elsewhere (``display/``).

Threshold choice runs on the validation split only (:meth:`RunEvaluation.choose_threshold`);
the chosen threshold is then read on test with :meth:`RunEvaluation.at` or
:meth:`RunEvaluation.apply`.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Literal, Mapping

import numpy as np
import pandas as pd

from .bootstrap import BootstrapCIs, threshold_metric_cis
from .calibration import CalibrationResult, compute_calibration
from .curves import PrCurve, RocCurve, compute_pr, compute_roc, require_both_classes
from .delong import DelongAuc, delong_auc, delong_components, paired_delong_from_components
from .errors import EvaluationError, SampleMismatchError
from .frames import ScoredSamples, binary_split, check_predictions
from .groups import aggregate_groups
from .metrics import METRIC_NAMES, ThresholdMetrics, metrics_from_counts
from .multiclass import MulticlassResult, multiclass_from_predictions
from .paired import PairedComparison, align_runs, compare_paired
from .subgroups import subgroup_metrics
from .thresholds import (
    AppliedThreshold,
    Method,
    ThresholdChoice,
    apply_threshold,
    choose_threshold,
)

__all__ = ["OperatingPoint", "RunEvaluation", "auc_difference_matrix", "compare_runs",
           "pvalue_matrix"]

Level = Literal["sample", "group"]


@dataclass(frozen=True, eq=False)
class OperatingPoint:
    """One threshold on the test split: metrics, their bootstrap CIs and curve coordinates.

    ``roc_point`` is ``(fpr, tpr)`` and ``pr_point`` is ``(recall, precision)``: where the
    marker goes on the ROC and PR figures.
    """

    threshold: float
    metrics: ThresholdMetrics
    ci: BootstrapCIs
    roc_point: tuple[float, float]
    pr_point: tuple[float, float]

    def table(self) -> pd.DataFrame:
        """metric, estimate, ci_low, ci_high, note - one row per threshold metric."""
        rows = []
        for m in METRIC_NAMES:
            lo, hi = self.ci[m]
            note = self.metrics.undefined.get(m) or self.ci.notes.get(m, "")
            rows.append({"metric": m, "estimate": getattr(self.metrics, m),
                         "ci_low": lo, "ci_high": hi, "note": note})
        return pd.DataFrame(rows)


@dataclass(frozen=True, eq=False)
class RunEvaluation:
    """Threshold-free results of one binary run (or one-vs-rest view), computed once."""

    predictions: pd.DataFrame  # at the evaluated level (group-level when level == "group")
    positive_index: int
    level: str
    aggregate: str | None
    n_boot: int
    seed: int
    alpha: float
    test: ScoredSamples
    val: ScoredSamples | None
    roc: RocCurve
    pr: PrCurve
    calibration: CalibrationResult
    auc: DelongAuc

    @classmethod
    def from_predictions(
        cls, pred: pd.DataFrame, positive_index: int = 1, level: Level = "sample",
        aggregate: str = "mean", n_boot: int = 1000, seed: int = 0, *, top_k: int = 3,
        alpha: float = 0.05, calibration_bins: int = 10,
    ) -> RunEvaluation:
        """Evaluate a stored predictions frame (val rows optional, test rows required).

        ``level="group"`` first aggregates scores per group with ``aggregate`` ("mean", "max",
        "topk_mean" with ``top_k``), see :mod:`core.evaluation.groups`.  A test split with a
        single class raises :class:`SingleClassError`: ROC, AUC and sensitivity or
        specificity would all be undefined.
        """
        if level not in ("sample", "group"):
            raise ValueError(f"level must be 'sample' or 'group', got {level!r}")
        if int(n_boot) != n_boot or n_boot < 1:
            raise ValueError(f"n_boot must be a positive integer, got {n_boot}")
        check_predictions(pred)
        if level == "group":
            pred = aggregate_groups(pred, positive_index, aggregate, k=top_k)
        test = binary_split(pred, "test", positive_index, checked=True)
        val = None
        if (pred["split"].astype(str) == "val").any():
            val = binary_split(pred, "val", positive_index, checked=True)
            _ = val.sorted  # sort once now, not on the first threshold choice
        require_both_classes(test.y, "evaluation of the test split (ROC / AUC)")
        _ = test.sorted
        return cls(
            predictions=pred,
            positive_index=int(positive_index),
            level=level,
            aggregate=aggregate if level == "group" else None,
            n_boot=int(n_boot),
            seed=int(seed),
            alpha=float(alpha),
            test=test,
            val=val,
            roc=compute_roc(test.y, test.scores),
            pr=compute_pr(test.y, test.scores),
            calibration=compute_calibration(test.y, test.scores, n_bins=calibration_bins),
            auc=delong_auc(test.y, test.scores, alpha=alpha),
        )

    def at(self, threshold: float) -> OperatingPoint:
        """Test metrics, bootstrap CIs and curve coordinates at ``threshold`` (cheap)."""
        t = float(threshold)
        counts = self.test.sorted.counts(t)
        ci = threshold_metric_cis(counts, n_boot=self.n_boot, seed=self.seed, alpha=self.alpha)
        metrics = metrics_from_counts(counts, t, rates=ci.estimates)
        return OperatingPoint(
            threshold=t,
            metrics=metrics,
            ci=ci,
            roc_point=(metrics.fpr, metrics.sensitivity),
            pr_point=(metrics.sensitivity, metrics.precision),
        )

    def choose_threshold(
        self, method: Method = "youden", target: float | None = None
    ) -> ThresholdChoice:
        """Choose on the validation split (never test); raises when the run has no val rows."""
        if self.val is None:
            raise EvaluationError(
                "this run has no validation ('val') predictions, so no threshold can be chosen "
                "without tuning on test; use method='fixed' via .at(threshold) instead"
            )
        return choose_threshold(self.val, method, target)

    def apply(self, choice: ThresholdChoice) -> AppliedThreshold:
        """Validation and test metrics at a frozen validation threshold, side by side."""
        return apply_threshold(choice, self.test)

    def subgroups(self, column: str, threshold: float, **kwargs) -> pd.DataFrame:
        """Test metrics per value of a metadata column, see :func:`subgroup_metrics`."""
        return subgroup_metrics(self.predictions, column, threshold,
                                positive_index=self.positive_index, **kwargs)

    def multiclass(self, class_names=None) -> MulticlassResult:
        """K-class view of the test split (sample level only)."""
        if self.level != "sample":
            raise EvaluationError("the multiclass view is only available at sample level")
        return multiclass_from_predictions(self.predictions, class_names)

    def compare(
        self, other: RunEvaluation, threshold_self: float, threshold_other: float
    ) -> PairedComparison:
        """Paired DeLong, McNemar and bootstrap differences (self minus other)."""
        return compare_paired(self.test, other.test, threshold_self, threshold_other,
                              n_boot=self.n_boot, seed=self.seed, alpha=self.alpha)


_COMPARE_COLUMNS = ["run_a", "run_b", "n", "auc_a", "auc_b", "auc_difference", "ci_low",
                    "ci_high", "z", "p_value", "reason"]


def compare_runs(evals: Mapping[str, RunEvaluation], *, alpha: float = 0.05) -> pd.DataFrame:
    """Pairwise paired-DeLong tests, one row per pair (a before b in ``evals`` order).

    Runs evaluated on different samples (or at different levels) get NaN with the reason
    instead of an error, so one odd run does not blank the whole table.  Runs sharing their
    test samples are ranked once jointly, so 10 runs cost 10 rankings, not 45 pair tests.
    """
    names = list(evals)
    clusters: list[tuple[RunEvaluation, list[str], list[np.ndarray]]] = []
    for name in names:
        ev = evals[name]
        for rep, members, scores in clusters:
            if rep.level != ev.level:
                continue
            try:
                _, _, _, aligned = align_runs(rep.test, ev.test)
            except SampleMismatchError:
                continue
            members.append(name)
            scores.append(aligned)
            break
        else:
            clusters.append((ev, [name], [ev.test.scores]))
    results: dict[tuple[str, str], dict] = {}
    for rep, members, scores in clusters:
        if len(members) < 2:
            continue
        comp = delong_components(rep.test.y, np.vstack(scores))
        for i, j in combinations(range(len(members)), 2):
            d = paired_delong_from_components(comp, i, j, alpha=alpha)
            results[(members[i], members[j])] = {
                "n": rep.test.n, "auc_a": d.auc_a, "auc_b": d.auc_b,
                "auc_difference": d.difference, "ci_low": d.ci_low, "ci_high": d.ci_high,
                "z": d.z, "p_value": d.p_value, "reason": d.reason or "",
            }
    rows = []
    for a, b in combinations(names, 2):
        row = results.get((a, b))  # members keep the order of `evals`, so a precedes b
        if row is None:
            row = {"n": np.nan, "auc_a": evals[a].auc.auc, "auc_b": evals[b].auc.auc,
                   "auc_difference": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                   "z": np.nan, "p_value": np.nan, "reason": _mismatch_reason(evals[a], evals[b])}
        rows.append({"run_a": a, "run_b": b, **row})
    return pd.DataFrame(rows, columns=_COMPARE_COLUMNS)


def _mismatch_reason(a: RunEvaluation, b: RunEvaluation) -> str:
    if a.level != b.level:
        return f"evaluated at different levels ({a.level} vs {b.level})"
    try:
        align_runs(a.test, b.test)
    except SampleMismatchError as exc:
        return str(exc)
    return "not comparable"


def pvalue_matrix(comparison: pd.DataFrame) -> pd.DataFrame:
    """Square, symmetric run x run matrix of p-values from :func:`compare_runs` (NaN diagonal)."""
    return _pair_matrix(comparison, "p_value", antisymmetric=False)


def auc_difference_matrix(comparison: pd.DataFrame) -> pd.DataFrame:
    """Run x run matrix of AUC differences from :func:`compare_runs`: row minus column, so the
    lower triangle is the upper one negated (NaN diagonal; NaN for pairs that cannot be paired).
    Rows and columns in the order of :func:`pvalue_matrix`, so the two can be drawn together."""
    return _pair_matrix(comparison, "auc_difference", antisymmetric=True)


def _pair_matrix(comparison: pd.DataFrame, column: str, *, antisymmetric: bool) -> pd.DataFrame:
    names = list(dict.fromkeys(comparison["run_a"].tolist() + comparison["run_b"].tolist()))
    mat = pd.DataFrame(np.nan, index=names, columns=names)
    sign = -1.0 if antisymmetric else 1.0
    for a, b, value in comparison[["run_a", "run_b", column]].itertuples(index=False):
        mat.loc[a, b], mat.loc[b, a] = value, sign * value
    return mat
