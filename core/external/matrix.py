"""Which external results share a transfer matrix, and each matrix's long table.

One grouping for the command line and the Compare page: a matrix per source-run
**configuration** (:func:`~core.external.results.setup_of`: model, strategy, profile, seed, and a
budget run's minutes and planner),
so that runs of one model with another strategy or seed never share a row; rows are the runs'
training datasets, and when two runs of one configuration were trained on the same dataset
(other recipe overrides, say) each row names its run. Grouping by the architecture's name alone
put such runs in one row, the last one's internal AUC silently on its diagonal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from core.external.results import ExternalResult
from core.external.transfer import TransferCell, transfer_matrix

__all__ = ["CALIBRATION_COLUMNS", "TransferGroup", "row_labels", "transfer_groups",
           "transfer_long"]

CALIBRATION_COLUMNS = ("citl", "citl_ci_low", "citl_ci_high", "slope", "slope_ci_low",
                       "slope_ci_high", "overlapping")


@dataclass(frozen=True)
class TransferGroup:
    """The results of one configuration: ``name`` is the model's name, or the whole
    configuration when the model has several among the results."""

    name: str
    setup: str
    results: tuple[ExternalResult, ...]


def transfer_groups(results: Sequence[ExternalResult]) -> list[TransferGroup]:
    """The results by source-run configuration, in the order each first appears."""
    by_setup: dict[str, list[ExternalResult]] = {}
    for r in results:
        by_setup.setdefault(r.setup, []).append(r)
    models = {s: str(rs[0].evaluation.view.model) for s, rs in by_setup.items()}
    shared = {m for m in models.values() if list(models.values()).count(m) > 1}
    return [TransferGroup(models[s] if models[s] not in shared else s, s, tuple(rs))
            for s, rs in by_setup.items()]


def row_labels(results: Sequence[ExternalResult]) -> dict[str, str]:
    """run id -> its matrix row: the training dataset, plus ``· run <id>`` when another run
    among ``results`` was trained on the same dataset."""
    runs: dict[str, set[str]] = {}
    for r in results:
        runs.setdefault(str(r.evaluation.view.source_dataset), set()).add(r.evaluation.run_id)
    return {rid: (source if len(rids) == 1 else f"{source} · run {rid}")
            for source, rids in runs.items() for rid in rids}


def _cells(r: ExternalResult, row: str) -> list[TransferCell]:
    """The result's external cell and, when images were flagged, its cell without them."""
    view = r.evaluation.view
    source, target = str(view.source_dataset), str(view.dataset)
    cells = [TransferCell(source, target, r.run_evaluation.auc, r.internal, row)]
    excluded = r.excluding_overlap
    if excluded is not None and excluded.auc is not None:
        cells.append(TransferCell(source, f"{target} {excluded.label}", excluded.auc,
                                  r.internal, row))
    return cells


def transfer_long(results: Sequence[ExternalResult], *, alpha: float = 0.05) -> pd.DataFrame:
    """One matrix as a long table (:func:`transfer_matrix`'s columns, then
    :data:`CALIBRATION_COLUMNS` for the external cells): each binary result's external AUC and
    its drop, its AUC without the overlapping images when some were flagged (a column
    "TARGET excluding N overlapping images"), plus one diagonal cell per source run (its
    internal test AUC). ``overlapping`` is ``None`` where the overlap is unknown (an imported
    model). One run evaluated twice on one test set raises ``ValueError`` (choose one)."""
    binary = [r for r in results if r.run_evaluation is not None]
    rows = row_labels(binary)
    cells, calibration, diagonal = [], {}, {}
    for r in binary:
        row = rows[r.evaluation.run_id]
        new = _cells(r, row)
        cells += new
        c = r.calibration
        calibration[(row, new[0].test_dataset)] = (
            c.citl, *c.citl_ci, c.slope, *c.slope_ci, r.overlapping if r.overlap_known else None)
        diagonal[row] = (str(r.evaluation.view.source_dataset), r.internal)
    cells += [TransferCell(d, d, auc, auc, row) for row, (d, auc) in diagonal.items()
              if (row, d) not in calibration]
    long = transfer_matrix(cells, alpha=alpha)
    extra = pd.DataFrame([calibration.get((a, b), (float("nan"),) * 6 + (False,))
                          for a, b in zip(long["source"], long["test_dataset"])],
                         columns=list(CALIBRATION_COLUMNS), index=long.index)
    return pd.concat([long, extra], axis=1)
