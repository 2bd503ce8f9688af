"""What an external evaluation says, recomputed from its stored predictions.

Every threshold rule is chosen on the **source** run's validation split (the stored ``val``
rows) and frozen for the external set (the stored ``test`` rows): the numbers are what a
hospital adopting the model with its published threshold would see. Re-choosing a threshold on
the external set is possible only on request (``oracle=True``) and is labelled
:data:`ORACLE_LABEL` in every row it produces: it is optimistic by construction.

Patient / lesion level (``level="group"``) aggregates each part's sample scores per group with
:func:`core.evaluation.aggregate_groups` (mean score; a group is positive if any of its
samples is), the source validation rows and the external rows apart: the two come from
different datasets, so a group id they happen to share is not the same patient.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from core.evaluation import (DelongAuc, MulticlassResult, RunEvaluation, ThresholdChoice,
                             binary_split, choose_threshold,
                             multiclass_from_predictions)
from core.external.calibration import ExternalCalibration, logistic_recalibration
from core.external.errors import ExternalEvaluationError
from core.external.transfer import TransferCell, auc_drop, transfer_matrix
from core.store import StoredRun
from core.store.evaluations import StoredEvaluation

__all__ = ["CALIBRATION_COLUMNS", "ORACLE_LABEL", "RULES", "SOURCE_LABEL", "THRESHOLD_COLUMNS",
           "ExternalResult", "external_result", "frozen_choices", "oracle_choices",
           "transfer_long", "with_oracle"]

#: The threshold rules reported by default: (method, target) as in core.evaluation.thresholds.
RULES: tuple[tuple[str, float | None], ...] = (
    ("youden", None), ("sensitivity", 0.95), ("specificity", 0.95), ("cost", 1.0),
    ("fixed", 0.5))
ORACLE_LABEL = "oracle (external)"
SOURCE_LABEL = "source validation"
#: The columns of :attr:`ExternalResult.thresholds` (one row per rule and metric).
THRESHOLD_COLUMNS = ["rule", "chosen_on", "threshold", "metric", "estimate", "ci_low",
                     "ci_high", "note"]


@dataclass(frozen=True, eq=False)
class ExternalResult:
    """One external evaluation at one level: the threshold-free evaluation, the internal
    comparison, calibration and the metrics at every frozen (and, on request, oracle) rule."""

    evaluation: StoredEvaluation
    label: str  # "trained on A, tested on B"
    level: str
    run_evaluation: RunEvaluation | None  # binary runs: val = source val, test = external
    internal: DelongAuc | None  # the run's own test AUC, same level
    drop: tuple[float, float, float, str] | None  # internal - external, unpaired CI, reason
    calibration: ExternalCalibration | None
    thresholds: pd.DataFrame  # rule, chosen_on, threshold, metric, estimate, ci_low, ci_high
    multiclass: MulticlassResult | None = None

    @property
    def overlap(self) -> dict:
        return dict(self.evaluation.view.overlap)

    @property
    def overlapping(self) -> bool:
        return self.evaluation.view.overlapping


def frozen_choices(ev: RunEvaluation, rules: Sequence[tuple[str, float | None]] = RULES
                   ) -> list[ThresholdChoice]:
    """Each rule's threshold chosen on the source run's validation rows (never external)."""
    return [ev.choose_threshold(method, target) for method, target in rules]


def oracle_choices(ev: RunEvaluation, rules: Sequence[tuple[str, float | None]] = RULES
                   ) -> list[ThresholdChoice]:
    """Each rule re-chosen on the external rows themselves: ORACLE, optimistic by design."""
    external = ev.predictions[ev.predictions["split"].astype(str) == "test"]
    as_val = binary_split(external.assign(split="val"), "val", ev.positive_index)
    return [choose_threshold(as_val, method, target) for method, target in rules]


def _threshold_rows(ev: RunEvaluation, choices: list[ThresholdChoice], chosen_on: str
                    ) -> list[pd.DataFrame]:
    frames = []
    for choice in choices:
        rule = choice.label.replace(" (val)", "")
        table = ev.at(choice.threshold).table()
        frames.append(table.assign(rule=rule, chosen_on=chosen_on, threshold=choice.threshold))
    return frames


def _separate_groups(pred: pd.DataFrame) -> pd.DataFrame:
    """The source's validation groups renamed ``source/<id>``: another dataset's patients,
    aggregated apart from the external ones (and never taken for a leak between the two)."""
    is_val = pred["split"].astype(str) == "val"
    group = pred["group"].astype(str).where(~is_val, "source/" + pred["group"].astype(str))
    return pred.assign(group=group)


def external_result(evaluation: StoredEvaluation, run: StoredRun, *, level: str = "sample",
                    aggregate: str = "mean", oracle: bool = False,
                    rules: Sequence[tuple[str, float | None]] = RULES, n_boot: int = 1000,
                    seed: int = 0, alpha: float = 0.05) -> ExternalResult:
    """Recompute an evaluation's numbers from its stored predictions (and the run's, for the
    internal test AUC at the same level and with the same group ``aggregate``)."""
    if run.run_id != evaluation.run_id:
        raise ExternalEvaluationError(f"Evaluation {evaluation.evaluation_id} is of run "
                                      f"{evaluation.run_id}, not of run {run.run_id}.")
    label, positive = evaluation.view.label, evaluation.view.positive_index
    pred = evaluation.predictions()
    if positive is None or len(run.class_names) != 2:
        if level != "sample":
            raise ExternalEvaluationError("Patient level needs a binary run.",
                                          fix="evaluate at sample level")
        return ExternalResult(evaluation, label, level, None, None, None, None, pd.DataFrame(),
                              multiclass_from_predictions(pred, run.class_names))
    if level == "group" and not evaluation.view.has_groups:
        raise ExternalEvaluationError(
            f"Dataset {evaluation.view.dataset!r} has no patient or lesion ids, so "
            "there is no patient level.", fix="evaluate at sample level")
    ev = RunEvaluation.from_predictions(_separate_groups(pred), positive, level, aggregate,
                                        n_boot=n_boot, seed=seed, alpha=alpha)
    own = RunEvaluation.from_predictions(run.predictions(), positive, level, aggregate,
                                         n_boot=1, alpha=alpha).auc
    rows = _threshold_rows(ev, frozen_choices(ev, rules), SOURCE_LABEL)
    if oracle:
        rows += _threshold_rows(ev, oracle_choices(ev, rules), ORACLE_LABEL)
    return ExternalResult(evaluation, label, level, ev, own, auc_drop(own, ev.auc, alpha=alpha),
                          logistic_recalibration(ev.test.y, ev.test.scores, alpha=alpha),
                          pd.concat(rows, ignore_index=True)[THRESHOLD_COLUMNS])


def with_oracle(result: ExternalResult,
                rules: Sequence[tuple[str, float | None]] = RULES) -> pd.DataFrame:
    """``result.thresholds`` with each rule then re-chosen on the external set itself, those
    rows labelled :data:`ORACLE_LABEL` in ``chosen_on`` (what ``oracle=True`` adds, for a
    result computed without it; an empty table for a multiclass result). Optimistic by
    construction: the threshold saw the very cases it is scored on."""
    ev = result.run_evaluation
    if ev is None:
        return result.thresholds
    rows = [result.thresholds, *_threshold_rows(ev, oracle_choices(ev, rules), ORACLE_LABEL)]
    return pd.concat(rows, ignore_index=True)[THRESHOLD_COLUMNS]


CALIBRATION_COLUMNS = ("citl", "citl_ci_low", "citl_ci_high", "slope", "slope_ci_low",
                       "slope_ci_high", "overlapping")


def transfer_long(results: Sequence[ExternalResult], *, alpha: float = 0.05) -> pd.DataFrame:
    """One model's transfer matrix as a long table (:func:`transfer_matrix`'s columns, then
    :data:`CALIBRATION_COLUMNS` for the external cells): each binary result's external AUC and
    its drop, plus one diagonal cell per training dataset (the run's internal test AUC). Two
    results for one (training set, test set) pair raise ``ValueError`` (choose one run)."""
    binary = [r for r in results if r.run_evaluation is not None]
    cells, calibration = [], {}
    for r in binary:
        view = r.evaluation.view
        source, target = str(view.source_dataset), str(view.dataset)
        cells.append(TransferCell(source, target, r.run_evaluation.auc, r.internal))
        c = r.calibration
        calibration[(source, target)] = (c.citl, *c.citl_ci, c.slope, *c.slope_ci,
                                         r.overlapping)
    diagonal = {str(r.evaluation.view.source_dataset): r.internal for r in binary}
    cells += [TransferCell(d, d, auc, auc) for d, auc in diagonal.items()
              if (d, d) not in calibration]
    long = transfer_matrix(cells, alpha=alpha)
    extra = pd.DataFrame([calibration.get((a, b), (float("nan"),) * 6 + (False,))
                          for a, b in zip(long["train_dataset"], long["test_dataset"])],
                         columns=list(CALIBRATION_COLUMNS), index=long.index)
    return pd.concat([long, extra], axis=1)
