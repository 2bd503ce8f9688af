"""Choosing runs: filters, a picker named by run labels, and the choice in the URL.

Why the URL: a comparison a clinician found worth keeping must be a link they can send
(``?runs=<id>,<id>``); run ids are content addresses, so the link shows exactly those runs for
as long as they are stored.  The widget and the URL are kept in step the same way as the
threshold (:mod:`dashboard.threshold`): a query parameter that differs from the last one this
module did not write (a pasted link, a ``st.page_link`` with ``query_params``) replaces the
selection; otherwise the widget drives and the URL follows (:mod:`dashboard.urlstate`).
"""

from __future__ import annotations

from typing import Callable, Sequence

import pandas as pd
import streamlit as st

from dashboard import damage, data, urlstate
from dashboard.text import literal, md, visible

__all__ = ["ok_runs", "run_names", "empty_store", "filter_runs", "run_picker", "run_selectbox"]

TRAIN_PAGE = "pages/train.py"


def ok_runs() -> pd.DataFrame:
    """Runs whose files are intact; the damaged ones are named once, with the fix, above
    everything else (:func:`dashboard.damage.notice`), since no picker offers them."""
    runs = data.list_runs()
    if runs.empty:
        return runs
    damage.notice(runs)
    return runs[runs["status"] == "ok"].reset_index(drop=True)


def run_names(runs: pd.DataFrame) -> dict[str, str]:
    """run_id -> display name; labels that collide get the id's first characters appended."""
    labels = {row["run_id"]: data.run_label(row) for _, row in runs.iterrows()}
    seen = pd.Series(list(labels.values())).value_counts()
    return {rid: (f"{lab} · {rid[:6]}" if seen[lab] > 1 else lab) for rid, lab in labels.items()}


EMPTY = "No runs in the store yet — train them on the Train page."


DAMAGED = ("No intact runs to show: every stored run is damaged (see above). Train them again "
           "on the Train page once they are deleted.")


def empty_store(message: str = EMPTY) -> None:
    """The empty state every page shows instead of empty figures (another one when the store
    holds runs, all of them damaged)."""
    if message == EMPTY and not data.list_runs().empty:
        message = DAMAGED
    st.info(literal(message))
    st.page_link(TRAIN_PAGE, label="Go to the Train page", icon=":material/model_training:")


def _parse_ids(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    return [p.strip() for p in str(raw).split(",") if p.strip()]


def filter_runs(runs: pd.DataFrame, *, key: str,
                columns: Sequence[str] = ("dataset", "model", "strategy")) -> pd.DataFrame:
    """Multiselect filters over ``columns`` (an empty filter keeps everything)."""
    cols = st.columns(len(columns))
    keep = pd.Series(True, index=runs.index)
    for col, name in zip(cols, columns):
        options = sorted(runs[name].dropna().astype(str).unique())
        with col:
            chosen = st.multiselect(md("Filter by {name}", name=name), options,
                                    key=f"{key}.filter.{name}", placeholder="all",
                                    format_func=visible)
        if chosen:
            keep &= runs[name].astype(str).isin(chosen)
    return runs[keep]


def _sync_from_url(param: str, widget_key: str, valid: set[str], multiple: bool,
                   default: Callable[[], list[str]]) -> None:
    """Before the widget is drawn: adopt a link's ``param`` (see :mod:`dashboard.urlstate`),
    or seed a default, or drop runs that were deleted meanwhile."""
    first_render = widget_key not in st.session_state
    raw = urlstate.arrived(param, first_render=first_render)
    ids = _parse_ids(raw)
    if ids is not None:
        broken = set(damage.damaged(data.list_runs())["run_id"])
        unknown = [i for i in ids if i not in valid and i not in broken]
        if broken & set(ids):
            st.warning(md("{n} run(s) in the link are damaged and left out (named above).",
                          n=len(broken & set(ids))))
        if unknown:
            shown = ", ".join(i if len(i) <= 40 else i[:39] + "…" for i in unknown[:5])
            st.warning(md("{n} run(s) in the link are not in this store: {ids}. They were "
                          "left out.", n=len(unknown), ids=shown))
        chosen = [i for i in ids if i in valid]
        urlstate.remember(param, raw)
        st.session_state[widget_key] = chosen if multiple else (chosen[0] if chosen else None)
    elif first_render:
        chosen = [i for i in default() if i in valid]
        st.session_state[widget_key] = chosen if multiple else (chosen[0] if chosen else None)
    elif multiple:  # runs deleted meanwhile: drop them rather than fail in the widget
        st.session_state[widget_key] = [i for i in st.session_state[widget_key] if i in valid]
    elif st.session_state[widget_key] not in valid:
        st.session_state[widget_key] = None


def _write_url(param: str, ids: list[str]) -> None:
    urlstate.write(param, ",".join(ids) or None)


def run_picker(
    runs: pd.DataFrame,
    *,
    key: str,
    param: str = "runs",
    default: Callable[[pd.DataFrame], list[str]] | None = None,
    label: str = "Runs to compare",
    filters: bool = True,
) -> list[str]:
    """Filters plus a multiselect of runs (by label); the selection mirrored in ``?<param>=``.

    ``default(runs)`` gives the first selection when neither the URL nor the session has one.
    Selected runs stay selectable when a filter would hide them, so filtering never silently
    drops a run from the comparison.
    """
    names = run_names(runs)
    widget_key = f"{key}.runs"
    _sync_from_url(param, widget_key, set(names), True,
                   lambda: list(default(runs)) if default else [])
    shown = filter_runs(runs, key=key) if filters else runs
    selected = list(st.session_state.get(widget_key) or [])
    options = list(dict.fromkeys([*shown["run_id"].tolist(), *selected]))
    chosen = st.multiselect(literal(label), options, key=widget_key,
                            format_func=lambda i: visible(names[i]), placeholder="Choose runs")
    _write_url(param, list(chosen))
    return list(chosen)


def run_selectbox(
    runs: pd.DataFrame,
    *,
    key: str,
    param: str = "run",
    default: Callable[[pd.DataFrame], list[str]] | None = None,
    label: str = "Run",
    filters: bool = True,
) -> str | None:
    """One run (by label), mirrored in ``?<param>=<id>``."""
    names = run_names(runs)
    widget_key = f"{key}.run"
    _sync_from_url(param, widget_key, set(names), False,
                   lambda: list(default(runs)) if default else runs["run_id"].tolist()[:1])
    shown = filter_runs(runs, key=key) if filters else runs
    current = st.session_state.get(widget_key)
    options = list(dict.fromkeys([*shown["run_id"].tolist(), *([current] if current else [])]))
    chosen = st.selectbox(literal(label), options, key=widget_key,
                          format_func=lambda i: visible(names[i]), index=None,
                          placeholder="Choose a run")
    _write_url(param, [chosen] if chosen else [])
    return chosen
