"""Evaluation core: every number a clinician asks for, with its uncertainty.

Pure functions and frozen result objects (no Streamlit, no TensorFlow): results are computed
once and figures are built from them elsewhere (``core.evaluation.display``).  Start with
:class:`RunEvaluation`; the modules below it can be used on their own.
"""

from __future__ import annotations

from .bootstrap import (
    BootstrapCIs,
    Interval,
    paired_bootstrap_difference,
    threshold_metric_cis,
)
from .calibration import CalibrationResult, compute_calibration
from .counts import ConfusionCounts, SortedScores
from .crossval import CrossValRoc, cross_validated_roc, roc_folds_from_predictions
from .curves import PrCurve, RocCurve, compute_pr, compute_roc
from .delong import DelongAuc, PairedDelong, delong_auc, delong_test
from .errors import (
    EmptyInputError,
    EvaluationError,
    SampleMismatchError,
    SingleClassError,
)
from .evaluate import OperatingPoint, RunEvaluation, compare_runs, pvalue_matrix
from .frames import ScoredSamples, binary_split, check_predictions
from .groups import GroupLeakError, aggregate_groups
from .metrics import METRIC_NAMES, ThresholdMetrics, metrics_at_threshold
from .multiclass import MulticlassResult, evaluate_multiclass, multiclass_from_predictions
from .paired import McNemarResult, PairedComparison, align_runs, compare_paired, mcnemar_test
from .subgroups import age_bands, subgroup_metrics
from .thresholds import (
    METHODS,
    AppliedThreshold,
    ThresholdChoice,
    apply_threshold,
    choose_threshold,
)

__all__ = [
    "AppliedThreshold",
    "BootstrapCIs",
    "CalibrationResult",
    "ConfusionCounts",
    "CrossValRoc",
    "DelongAuc",
    "EmptyInputError",
    "EvaluationError",
    "GroupLeakError",
    "Interval",
    "METHODS",
    "METRIC_NAMES",
    "McNemarResult",
    "MulticlassResult",
    "OperatingPoint",
    "PairedComparison",
    "PairedDelong",
    "PrCurve",
    "RocCurve",
    "RunEvaluation",
    "SampleMismatchError",
    "ScoredSamples",
    "SingleClassError",
    "SortedScores",
    "ThresholdChoice",
    "ThresholdMetrics",
    "age_bands",
    "aggregate_groups",
    "align_runs",
    "apply_threshold",
    "binary_split",
    "check_predictions",
    "choose_threshold",
    "compare_paired",
    "compare_runs",
    "compute_calibration",
    "compute_pr",
    "compute_roc",
    "cross_validated_roc",
    "delong_auc",
    "delong_test",
    "evaluate_multiclass",
    "mcnemar_test",
    "metrics_at_threshold",
    "multiclass_from_predictions",
    "paired_bootstrap_difference",
    "pvalue_matrix",
    "roc_folds_from_predictions",
    "subgroup_metrics",
    "threshold_metric_cis",
]
