"""External validation: a stored run's model evaluated on another dataset.

``evaluate_external`` predicts once and stores an **evaluation** in the results store
(:mod:`core.store.evaluations`); ``external_result`` recomputes its numbers from the stored
predictions: the AUC with its DeLong CI and its drop from the run's internal test AUC, the
metrics with bootstrap CIs at every threshold rule frozen from the source run's validation
split (an "oracle (external)" re-choice only on request), calibration-in-the-large and slope.
``transfer_matrix`` lays many of them out, training sets by test sets, one matrix per source
configuration (``transfer_groups``); ``describe_external`` describes each external set
(TRIPOD-AI: size, events, prevalence, risks, images left out, overlap, mapping, split).
Importing this package does not import TensorFlow; predicting does.
"""

from __future__ import annotations

from core.external.calibration import ExternalCalibration, logistic_recalibration
from core.external.describe import DESCRIPTION_COLUMNS, describe_external
from core.external.errors import ExternalEvaluationError, UnmappedClassError
from core.external.evaluate import SPLITS, Target, evaluate_external, prepare, target_rows
from core.external.mapping import parse_mapping, resolve_mapping
from core.external.matrix import (CALIBRATION_COLUMNS, TransferGroup, row_labels,
                                  transfer_groups, transfer_long)
from core.external.overlap import (FLAG_COLUMN, UNKNOWN_IMPORTED, Overlap, average_hash,
                                   count_overlap, hash_distance, image_keys, overlap_flags)
from core.external.results import (FLAGGED, ORACLE_LABEL, RULES, SOURCE_LABEL,
                                   THRESHOLD_COLUMNS, ExcludingOverlap, ExternalResult,
                                   excluding_overlap, external_result, frozen_choices,
                                   one_vs_rest, oracle_choices, setup_of, with_oracle)
from core.external.transfer import (TRANSFER_COLUMNS, TransferCell, auc_drop, transfer_matrix,
                                    transfer_table)

__all__ = [
    "CALIBRATION_COLUMNS", "DESCRIPTION_COLUMNS", "FLAGGED", "FLAG_COLUMN", "ORACLE_LABEL",
    "RULES", "SOURCE_LABEL", "SPLITS", "THRESHOLD_COLUMNS", "TRANSFER_COLUMNS",
    "UNKNOWN_IMPORTED", "ExcludingOverlap", "ExternalCalibration", "ExternalEvaluationError",
    "ExternalResult", "Overlap", "Target", "TransferCell", "TransferGroup",
    "UnmappedClassError", "auc_drop", "average_hash", "count_overlap", "describe_external",
    "evaluate_external", "excluding_overlap", "external_result", "frozen_choices",
    "hash_distance", "image_keys", "logistic_recalibration", "one_vs_rest", "oracle_choices",
    "overlap_flags",
    "parse_mapping", "prepare", "resolve_mapping", "row_labels", "setup_of", "target_rows",
    "transfer_groups", "transfer_long", "transfer_matrix", "transfer_table", "with_oracle",
]
