"""A Compare panel: one block of the Compare page and the same block in its HTML report.

Why one unit: the report must hold exactly what the page shows.  When the page drew a panel
and the report assembled the same figure a second time, the two could drift apart (a title,
a marker or a table column changed on one side only).  Now :meth:`Panel.build` makes what is
shown (figure(s), table(s)) from the selection and the operating points; the page draws that
object (:meth:`Panel.draw`) and the report takes its sections from it (:meth:`Panel.sections`).

Adding a panel is one module in :mod:`dashboard.compare.panels` with a subclass of
:class:`Panel`, and one entry in its ``PANELS``: the page gives it its tab, the report its
section.  The figures themselves stay built by :mod:`core.evaluation.display` (cached by
:mod:`dashboard.compare.figures`); a panel computes no number.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

import streamlit as st

from core.evaluation import OperatingPoint
from dashboard.downloads import Section
from dashboard.evaluations import Selection
from dashboard.text import md

__all__ = ["Panel", "Points", "PER_RUN", "PER_CONFIGURATION", "VIEWS", "EXTERNALS_LEFT_OUT"]

#: The Compare page's two views: each run on its own, or runs identical but for the seed
#: summarised as one configuration (:mod:`dashboard.compare.configs`).
PER_RUN = "run"
PER_CONFIGURATION = "configuration"
VIEWS = {PER_RUN: "Per run", PER_CONFIGURATION: "Per configuration (over seeds)"}

#: Panels that cannot take an external evaluation (by panel name), with why: each groups runs
#: into configurations over seeds or folds, and an evaluation is one model on another dataset.
#: Such a panel says so in one caption naming the evaluations, never drops them silently.
EXTERNALS_LEFT_OUT = {
    "ranking": "an external evaluation is one model on another dataset, not a configuration "
               "over seeds; compare it on the Overview and Transfer tabs",
    "crossval": "an external evaluation is one model on another dataset, not a fold of a "
                "cross-validation; its ROC is on the Overview tab",
}

#: Operating points by display name, at the thresholds on screen
#: (:func:`dashboard.compare.context.operating_points`).
Points = Mapping[str, OperatingPoint]


class Panel(ABC):
    """One Compare panel: what it shows, where, under which names, and whether it moves with
    the threshold."""

    #: What the panel shows: its (first) heading in the HTML report.
    title: ClassVar[str]
    #: The Compare tab it is drawn in, in ``PANELS`` order; ``None``: below the tabs, for the
    #: multiclass runs (which the threshold does not apply to).
    tab: ClassVar[str | None]
    #: Its widget keys are ``f"{page key}.{name}..."`` (stable: tests and links find them).
    name: ClassVar[str]
    #: Its download files are ``f"{stem}.csv"`` / ``f"{stem}.html"``.
    stem: ClassVar[str]
    #: Whether what it shows changes with the decision threshold.
    follows_threshold: ClassVar[bool]
    #: Whether the HTML report holds it (its :meth:`sections`).
    in_report: ClassVar[bool] = True
    #: The views (:data:`VIEWS`) it is shown in: a panel that shows each run and its
    #: per-configuration twin each name one; most panels are the same in both.
    views: ClassVar[tuple[str, ...]] = (PER_RUN, PER_CONFIGURATION)

    @abstractmethod
    def build(self, sel: Selection, ops: Points) -> Any:
        """What is shown, from the selection and the operating points; ``None`` when the
        panel does not apply to this selection (its :meth:`draw` then says why)."""

    @abstractmethod
    def draw(self, shown: Any, sel: Selection, *, key: str) -> None:
        """Lay ``shown`` out on the page, with its caption and download buttons."""

    def sections(self, shown: Any) -> list[Section]:
        """Heading/content pairs of the HTML report for ``shown`` (default: the title and
        ``shown`` itself; nothing when the panel does not apply)."""
        return [] if shown is None else [(self.title, shown)]

    def show(self, sel: Selection, ops: Points, *, key: str) -> Any:
        """Build and draw; returns what was shown."""
        shown = self.build(sel, ops)
        self.draw(shown, sel, key=key)
        if sel.externals and self.name in EXTERNALS_LEFT_OUT:
            st.caption(md("Left out here: {names} ({why}).", why=EXTERNALS_LEFT_OUT[self.name],
                          names="; ".join(sel.names[i] for i in sel.externals)))
        return shown

    def report(self, sel: Selection, ops: Points) -> list[Section]:
        """This panel's report sections, from the same :meth:`build` the page draws."""
        return self.sections(self.build(sel, ops)) if self.in_report else []
