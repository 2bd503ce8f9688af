"""One visual language for every evaluation figure.

Why: a clinician reads several figures side by side.  A run must keep its
colour from the ROC to the calibration plot, reference lines (chance,
perfect calibration, baselines) must look alike everywhere, and fonts must be
readable on a projector.  Figures therefore never set colours or fonts
themselves; they go through this module.

Trace roles: every trace carries ``meta={"role": ..., "run": ...}`` so that
helpers such as :func:`core.evaluation.display.with_operating_points` can
find and replace one kind of trace (the operating-point markers) without
knowing how the figure was built.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import convert_colors_to_same_type, qualitative, unlabel_rgb

from core.text import plot_text

__all__ = [
    "PALETTE",
    "run_colour",
    "colour_map",
    "require_unique_names",
    "resolve_colours",
    "with_alpha",
    "escape_label",
    "HOUSE_TRACE_TYPES",
    "house_template",
    "style_figure",
    "unit_axes",
    "reference_line",
    "tag",
    "role_of",
    "run_of",
    "figure_from_json",
]

# Tableau 10 without its yellow and light grey, which are unreadable as thin
# lines on white and the grey would be confused with the reference lines.
PALETTE: tuple[str, ...] = tuple(c for c in qualitative.T10 if c not in ("#EECA3B", "#BAB0AC"))
REFERENCE_COLOUR = "#8a8a8a"
MARKER_OUTLINE = "#222222"
ERROR_BAR_COLOUR = "#333333"
#: Class colours for score histograms; deliberately outside PALETTE so a class
#: is never mistaken for a run.
NEGATIVE_COLOUR = "#7b8ea3"
POSITIVE_COLOUR = "#c03b3b"
UNDEFINED_CELL_COLOUR = "#e6e6e6"
SEQUENTIAL_SCALE = "Blues"

FONT_FAMILY = "Inter, 'Segoe UI', Helvetica, Arial, sans-serif"
FONT_SIZE = 14
TITLE_SIZE = 18
UNIT_RANGE = (-0.02, 1.02)

# Roles stored in trace.meta["role"].
ROLE_CURVE = "curve"
ROLE_OPERATING_POINT = "operating_point"
ROLE_REFERENCE = "reference"
ROLE_BAND = "band"
ROLE_FOLD = "fold"
ROLE_HISTOGRAM = "histogram"
ROLE_CELLS = "cells"
ROLE_UNDEFINED = "undefined"

#: Where a legend may go: outside the plot area only.  A legend inside it (the corners it
#: used to take) covers curves whenever a run's curve passes there, e.g. a poor model's ROC in
#: the lower right or a miscalibrated curve in the upper left.
_LEGEND_PLACES: dict[str, dict[str, Any]] = {
    "below": dict(x=0.0, y=-0.18, xanchor="left", yanchor="top", orientation="h"),
    "right": dict(x=1.02, y=1.0, xanchor="left", yanchor="top"),
}
#: Height of plotly's toolbar (the modebar, drawn over the figure's top right on hover).  The
#: title starts this far below the figure's top edge, so the toolbar never covers the end of
#: a long title; a top margin of at least this plus one title line keeps it off the plot.
MODEBAR_PX = 30


def run_colour(key: int | str) -> str:
    """Colour of a run, by position or by name.

    By position (``int``) colours are distinct for the first ``len(PALETTE)``
    runs.  By name (``str``) the colour is stable across sessions and figures
    (crc32, not Python's salted ``hash``) but two names may share a colour;
    use :func:`colour_map` once over all runs when that matters.
    """
    if isinstance(key, str):
        return PALETTE[zlib.crc32(key.encode("utf-8")) % len(PALETTE)]
    return PALETTE[int(key) % len(PALETTE)]


def colour_map(names: Sequence[str]) -> dict[str, str]:
    """Distinct colours for ``names`` in order.

    Build it once over *all* runs of the comparison and pass the colours to
    every builder: then a run keeps its colour even in a figure that shows
    only a subset of the runs.
    """
    return {name: run_colour(i) for i, name in enumerate(dict.fromkeys(names))}


def require_unique_names(names: Sequence[str]) -> None:
    """Run names identify traces (legend groups, marker updates): duplicates would collide."""
    if len(set(names)) != len(names):
        raise ValueError(f"run names must be unique, got {list(names)}")


def resolve_colours(explicit: Sequence[str | None]) -> list[str]:
    """Given colours where set, else the palette by position within the figure."""
    return [c if c else run_colour(i) for i, c in enumerate(explicit)]


def with_alpha(colour: str, alpha: float) -> str:
    """``"rgba(r, g, b, alpha)"`` from any plotly colour string (hex or rgb)."""
    rgb, _ = convert_colors_to_same_type(colour, colortype="rgb")
    r, g, b = unlabel_rgb(rgb[0])
    return f"rgba({int(r)}, {int(g)}, {int(b)}, {alpha:g})"


def escape_label(text: str) -> str:
    """Make a user-chosen name display literally in plotly text.

    plotly.js interprets a subset of HTML tags in labels (``<b>``, ``<br>``, ``<a href>``),
    decodes entities and fills ``%{...}`` in templates, so a run called ``<b>x`` would render
    bold and ``<script>`` would vanish; :func:`core.text.plot_text` makes it show as typed.
    """
    return plot_text(text)


#: The plotly trace types Lesionlab's figures draw (``tests/display/test_template.py`` checks
#: every ``go.<Type>`` the builders use is here).
HOUSE_TRACE_TYPES = ("bar", "heatmap", "scatter")


def house_template() -> go.layout.Template:
    """``plotly_white`` with trace defaults only for :data:`HOUSE_TRACE_TYPES`.

    Why: the full template carries defaults for some 40 trace types (about 4 kB of JSON per
    figure) which the browser parses and merges on every draw, although only three types are
    ever drawn.  A Streamlit figure whose numbers change is drawn anew (a new element), so on
    the Compare page every threshold move paid that for the ROC, PR, confusion and bar
    figures (measured in headless Chromium: 15-30% of a scatter figure's draw).  The layout
    part and the defaults of the drawn types are plotly_white's own, so nothing on screen
    changes.
    """
    white = pio.templates["plotly_white"]
    return go.layout.Template(layout=white.layout,
                              data={t: getattr(white.data, t) for t in HOUSE_TRACE_TYPES})


_HOUSE_TEMPLATE = house_template()


def style_figure(
    fig: go.Figure,
    *,
    title: str,
    x_title: str | None = None,
    y_title: str | None = None,
    legend: str = "right",
    height: int | None = 520,
) -> go.Figure:
    """Apply the house layout in place and return ``fig`` (for chaining).

    ``uirevision`` is constant so that a Streamlit rerun that swaps in an
    updated figure keeps the user's zoom and legend selection.
    """
    fig.update_layout(
        template=_HOUSE_TEMPLATE,
        title=dict(text=escape_label(title), font=dict(size=TITLE_SIZE), x=0.0, xanchor="left",
                   yref="container", y=1.0, yanchor="top", pad=dict(t=MODEBAR_PX)),
        font=dict(family=FONT_FAMILY, size=FONT_SIZE, color="#222222"),
        legend=dict(
            bgcolor="rgba(255, 255, 255, 0.85)",
            bordercolor="#d0d0d0",
            borderwidth=1,
            **_LEGEND_PLACES[legend],
        ),
        margin=dict(l=70, r=30, t=70, b=70),
        hovermode="closest",
        uirevision="lesionlab",
        height=height,
    )
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    fig.update_xaxes(showline=True, linecolor="#444444", ticks="outside", zeroline=False)
    fig.update_yaxes(showline=True, linecolor="#444444", ticks="outside", zeroline=False)
    return fig


def unit_axes(fig: go.Figure, *, square: bool = True) -> go.Figure:
    """Both axes on [0, 1] (slightly padded so lines on the edge stay visible)."""
    fig.update_xaxes(range=list(UNIT_RANGE), constrain="domain")
    fig.update_yaxes(range=list(UNIT_RANGE), constrain="domain")
    if square:
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def reference_line(x: Sequence[float], y: Sequence[float], *, name: str, dash: str = "dash",
                   colour: str = REFERENCE_COLOUR, run: str | None = None) -> go.Scatter:
    """A thin dashed line that reads as 'what no skill would give'."""
    return go.Scatter(
        x=list(x), y=list(y), mode="lines", name=escape_label(name),
        line=dict(color=colour, width=1.5, dash=dash),
        showlegend=False, hoverinfo="skip", meta=tag(ROLE_REFERENCE, run),
        legendgroup=run,
    )


def tag(role: str, run: str | None = None, **extra: Any) -> dict[str, Any]:
    """The ``meta`` dict that marks a trace's role (and run) for later updates."""
    return {"role": role, "run": run, **extra}


def figure_from_json(spec: Mapping[str, Any]) -> go.Figure:
    """A figure from the plotly JSON of a figure these builders made, without validating it again.

    Why: plotly's validators cost 5-80 ms per figure and a refresh (the ``refresh_*`` function
    next to each builder) runs on every threshold move; the builders already validated all of
    ``spec``, so a second pass would only burn time (``_validate=False`` is plotly's own
    switch for this).
    Only the top level is copied: ``spec`` (a cached template) is never mutated.
    """
    return go.Figure(dict(spec), skip_invalid=False, _validate=False)


def _meta(trace: Any) -> dict | None:
    """A trace's ``meta``, from a trace object or from its plotly JSON dict alike."""
    meta = trace.get("meta") if isinstance(trace, Mapping) else getattr(trace, "meta", None)
    return meta if isinstance(meta, dict) else None


def role_of(trace: Any) -> str | None:
    meta = _meta(trace)
    return None if meta is None else meta.get("role")


def run_of(trace: Any) -> str | None:
    meta = _meta(trace)
    return None if meta is None else meta.get("run")
