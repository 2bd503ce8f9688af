"""The Compare panels: one module per panel, and ``PANELS``, the one list both the Compare page
and its HTML report loop over.

Why one list: the page draws each panel in its tab and the report takes each panel's sections
from the same :meth:`~dashboard.compare.panel.Panel.build`, so no panel is assembled twice and
the report can never hold other numbers than the page.  Adding a panel: a module here with a
subclass of :class:`~dashboard.compare.panel.Panel`, and its entry below (the position sets the
order in its tab and in the report; a new ``tab`` name adds a tab).

The Weighting page shows two of these panels (curves and confusion matrices) under its own key.
"""

from __future__ import annotations

from dashboard.compare.context import class_names, operating_points
from dashboard.compare.panel import PER_RUN, Panel
from dashboard.compare.panels.bars import BarsPanel
from dashboard.compare.panels.calibration import CalibrationPanel
from dashboard.compare.panels.confusion import ConfusionPanel, SeedConfusionPanel
from dashboard.compare.panels.crossval import CrossvalPanel
from dashboard.compare.panels.curves import CurvesPanel
from dashboard.compare.panels.decision import DecisionCurvePanel, SeedDecisionPanel
from dashboard.compare.panels.metrics import MetricsPanel
from dashboard.compare.panels.multiclass import MulticlassPanel
from dashboard.compare.panels.pvalues import PvaluesPanel
from dashboard.compare.panels.ranking import RankingPanel
from dashboard.compare.panels.seed_pr import SeedPrPanel
from dashboard.compare.panels.seeds import SeedMetricsPanel, SeedRocPanel
from dashboard.compare.panels.subgroups import SubgroupsPanel
from dashboard.compare.panels.transfer import TransferPanel

__all__ = [
    "PANELS",
    "TABS",
    "in_tab",
    "in_view",
    "confusion_panel",
    "curves_panel",
    "class_names",
    "operating_points",
]

CONFUSION = ConfusionPanel()
CURVES = CurvesPanel()

#: Every Compare panel, in page and report order.
PANELS: tuple[Panel, ...] = (
    MetricsPanel(),
    SeedMetricsPanel(),
    CONFUSION,
    SeedConfusionPanel(),
    CURVES,
    SeedRocPanel(),
    SeedPrPanel(),
    BarsPanel(),
    RankingPanel(),
    DecisionCurvePanel(),
    SeedDecisionPanel(),
    CalibrationPanel(),
    TransferPanel(),
    PvaluesPanel(),
    SubgroupsPanel(),
    CrossvalPanel(),
    MulticlassPanel(),
)

#: The Compare page's tabs, in the order their first panel appears.
TABS: list[str] = list(dict.fromkeys(p.tab for p in PANELS if p.tab is not None))


def in_tab(tab: str | None, view: str = PER_RUN) -> list[Panel]:
    """The panels of ``tab`` in ``view`` in order (``None``: the multiclass panels below the
    tabs)."""
    return [p for p in PANELS if p.tab == tab and view in p.views]


def in_view(view: str) -> list[Panel]:
    """Every panel shown in ``view``, in page and report order."""
    return [p for p in PANELS if view in p.views]


#: The two panels the Weighting page shows, under the names it calls them by (it also reads
#: ``class_names`` and ``operating_points`` from here, re-exported from
#: :mod:`dashboard.compare.context`).
confusion_panel = CONFUSION.show
curves_panel = CURVES.show
