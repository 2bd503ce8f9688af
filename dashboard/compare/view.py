"""Per run or per configuration: the Compare page's view switch, in the URL (``?per=``).

Why through :mod:`dashboard.urlstate` (as the level toggle, :mod:`dashboard.compare.level`):
a per-configuration comparison must be a shareable link, and a URL one step behind the widget
must never undo a click. The per-run view is the default and leaves the URL as it was.
"""

from __future__ import annotations

import streamlit as st

from dashboard import urlstate
from dashboard.compare.panel import PER_RUN, VIEWS

__all__ = ["view_control"]

PARAM = "per"


def view_control(*, key: str) -> str:
    """``PER_RUN`` or ``PER_CONFIGURATION``, from the radio (a link's ``per`` wins first)."""
    widget = f"{key}.per"
    raw = urlstate.arrived(PARAM, first_render=widget not in st.session_state)
    if raw in VIEWS:
        st.session_state[widget] = raw
        urlstate.remember(PARAM, raw)
    view = st.radio("Show", list(VIEWS), format_func=VIEWS.get, key=widget, horizontal=True,
                    help="Per configuration: runs identical except for the seed are summarised "
                         "as one configuration (mean over seeds, SD, min–max and a CI that "
                         "includes the seed-to-seed variance).")
    urlstate.write(PARAM, None if view == PER_RUN else view)
    return view
