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
from .decision import binary_class_names, decide, negative_class_name
from .evaluate import (
    OperatingPoint,
    RunEvaluation,
    auc_difference_matrix,
    compare_runs,
    pvalue_matrix,
)
from .frames import ScoredSamples, binary_split, check_predictions
from .groups import GroupLeakError, aggregate_groups
from .metrics import METRIC_NAMES, ThresholdMetrics, metrics_at_threshold
from .misclassified import ERROR_COLUMNS, FALSE_NEGATIVE, FALSE_POSITIVE, misclassified
from .multiclass import MulticlassResult, evaluate_multiclass, multiclass_from_predictions
from .paired import McNemarResult, PairedComparison, align_runs, compare_paired, mcnemar_test
from .subgroups import (
    age_bands,
    binned_column,
    metadata_columns,
    subgroup_metrics,
    subgroup_table,
)
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
    "ERROR_COLUMNS",
    "EmptyInputError",
    "EvaluationError",
    "FALSE_NEGATIVE",
    "FALSE_POSITIVE",
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
    "auc_difference_matrix",
    "binary_class_names",
    "binary_split",
    "binned_column",
    "check_predictions",
    "choose_threshold",
    "compare_paired",
    "compare_runs",
    "compute_calibration",
    "compute_pr",
    "compute_roc",
    "cross_validated_roc",
    "decide",
    "delong_auc",
    "delong_test",
    "evaluate_multiclass",
    "mcnemar_test",
    "metadata_columns",
    "metrics_at_threshold",
    "misclassified",
    "multiclass_from_predictions",
    "negative_class_name",
    "paired_bootstrap_difference",
    "pvalue_matrix",
    "roc_folds_from_predictions",
    "subgroup_metrics",
    "subgroup_table",
    "threshold_metric_cis",
]
