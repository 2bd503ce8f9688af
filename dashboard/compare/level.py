"""Per image or per patient: the evaluation level toggle (with its aggregation), in the URL.

Why it exists: a clinician decides per patient (or per lesion), not per 50 x 50 patch, and a
patient with 300 patches would otherwise count 300 times.  The toggle appears only when a
selected run has groups; group scores are aggregated with mean, max or the mean of the three
highest (see :mod:`core.evaluation.groups` for what each means clinically).  The choice lives
in ``?level=group&agg=max`` so a patient-level comparison is a shareable link too.
"""

from __future__ import annotations

from typing import Sequence

import streamlit as st

from core.evaluation.clustering import image_clustering
from core.evaluation.groups import few_groups
from dashboard import urlstate
from dashboard.evaluations import Selection, has_groups
from dashboard.text import md

__all__ = ["AGGREGATES", "level_control", "few_groups_warnings", "clustered_images_warnings"]

AGGREGATES = {"mean": "mean score", "max": "max score", "topk_mean": "mean of top-3 scores"}
_LEVELS = {"sample": "Image (sample)", "group": "Patient / lesion (group)"}


def _adopt_url(key: str) -> None:
    """A link's ``level`` / ``agg`` replaces the widgets' values (:mod:`dashboard.urlstate`)."""
    for param, widget, allowed in (("level", f"{key}.level", _LEVELS),
                                   ("agg", f"{key}.agg", AGGREGATES)):
        raw = urlstate.arrived(param, first_render=widget not in st.session_state)
        if raw in allowed:
            st.session_state[widget] = raw
            urlstate.remember(param, raw)


def level_control(run_ids: Sequence[str], *, key: str) -> tuple[str, str]:
    """``(level, aggregate)``; ``("sample", "mean")`` without a toggle when no run has groups."""
    grouped = [r for r in run_ids if has_groups(r)]
    if not grouped:
        urlstate.write("level", None)
        urlstate.write("agg", None)
        return "sample", "mean"
    _adopt_url(key)
    left, right = st.columns([2, 1])
    with left:
        level = st.radio("Evaluate per", list(_LEVELS), format_func=_LEVELS.get,
                         key=f"{key}.level", horizontal=True,
                         help="Per patient / lesion: the scores of a group's images are "
                              "aggregated and the group is positive if any image is.")
    with right:
        agg = st.selectbox("Group score", list(AGGREGATES), format_func=AGGREGATES.get,
                           key=f"{key}.agg", disabled=level != "group")
    if level == "group":
        urlstate.write("level", level)
        urlstate.write("agg", agg)
        if len(grouped) < len(run_ids):
            st.caption("Runs without patient / lesion ids count each image as its own group.")
    else:
        urlstate.write("level", None)
        urlstate.write("agg", None)
    return level, agg


def clustered_images_warnings(sel: Selection) -> None:
    """Per image, one warning per run whose test images cluster in patients or lesions: its
    image-level CIs are too narrow (the counts and why: :mod:`core.evaluation.clustering`)."""
    if sel.level != "sample":
        return
    for rid in sel.binary_ids:
        clustering = image_clustering(sel.evals[rid].predictions)
        if clustering.clustered:
            st.warning(md("{run}: {why}.", run=sel.names[rid], why=clustering.sentence))


def few_groups_warnings(sel: Selection) -> None:
    """Per patient/lesion, one warning per run whose test split has too few groups for its
    CIs to be read (the rule and its reasons: :func:`core.evaluation.groups.few_groups`); per
    image, :func:`clustered_images_warnings` instead (the level's own caveat, said in the
    same place)."""
    if sel.level != "group":
        clustered_images_warnings(sel)
        return
    for rid in sel.binary_ids:
        test = sel.evals[rid].test
        why = few_groups(int(test.n), int(test.sorted.n_pos))
        if why:
            st.warning(md("{run}: {why}.", run=sel.names[rid], why=why))
