"""Export figures and whole comparison reports as files a colleague can open offline.

Why self-contained HTML: reports travel by e-mail or USB into hospital
networks without internet access, so plotly.js is inlined rather than
loaded from a CDN.  In a multi-figure report it is inlined *once* (it is
~4.8 MB) and every figure is a bare ``<div>`` that uses it.

PNG export needs the optional ``kaleido`` package plus a Chrome/Chromium
that kaleido can drive; neither is a Lesionlab requirement.
:func:`png_export_available` says whether it works here and, if not, why, so
the dashboard can hide the PNG button with an explanation instead of failing.
"""

from __future__ import annotations

import html
import importlib.util
from collections.abc import Sequence
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

__all__ = ["figure_to_html", "figure_to_png", "png_export_available", "report_html"]

Section = tuple[str, "go.Figure | pd.DataFrame | str"]

_CSS = """
body { font-family: Inter, 'Segoe UI', Helvetica, Arial, sans-serif; color: #222;
       max-width: 1100px; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.7rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; }
table.metrics { border-collapse: collapse; font-size: 0.9rem; }
table.metrics th, table.metrics td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.7rem;
                                     text-align: right; }
table.metrics th:first-child, table.metrics td:first-child { text-align: left; }
"""


def figure_to_html(fig: go.Figure) -> str:
    """A complete HTML page with the figure and plotly.js inlined (works offline)."""
    return pio.to_html(fig, include_plotlyjs=True, full_html=True)


@lru_cache(maxsize=1)
def png_export_available() -> tuple[bool, str]:
    """``(True, "")`` if a PNG can be rendered here, else ``(False, reason)``.

    Tries a tiny render once per process (cached), because only an actual
    render proves that kaleido found a usable Chrome.
    """
    if importlib.util.find_spec("kaleido") is None:
        return False, ("PNG export needs the optional 'kaleido' package (>= 1.0) and a Chrome "
                       "browser; kaleido is not installed in this environment")
    try:
        pio.to_image(go.Figure(), format="png", width=10, height=10)
    except Exception as exc:  # kaleido raises several unrelated types (Chrome missing, timeout)
        return False, f"PNG export is not working here: {type(exc).__name__}: {exc}"
    return True, ""


def figure_to_png(fig: go.Figure, *, width: int = 1000, height: int | None = None,
                  scale: float = 2.0) -> bytes | None:
    """PNG bytes, or None when :func:`png_export_available` says export cannot work here."""
    ok, _ = png_export_available()
    if not ok:
        return None
    height = height or int(fig.layout.height or 600)
    return pio.to_image(fig, format="png", width=width, height=height, scale=scale)


def _section_body(content: object) -> str:
    if isinstance(content, go.Figure):
        return pio.to_html(content, include_plotlyjs=False, full_html=False)
    if isinstance(content, pd.DataFrame):
        return content.to_html(index=False, escape=True, na_rep="n/a", border=0,
                               classes="metrics")
    if isinstance(content, str):
        paragraphs = [p for p in content.split("\n\n") if p.strip()]
        return "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    raise TypeError(f"a report section holds a figure, a DataFrame or text, not {type(content)}")


def report_html(title: str, sections: Sequence[Section]) -> str:
    """One self-contained HTML report: headings, figures, tables and text in order.

    Every user-provided string (title, headings, table cells, text) is
    HTML-escaped, so a run called ``<script>`` is shown, never executed.
    """
    parts = [f"<h1>{html.escape(title)}</h1>"]
    for heading, content in sections:
        parts.append(f"<section><h2>{html.escape(heading)}</h2>\n{_section_body(content)}"
                     "</section>")
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n"
        f"<script type=\"text/javascript\">{get_plotlyjs()}</script>\n"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
