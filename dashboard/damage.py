"""Damaged runs on every page: named, with the fix, while the page goes on with the others.

A run's files can be damaged after it was stored (a truncated predictions file, an edited
model). The store notices on the first read: it raises :class:`~core.store.CorruptRunError`
and flags the run ``corrupt`` in its index, where every later listing sees it. Pages therefore
meet damage in two ways, and both end in the same sentence: the run's name, what is wrong, and
:data:`FIX`. Before, the first read was a raw traceback and the next rerun called the run "not
in this store", since pickers only offer intact runs.

* A read that fails (:func:`read_problem`): the caller leaves the run out; the cached run
  list is cleared so the next rerun already knows.
* A run the index lists as corrupt (:func:`notice`): said once at the top of each page that
  lists runs, so a linked or previously chosen run never silently disappears.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.store import DELETE_CORRUPT_FIX, CorruptRunError
from dashboard import data
from dashboard.text import md

__all__ = ["FIX", "damaged", "notice", "read_problem", "show_read_problem"]

#: The remedy, as Markdown of the code's own (the command in backticks).
FIX = f"Fix: {DELETE_CORRUPT_FIX}."


def damaged(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs of a ``list_runs()`` table that the index marks corrupt."""
    if runs.empty or "status" not in runs:
        return runs.iloc[0:0]
    return runs[runs["status"] == "corrupt"]


def _problem(row: pd.Series) -> str:
    problem = row.get("problem")
    return problem if isinstance(problem, str) and problem else "its files no longer match"


def _name(row: pd.Series) -> str:
    """A damaged run's label; one whose identity cannot be read is known by its id only."""
    if pd.isna(row.get("model")) and pd.isna(row.get("dataset")):
        return f"run {row['run_id']}"
    return f"{data.run_label(row)} (run {row['run_id']})"


def notice(runs: pd.DataFrame, *, listed: bool = False) -> None:
    """One error box naming each damaged run of ``runs`` and the fix; ``listed`` when the page
    shows them in its table (Home) rather than leaving them out."""
    bad = damaged(runs)
    if bad.empty:
        return
    lead = (md("{n} stored run(s) are damaged: listed with their problem, never used.",
               n=len(bad)) if listed else
            md("{n} stored run(s) are damaged and left out of this page; the other runs are "
               "shown.", n=len(bad)))
    lines = "\n".join(md("- {name}: {problem}", name=_name(row), problem=_problem(row))
                      for _, row in bad.iterrows())
    st.error(lead + "\n\n" + lines + "\n\n" + FIX,
             icon=":material/broken_image:")


def read_problem(exc: Exception) -> str:
    """What to say after "<run name> " when reading a run just failed: for a damaged run what
    is wrong and the fix (and the cached run list is dropped, so the index's new ``corrupt``
    mark shows on the next rerun), otherwise the error itself."""
    if isinstance(exc, CorruptRunError):
        data.refresh_runs()
        return f"is damaged: {exc.detail}. {FIX}"
    return f"cannot be read from the store: {exc}"


def show_read_problem(name: str, exc: Exception) -> None:
    """:func:`read_problem` as an error box (for a page about this one run)."""
    if isinstance(exc, CorruptRunError):
        data.refresh_runs()
        st.error(md("{name} (run {rid}) is damaged: {detail}.", name=name, rid=exc.run_id,
                    detail=exc.detail) + " " + FIX, icon=":material/broken_image:")
    else:
        st.error(md("{name} cannot be read from the store: {exc}", name=name, exc=exc))
