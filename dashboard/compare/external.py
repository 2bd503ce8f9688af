"""Choosing external evaluations on Compare: a second picker beside the runs, in the URL.

Why beside the run picker rather than inside it: an external evaluation is not a run (no
training of its own, another dataset than the one its model learnt from) and must read as
such: each is named "trained on A, tested on B" (plus "(overlapping)" when the overlap check
found training images in the target), after its model. The choice is mirrored in ``?evals=``
(:mod:`dashboard.urlstate`), so a comparison with external evaluations is a link too; evaluation
ids are content addresses, as run ids are.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import urlstate
from dashboard.evaluations import external_record, intact_external
from dashboard.text import visible

__all__ = ["PARAM", "external_names", "external_picker"]

PARAM = "evals"


def external_names(table: pd.DataFrame) -> dict[str, str]:
    """evaluation id -> display name: the model, then the evaluation's own label, then "all
    images" when the whole target was evaluated rather than its test split (made unique with
    the id's first characters when two still collide)."""
    labels = {}
    for row in table.itertuples():
        record = external_record(row.evaluation_id)
        split = " · all images" if record.all_images else ""
        labels[row.evaluation_id] = f"{record.model} · {record.label}{split}"
    seen = pd.Series(list(labels.values()), dtype=object).value_counts()
    return {eid: (f"{lab} · {eid[:6]}" if seen[lab] > 1 else lab) for eid, lab in labels.items()}


def external_picker(*, key: str) -> tuple[list[str], dict[str, str]]:
    """The chosen evaluation ids and the names of every stored evaluation (none: no widget)."""
    table = intact_external()
    if table.empty:
        urlstate.write(PARAM, None)
        return [], {}
    names = external_names(table)
    widget = f"{key}.evals"
    raw = urlstate.arrived(PARAM, first_render=widget not in st.session_state)
    if raw is not None:
        st.session_state[widget] = [i for i in raw.split(",") if i in names]
        urlstate.remember(PARAM, raw)
    else:
        st.session_state[widget] = [i for i in st.session_state.get(widget, []) if i in names]
    chosen = st.multiselect("External evaluations (a run's model on another dataset)",
                            list(names), key=widget, format_func=lambda i: visible(names[i]),
                            placeholder="Choose external evaluations",
                            help="Every threshold rule stays chosen on the source run's "
                                 "validation split: the external set never tunes it.")
    urlstate.write(PARAM, ",".join(chosen) or None)
    return list(chosen), names
