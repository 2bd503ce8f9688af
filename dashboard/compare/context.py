"""What every Compare panel reads from a selection besides its evaluations.

Why a module of its own: the page, the HTML report and the Weighting page must key the cached
figures, name the classes and compute the operating points the same way, or the report could
hold other numbers than the page.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.evaluation import OperatingPoint, binary_class_names
from dashboard.compare.figures import RunRef
from dashboard.evaluations import Selection, run_key

__all__ = ["refs", "operating_points", "class_names"]


def refs(sel: Selection, ids=None) -> tuple[RunRef, ...]:
    """Cache keys of the selection's binary runs (or of ``ids``)."""
    ids = sel.binary_ids if ids is None else ids
    return tuple(RunRef(*run_key(i, sel.level, sel.aggregate), sel.names[i], sel.colours[i])
                 for i in ids)


def operating_points(sel: Selection, thresholds: Mapping[str, float]) -> dict[str, OperatingPoint]:
    """Test metrics and CIs at each run's threshold, by display name (the only per-move work)."""
    return {sel.names[i]: sel.evals[i].at(thresholds[i]) for i in sel.binary_ids}


def class_names(sel: Selection) -> dict[str, tuple[str, str]]:
    """``(negative, positive)`` names of each binary run's view, by display name."""
    return {sel.names[i]: binary_class_names(sel.records[i].class_names if i in sel.records else None,
                                             sel.evals[i].positive_index)
            for i in sel.binary_ids}
