"""Downloads: CSV for any table, HTML for any figure, a whole comparison as one HTML report.

Why HTML and not PNG: a self-contained HTML file (plotly.js inlined by
:func:`core.evaluation.display.figure_to_html`) opens offline inside a hospital network and
keeps the hover values.  Server-side PNG needs kaleido plus a Chrome, which Lesionlab does not
require; a PNG is one click away in the browser instead (the camera icon in every figure's
toolbar), and the UI says so wherever it offers a figure.

Every file is generated only when clicked (deferred ``data=`` callables): an inlined
plotly.js is ~4.8 MB, and building it on every slider move would stall the page; a CSV is
small, but the Compare tables are redrawn on every threshold move and rarely downloaded.

The byte builders (:func:`csv_bytes`, :func:`figure_html_bytes`, :func:`report_bytes`) are
plain functions so the tests can check exactly what a button would deliver.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.evaluation.display import figure_to_html, report_html
from dashboard.text import file_name as clean_file_name
from dashboard.text import literal, spreadsheet_table

__all__ = [
    "PNG_HINT",
    "csv_bytes",
    "figure_html_bytes",
    "report_bytes",
    "csv_button",
    "figure_button",
    "report_button",
]

PNG_HINT = "PNG: use the camera icon in the figure's toolbar (top right of the figure)."


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a header and no index (opens in any spreadsheet; no text cell runs as a
    formula there: :func:`dashboard.text.spreadsheet_table`)."""
    return spreadsheet_table(table).to_csv(index=False).encode("utf-8")


def figure_html_bytes(fig: go.Figure | dict) -> bytes:
    """A complete offline HTML page holding the figure."""
    if isinstance(fig, dict):
        fig = go.Figure(fig)
    return figure_to_html(fig).encode("utf-8")


Section = tuple[str, Any]


def report_bytes(title: str, sections: Sequence[Section]) -> bytes:
    """One self-contained HTML report (figures, tables, text; user text escaped)."""
    clean = [(h, go.Figure(c) if isinstance(c, dict) else c) for h, c in sections]
    return report_html(title, clean).encode("utf-8")


def csv_button(table: pd.DataFrame, *, label: str, file_name: str, key: str) -> None:
    """A CSV download of ``table``, written only when clicked: the Compare tables are
    redrawn on every threshold move and most are never downloaded."""
    st.download_button(literal(label), lambda: csv_bytes(table),
                       file_name=clean_file_name(file_name),
                       mime="text/csv", key=key, on_click="ignore", icon=":material/download:")


def figure_button(fig: go.Figure | dict, *, file_name: str, key: str,
                  label: str = "Figure as HTML") -> None:
    st.download_button(literal(label), lambda: figure_html_bytes(fig),
                       file_name=clean_file_name(file_name), mime="text/html", key=key,
                       on_click="ignore", icon=":material/download:", help=PNG_HINT)


def report_button(title: str, sections: Callable[[], Sequence[Section]], *, file_name: str,
                  key: str, label: str = "Export this comparison as an HTML report") -> None:
    """``sections`` is called only when the user clicks."""
    st.download_button(literal(label), lambda: report_bytes(title, sections()),
                       file_name=clean_file_name(file_name), mime="text/html", key=key,
                       on_click="ignore", type="primary", icon=":material/summarize:",
                       help="One self-contained HTML file (works offline) with the figures "
                            "and tables at the current threshold.")
