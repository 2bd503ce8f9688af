"""The sections of a comparison's HTML report, at the thresholds on screen.

Why a function of its own: the report must hold exactly the numbers the page shows, so it is
assembled from the same operating points and the same figure builders, at click time.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.evaluation import OperatingPoint
from dashboard.compare import figures
from dashboard.compare.panels import class_names, refs
from dashboard.compare.tables import display_table, metric_rows
from dashboard.details import details_table
from dashboard.evaluations import Selection

__all__ = ["comparison_sections"]


def _intro(sel: Selection, rule: str, thresholds: Mapping[str, float]) -> str:
    level = ("per patient / lesion (group scores: " + sel.aggregate + ")"
             if sel.level == "group" else "per image")
    lines = [f"Runs compared: {len(sel.binary_ids)} binary"
             + (f", {len(sel.multiclass)} multiclass" if sel.multiclass else "")
             + f". Evaluated {level} on each run's test split.",
             f"Decision rule: {rule}. Thresholds: "
             + "; ".join(f"{sel.names[i]}: {thresholds[i]:.4f}" for i in sel.binary_ids) + "."]
    if sel.synthetic:
        lines.append("SYNTHETIC data: runs on the generated demo dataset ("
                     + ", ".join(sel.names[i] for i in sel.synthetic)
                     + ") say nothing about clinical performance.")
    for rid in sel.ids:
        note = ((sel.records.get(rid) or {}).get("weights") or {}).get("note")
        if note:
            lines.append(f"{sel.names[rid]}: {note}")
    if sel.problems:
        lines.append("Left out: " + "; ".join(f"{sel.names.get(k, k)}: {v}"
                                              for k, v in sel.problems.items()))
    return "\n\n".join(lines)


def comparison_sections(sel: Selection, ops: Mapping[str, OperatingPoint],
                        thresholds: Mapping[str, float], rule: str) -> list[tuple[str, object]]:
    """Heading/content pairs for :func:`core.evaluation.display.report_html`."""
    r = refs(sel)
    sections: list[tuple[str, object]] = [("Summary", _intro(sel, rule, thresholds))]
    if ops:
        sections += [
            ("Metrics at the current threshold (95% CI)",
             display_table(metric_rows(sel.by_name(), ops))),
            ("Confusion matrices", figures.confusion_grid(
                {n: op.metrics.confusion_matrix() for n, op in ops.items()}, class_names(sel))),
            ("ROC curves", figures.with_points(figures.roc_base(r),
                                               {n: op.roc_point for n, op in ops.items()})),
            ("Precision-recall curves", figures.with_points(
                figures.pr_base(r), {n: op.pr_point for n, op in ops.items()})),
            ("Per-class metrics", figures.per_class_bars(
                figures.per_class_values(ops, class_names(sel)),
                {sel.names[i]: sel.colours[i] for i in sel.binary_ids})),
            ("Calibration", figures.figure(figures.calibration_figure(r))),
        ]
        if len(r) >= 2:
            table, _, _ = figures.pairwise(r)
            if (table["reason"] == "").any():
                sections.append(("Paired DeLong tests", figures.figure(figures.pvalue_figure(r))))
            sections.append(("Pairwise tests (table)", table))
    details = details_table(sel)
    if not details.empty:
        sections.append(("Run details", details.reset_index(names="fact")))
    return sections

