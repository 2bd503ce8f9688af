"""The sections of a comparison's HTML report, at the thresholds on screen.

Why a function of its own: the report must hold exactly the numbers the page shows, so it is
made at click time from the same operating points, by the same panels
(:data:`dashboard.compare.panels.PANELS`) the page draws; it adds only a summary of the
comparison and the run details.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.evaluation import OperatingPoint
from dashboard.compare.panel import PER_RUN, VIEWS
from dashboard.compare.panels import in_view
from dashboard.details import details_table
from dashboard.evaluations import Selection

__all__ = ["comparison_sections"]


def _intro(sel: Selection, rule: str, thresholds: Mapping[str, float], view: str) -> str:
    level = ("per patient / lesion (group scores: " + sel.aggregate + ")"
             if sel.level == "group" else "per image")
    lines = [f"Runs compared: {len(sel.binary_ids)} binary"
             + (f", {len(sel.multiclass)} multiclass" if sel.multiclass else "")
             + f". Evaluated {level} on each run's test split."
             + ("" if view == PER_RUN else f" View: {VIEWS[view].lower()}."),
             f"Decision rule: {rule}. Thresholds: "
             + "; ".join(f"{sel.names[i]}: {thresholds[i]:.4f}" for i in sel.binary_ids) + "."]
    if sel.externals:
        lines.append("External evaluations (a run's model on another dataset, read on that "
                     "dataset; every threshold rule chosen on the source run's validation split "
                     "and frozen): " + "; ".join(sel.names[i] for i in sel.externals) + ".")
    if sel.synthetic:
        lines.append("SYNTHETIC data: runs on the generated demo dataset ("
                     + ", ".join(sel.names[i] for i in sel.synthetic)
                     + ") say nothing about clinical performance.")
    for rid in sel.ids:
        note = sel.records[rid].weights.note if rid in sel.records else None
        if note:
            lines.append(f"{sel.names[rid]}: {note}")
    if sel.problems:
        lines.append("Left out: " + "; ".join(f"{sel.names.get(k, k)}: {v}"
                                              for k, v in sel.problems.items()))
    return "\n\n".join(lines)


def comparison_sections(sel: Selection, ops: Mapping[str, OperatingPoint],
                        thresholds: Mapping[str, float], rule: str,
                        view: str = PER_RUN) -> list[tuple[str, object]]:
    """Heading/content pairs for :func:`core.evaluation.display.report_html`: the summary,
    each panel of ``PANELS`` in ``view`` that the report holds (built as the page builds it),
    the run details."""
    sections: list[tuple[str, object]] = [("Summary", _intro(sel, rule, thresholds, view))]
    if ops:
        for panel in in_view(view):
            sections += panel.report(sel, ops)
    details = details_table(sel)
    if not details.empty:
        sections.append(("Run details", details.reset_index(names="fact")))
    return sections
