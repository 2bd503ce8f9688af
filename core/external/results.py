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

from core.evaluation import (DelongAuc, EvaluationError, MulticlassResult, RunEvaluation,
                             ThresholdChoice, binary_split, choose_threshold,
                             multiclass_from_predictions)
from core.external.calibration import ExternalCalibration, logistic_recalibration
from core.external.errors import ExternalEvaluationError
from core.external.overlap import FLAG_COLUMN
from core.external.transfer import auc_drop
from core.store import StoredRun
from core.store.evaluations import StoredEvaluation

__all__ = ["FLAGGED", "ORACLE_LABEL", "RULES", "SOURCE_LABEL", "THRESHOLD_COLUMNS",
           "ExcludingOverlap", "ExternalResult", "excluding_overlap", "external_result",
           "frozen_choices", "one_vs_rest", "oracle_choices", "setup_of", "with_oracle"]

#: The threshold rules reported by default: (method, target) as in core.evaluation.thresholds.
RULES: tuple[tuple[str, float | None], ...] = (
    ("youden", None), ("sensitivity", 0.95), ("specificity", 0.95), ("cost", 1.0),
    ("fixed", 0.5))
ORACLE_LABEL = "oracle (external)"
SOURCE_LABEL = "source validation"
#: The columns of :attr:`ExternalResult.thresholds` (one row per rule and metric).
THRESHOLD_COLUMNS = ["rule", "chosen_on", "threshold", "metric", "estimate", "ci_low",
                     "ci_high", "note"]
#: The overlap flags (:data:`~core.external.overlap.FLAG_COLUMN`) of target images that
#: matched an image the run trained or validated on.
FLAGGED = ("exact", "near")


@dataclass(frozen=True)
class ExcludingOverlap:
    """The external AUC recomputed without the target images flagged as overlapping: how much
    of the external AUC the copies carry. ``auc`` is ``None`` (with ``reason``) when what is
    left cannot give one (no image left, or a single class)."""

    n_excluded: int
    auc: DelongAuc | None
    reason: str = ""

    @property
    def label(self) -> str:
        return f"excluding {self.n_excluded} overlapping images"


def setup_of(identity: dict) -> str:
    """A run's configuration in words, without its dataset: "model, strategy, profile, seed N",
    then a budget run's minutes and planner ("10 min (planner 6)", the words Compare's groups
    use, :func:`core.training.runsets.variant_words`): the key under which the transfer matrix
    puts runs trained on different datasets. A 10- and a 30-minute run are two setups; the
    augmentation a budget chose for its dataset's kind of images is left out, since it follows
    the source dataset, which the matrix's rows already are."""
    from core.training.runsets import variant_words

    words = (f"{identity.get('model')}, {identity.get('strategy')}, {identity.get('profile')}, "
             f"seed {identity.get('seed')}")
    budget = identity.get("budget")
    if isinstance(budget, dict) and isinstance(budget.get("seconds"), (int, float)):
        words += ", " + variant_words({"budget_s": str(float(budget["seconds"])),
                                       "planner": str(budget.get("planner"))})
    return words


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
    excluding_overlap: ExcludingOverlap | None = None  #: only when images were flagged
    setup: str = ""  #: the source run's configuration (:func:`setup_of`)

    @property
    def overlap(self) -> dict:
        return dict(self.evaluation.view.overlap)

    @property
    def overlapping(self) -> bool:
        return self.evaluation.view.overlapping

    @property
    def overlap_known(self) -> bool:
        """False for an imported model (its training images are unknown here); an evaluation
        stored before the ``known`` key was always checked."""
        return self.evaluation.view.overlap.get("known") is not False


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


def excluding_overlap(pred: pd.DataFrame, positive: int, level: str = "sample",
                      aggregate: str = "mean", *, alpha: float = 0.05
                      ) -> ExcludingOverlap | None:
    """The AUC (DeLong CI) on the external rows NOT flagged as overlapping, at ``level``;
    ``None`` when no row is flagged, or when the predictions carry no flags (an evaluation
    stored before the flags were: unknown, so no row is claimed). At patient level a patient
    keeps the images that were not flagged."""
    if FLAG_COLUMN not in pred.columns:
        return None
    external = pred[pred["split"].astype(str) == "test"]
    flagged = external[FLAG_COLUMN].isin(FLAGGED)
    if not flagged.any():
        return None
    kept = external[~flagged]
    if kept.empty:
        return ExcludingOverlap(int(flagged.sum()), None, "every image was flagged")
    try:
        auc = RunEvaluation.from_predictions(kept, positive, level, aggregate, n_boot=1,
                                             alpha=alpha).auc
    except EvaluationError as exc:
        return ExcludingOverlap(int(flagged.sum()), None, exc.problem)
    return ExcludingOverlap(int(flagged.sum()), auc)


def one_vs_rest(evaluation: StoredEvaluation, positive_index: int, *, level: str = "sample",
                aggregate: str = "mean", n_boot: int = 1000, seed: int = 0,
                alpha: float = 0.05) -> RunEvaluation:
    """A multiclass run's evaluation seen as class ``positive_index`` against the others: the
    source run's validation rows as ``val`` (every threshold rule is chosen there, frozen),
    the external set as ``test`` (the binary view the Errors page lists a multiclass run's
    mistakes in, as it does for the run's own test split)."""
    classes = evaluation.view.class_names
    if not 0 <= int(positive_index) < len(classes):
        raise ExternalEvaluationError(f"Class {positive_index} is not one of the run's "
                                      f"{len(classes)} classes.")
    return RunEvaluation.from_predictions(_separate_groups(evaluation.predictions()),
                                          int(positive_index), level, aggregate,
                                          n_boot=n_boot, seed=seed, alpha=alpha)


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
                              multiclass_from_predictions(pred, run.class_names),
                              setup=setup_of(run.identity))
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
                          pd.concat(rows, ignore_index=True)[THRESHOLD_COLUMNS],
                          excluding_overlap=excluding_overlap(pred, positive, level, aggregate,
                                                              alpha=alpha),
                          setup=setup_of(run.identity))


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
