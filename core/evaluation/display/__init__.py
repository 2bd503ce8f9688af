"""Evaluation figures: result objects or plain arrays in, ``plotly.graph_objects.Figure`` out.

Why a separate display layer (as scikit-learn's ``sklearn.metrics._plot``):
the numbers are computed once by :mod:`core.evaluation` and cached; drawing
them must not recompute anything, must not import Streamlit, and must accept
numbers from any caller (bootstrap CIs, DeLong p-values, cross-validation)
as plain floats and tuples.  Every figure uses :mod:`._style`, so runs keep
their colours across figures: build ``colour_map(all_run_names)`` once and
pass each run's colour to the builders.

Each figure is owned here whole, template and refresh: a figure whose numbers change with the
decision threshold is built once without them (the template, cached by the caller as its
``to_plotly_json()``), and a public ``refresh_*`` function puts the numbers of a threshold
into a copy of that dict without re-validating it -- :func:`refresh_operating_points` (ROC and
PR markers), :func:`refresh_decision_markers` (decision-curve markers),
:func:`refresh_metric_bars` (heights and
intervals).  Each refresh shares its numbers' code with its builder, so a refreshed figure is
the one the builder would draw.  Callers use this package, never its ``_private`` modules.
"""

from __future__ import annotations

from ._format import Estimate, format_estimate, format_p
from ._overlay import refresh_operating_points, with_operating_points
from ._style import PALETTE, colour_map, figure_from_json, run_colour
from .bars import binary_per_class_metrics, metric_bars_figure, refresh_metric_bars
from .calibration import CalibrationSpec, reliability_figure
from .confusion import COUNT_COLUMNS, confusion_matrix_figure, confusion_table
from .crossval import FoldCurves, crossval_roc_figure
from .decision_curve import DecisionCurveSpec, decision_curve_figure, refresh_decision_markers
from .deletion import deletion_figure
from .export import figure_to_html, figure_to_png, png_export_available, report_html
from .pr import PrCurveSpec, pr_overlay_figure
from .pvalues import pvalue_matrix_figure
from .roc import CurveSpec, roc_overlay_figure
from .seed_strip import SeedStripSpec, seed_strip_figure
from .simplify import simplify_polyline
from .table import metrics_table, metrics_table_numeric
from .threshold import ScoreSpec, score_distribution_figure

__all__ = [
    "PALETTE",
    "CalibrationSpec",
    "CurveSpec",
    "DecisionCurveSpec",
    "Estimate",
    "FoldCurves",
    "PrCurveSpec",
    "ScoreSpec",
    "SeedStripSpec",
    "binary_per_class_metrics",
    "colour_map",
    "COUNT_COLUMNS",
    "confusion_matrix_figure",
    "confusion_table",
    "crossval_roc_figure",
    "decision_curve_figure",
    "deletion_figure",
    "figure_from_json",
    "figure_to_html",
    "figure_to_png",
    "format_estimate",
    "format_p",
    "metric_bars_figure",
    "metrics_table",
    "metrics_table_numeric",
    "png_export_available",
    "pr_overlay_figure",
    "pvalue_matrix_figure",
    "refresh_decision_markers",
    "refresh_metric_bars",
    "refresh_operating_points",
    "reliability_figure",
    "report_html",
    "roc_overlay_figure",
    "run_colour",
    "seed_strip_figure",
    "score_distribution_figure",
    "simplify_polyline",
    "with_operating_points",
]
