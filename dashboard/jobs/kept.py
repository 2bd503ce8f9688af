"""The live list of a small runner's jobs (external evaluations, model imports) on a page.

Why one place: each list shows the last few jobs in bordered boxes, refreshes itself once a
second while one runs (a fragment, so the rest of the page does not rerun), and reruns the
whole app once when something lands or a job ends, after clearing the cache that holds what
landed. Only the box, what "landed" means and which cache to clear differ by kind.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import streamlit as st

from dashboard.text import literal, md

__all__ = ["REFRESH_S", "job_head", "kept_jobs"]

#: Seconds between refreshes of the list while a job runs.
REFRESH_S = 1.0
#: Jobs shown, newest first.
SHOWN = 5


def kept_jobs(snapshots: Callable[[], Sequence], box: Callable[[object, str], None],
              landed: Callable[[Sequence], Iterable[str]], refresh: Callable[[], None], *,
              seen_key: str, key: str) -> None:
    """The jobs ``snapshots()`` gives (live while one runs), each drawn by ``box(snap, key)``;
    when ``landed(snaps)`` grows or a job ends, ``refresh()`` and rerun the app."""
    snaps = snapshots()[:SHOWN]
    if any(not s.done for s in snaps):
        _live(snapshots, box, landed, refresh, seen_key, key)
    elif snaps:
        _render(snapshots, box, landed, refresh, seen_key, key)


@st.fragment(run_every=REFRESH_S)
def _live(snapshots, box, landed, refresh, seen_key: str, key: str) -> None:
    _render(snapshots, box, landed, refresh, seen_key, key)


def _render(snapshots, box, landed, refresh, seen_key: str, key: str) -> None:
    snaps = snapshots()[:SHOWN]
    for snap in snaps:
        with st.container(border=True):
            box(snap, key)
    now_landed = frozenset(landed(snaps))
    ended = frozenset(s.id for s in snaps if s.done)
    previous = st.session_state.get(seen_key)
    st.session_state[seen_key] = (now_landed, ended)
    if previous is not None and (now_landed - previous[0] or ended - previous[1]):
        refresh()
        st.rerun(scope="app")


def job_head(snap, label: str, cancel: Callable[[str], None], *, key: str, help: str) -> None:
    """A job box's first lines: its label and status, a Cancel button while it runs (``help``
    says what a cancel stops), and its progress bar."""
    head, button = st.columns([5, 1], vertical_alignment="center")
    head.markdown(md("**{label}** · {status}", label=label, status=snap.status))
    if not snap.done and button.button("Cancel", key=key, disabled=snap.cancel_requested,
                                       icon=":material/stop:", help=literal(help)):
        cancel(snap.id)
    st.progress(min(max(snap.fraction, 0.0), 1.0))
