"""Keeping a widget and its query parameter in step without the URL ever undoing a click.

Why this is subtle: every rerun request from the browser carries the browser's current URL.
When a user presses an arrow key five times on a slider, the second rerun can start before the
browser has applied the URL that the first rerun wrote, so the URL it reports is one step
behind.  Treating every URL that differs from "the last value written" as a new link would
therefore snap the slider back (seen in the browser test).  The rule used instead:

* on the first render of a control (its widget state does not exist yet: the page was just
  opened, by a link, a page link or the sidebar) a parameter in the URL wins;
* later, a URL value replaces the widget only if this session never wrote it itself (a stale
  URL is always one of our own earlier values; a genuinely new one is not).

The values a session wrote are kept per parameter in ``st.session_state`` (bounded).
"""

from __future__ import annotations

import streamlit as st

__all__ = ["arrived", "remember", "write"]

_HISTORY = "lesionlab.url.history"
_MAX = 500


def _history(param: str) -> dict[str, None]:
    return st.session_state.setdefault(_HISTORY, {}).setdefault(param, {})


def arrived(param: str, *, first_render: bool) -> str | None:
    """The raw value of ``param`` if it should replace the widget's value now, else None."""
    raw = st.query_params.get(param)
    if raw is None:
        return None
    if first_render or raw not in _history(param):
        return raw
    return None


def remember(param: str, raw: str) -> None:
    history = _history(param)
    history.pop(raw, None)
    history[raw] = None
    while len(history) > _MAX:
        history.pop(next(iter(history)))


def write(param: str, raw: str | None) -> None:
    """Put ``raw`` in the URL (or remove the parameter) and remember it as ours."""
    if raw:
        if st.query_params.get(param) != raw:
            st.query_params[param] = raw
        remember(param, raw)
    elif param in st.query_params:
        del st.query_params[param]
