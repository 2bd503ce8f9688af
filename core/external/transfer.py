"""The transfer matrix: how a model trained on one dataset does on each other dataset.

Rows are training datasets, columns test datasets. A cell holds the test AUC with its DeLong
95% CI; off the diagonal (external validation) also the **drop** from the same model's internal
test AUC (internal minus external, positive = worse outside), with a CI.

The drop's CI is **unpaired**: the internal and the external test sets are different images,
so the two AUC estimates are independent and the variance of their difference is the sum of
the two DeLong variances, ``se = sqrt(var_internal + var_external)``, and the interval is
``drop -/+ z * se`` (a Wald interval on the AUC scale, z = 1.96 for 95%). The paired DeLong
test (:func:`core.evaluation.delong_test`) does not apply: there is no sample both AUCs share.
When either variance is undefined (too few cases of a class, perfect separation), the drop's
interval is NaN, with the reason.

A row is one source run (``source``: its training dataset's name, or that name and the run's
id when two runs of one matrix were trained on the same dataset), so two runs never share a row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from core.evaluation import DelongAuc

__all__ = ["TRANSFER_COLUMNS", "TransferCell", "auc_drop", "transfer_matrix", "transfer_table"]

TRANSFER_COLUMNS = ("source", "train_dataset", "test_dataset", "external", "auc", "ci_low",
                    "ci_high", "internal_auc", "drop", "drop_ci_low", "drop_ci_high", "reason")


@dataclass(frozen=True)
class TransferCell:
    """One model on one test set: ``auc`` there, ``internal`` its own dataset's test AUC;
    ``row`` the matrix row it sits in (default: the training dataset)."""

    train_dataset: str
    test_dataset: str
    auc: DelongAuc
    internal: DelongAuc
    row: str = ""

    @property
    def source(self) -> str:
        return self.row or self.train_dataset


def auc_drop(internal: DelongAuc, external: DelongAuc, *, alpha: float = 0.05
             ) -> tuple[float, float, float, str]:
    """``(drop, ci_low, ci_high, reason)``: internal minus external AUC, unpaired Wald CI."""
    drop = internal.auc - external.auc
    reasons = [r for r in (internal.reason, external.reason) if r]
    if reasons or not (np.isfinite(internal.variance) and np.isfinite(external.variance)):
        return drop, float("nan"), float("nan"), "; ".join(reasons) or "variance undefined"
    half = float(norm.ppf(1 - alpha / 2)) * float(np.sqrt(internal.variance + external.variance))
    return drop, drop - half, drop + half, ""


def transfer_matrix(cells: Iterable[TransferCell], *, alpha: float = 0.05) -> pd.DataFrame:
    """Long table (one row per cell, :data:`TRANSFER_COLUMNS`); a diagonal cell (same dataset)
    is the internal test AUC, without a drop. Two cells for one (row, test) pair are refused:
    pick one model per training dataset (or give each its own ``row``) first."""
    rows, seen = [], set()
    for cell in cells:
        key = (cell.source, cell.test_dataset)
        if key in seen:
            raise ValueError(f"two results for training set {key[0]!r} on test set {key[1]!r}; "
                             "choose one model per training dataset")
        seen.add(key)
        external = cell.train_dataset != cell.test_dataset
        if external:
            drop, lo, hi, reason = auc_drop(cell.internal, cell.auc, alpha=alpha)
        else:
            drop, lo, hi, reason = 0.0, float("nan"), float("nan"), ""
        rows.append({"source": cell.source, "train_dataset": cell.train_dataset,
                     "test_dataset": cell.test_dataset,
                     "external": external, "auc": cell.auc.auc, "ci_low": cell.auc.ci_low,
                     "ci_high": cell.auc.ci_high, "internal_auc": cell.internal.auc,
                     "drop": drop, "drop_ci_low": lo, "drop_ci_high": hi,
                     "reason": reason or (cell.auc.reason or "")})
    return pd.DataFrame(rows, columns=list(TRANSFER_COLUMNS))


def transfer_table(long: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """The matrix as text (rows: training sets, columns: test sets), each cell
    ``"AUC [lo, hi]"`` plus ``" drop d [lo, hi]"`` off the diagonal; empty where not run."""
    def text(r) -> str:
        auc = f"{r.auc:.{digits}f} [{r.ci_low:.{digits}f}, {r.ci_high:.{digits}f}]"
        if not r.external:
            return auc + " (internal)"
        return auc + f" drop {r.drop:+.{digits}f} [{r.drop_ci_low:+.{digits}f}, " \
            f"{r.drop_ci_high:+.{digits}f}]"
    cells = long.assign(cell=[text(r) for r in long.itertuples()])
    table = cells.pivot(index="source", columns="test_dataset", values="cell")
    return table.fillna("").rename_axis(index="trained on", columns="tested on")
