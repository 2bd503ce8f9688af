"""Metrics tables: one for reading (values with CIs as text), one for CSV download.

Why two tables from one function family: the reader needs "0.912
(0.880–0.940)" in one cell, while a spreadsheet needs numbers it can sort
and re-analyse, so the numeric twin splits each interval into ``<metric>_ci_low``
and ``<metric>_ci_high`` columns.  Both share one stable column order so a
column never jumps around between reruns.

Run names stay raw in the DataFrame (Streamlit displays cell text
literally); :func:`core.evaluation.display.report_html` escapes them when it
renders HTML.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Integral, Real
from typing import Any

import pandas as pd

from ..metrics import METRIC_NAMES
from ._format import as_estimate, format_estimate, format_number

__all__ = ["COLUMN_ORDER", "metrics_table", "metrics_table_numeric", "table_columns"]

RUN_COLUMN = "run"
#: Known columns in display order; others follow in first-seen order.
COLUMN_ORDER: tuple[str, ...] = (
    RUN_COLUMN, "model", "n", "n_pos", "n_neg", "prevalence",
    "auc", "average_precision", "brier", "ece", "threshold",
    *METRIC_NAMES,
    "tp", "fp", "tn", "fn",
)
MISSING = "\u2014"  # not reported for this run (distinct from "n/a": reported but undefined)


def table_columns(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None
                  ) -> list[str]:
    """The column order both tables use: ``columns`` if given, else known order then the rest."""
    for i, row in enumerate(rows):
        if RUN_COLUMN not in row:
            raise ValueError(f"row {i} has no {RUN_COLUMN!r} key")
    if columns is not None:
        return [RUN_COLUMN, *(c for c in columns if c != RUN_COLUMN)]
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    known = [c for c in COLUMN_ORDER if c in seen]
    return known + [c for c in seen if c not in COLUMN_ORDER]


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _cell_text(value: Any, digits: int) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return MISSING
    if isinstance(value, Integral) and not isinstance(value, bool):
        return str(int(value))
    if _is_number(value):
        return format_number(float(value), digits)
    return format_estimate(as_estimate(value), digits=digits)


def metrics_table(
    rows: Sequence[Mapping[str, Any]],
    *,
    columns: Sequence[str] | None = None,
    digits: int = 3,
) -> pd.DataFrame:
    """Display table: one row per run, every cell a string.

    Each row maps ``"run"`` plus column -> a number, a string, an
    ``Estimate`` or ``(value, (low, high))``.  NaN shows as "n/a" (defined
    nowhere here); a column a run does not report shows as "—".
    """
    order = table_columns(rows, columns)
    data = [{c: _cell_text(row.get(c), digits) for c in order} for row in rows]
    return pd.DataFrame(data, columns=order)


def _numeric_cells(column: str, value: Any) -> dict[str, Any]:
    if value is None or isinstance(value, str) or _is_number(value):
        return {column: value}
    est = as_estimate(value)
    if est.ci is None:
        return {column: est.value}
    low, high = est.ci
    return {column: est.value, f"{column}_ci_low": low, f"{column}_ci_high": high}


def metrics_table_numeric(
    rows: Sequence[Mapping[str, Any]],
    *,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """CSV twin of :func:`metrics_table`: numbers, with CI bounds in their own columns.

    A ``_ci_low`` / ``_ci_high`` pair appears right after its metric when any
    row gives that metric an interval; rows without one get NaN there.
    """
    order = table_columns(rows, columns)
    data = []
    for row in rows:
        cells: dict[str, Any] = {}
        for column in order:
            cells.update(_numeric_cells(column, row.get(column)))
        data.append(cells)
    expanded: list[str] = []
    for column in order:
        expanded.append(column)
        for suffix in ("_ci_low", "_ci_high"):
            if any(column + suffix in cells for cells in data):
                expanded.append(column + suffix)
    return pd.DataFrame(data, columns=expanded)
