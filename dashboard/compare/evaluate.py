"""'Evaluate on another dataset' on Compare: the form, and the background jobs it starts.

Why the request is checked before it is queued: a class of the target with no counterpart in
the run (or a mapping that names classes neither has) must be refused with one message before
any work, and nothing may be stored; :func:`core.external.prepare` is the first step of an
evaluation alone, so the form asks it for every chosen run and queues only a request that all
of them accept. The evaluations then run on the server's
:class:`~core.jobs.evaluation.EvaluationRunner` (one per server, ``st.cache_resource``, like the
training runner of :mod:`dashboard.jobs.panel`): the page stays usable, shows progress, can
cancel, and when an evaluation lands in the store the page reruns so the new evaluation is
offered in the picker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd
import streamlit as st

from core import config
from core.datasets import load_registry
from core.errors import LesionlabError
from core.external import SPLITS, parse_mapping, prepare
from core.jobs import FAILED
from core.jobs.evaluation import EvaluationRunner, EvaluationSnapshot, EvaluationTask
from core.store import ResultsStore
from dashboard import data
from dashboard.jobs.kept import job_head, kept_jobs
from dashboard.text import literal, md, plain_table, visible

__all__ = ["evaluate_form", "evaluation_jobs", "get_runner", "request_tasks"]

SPLIT_WORDS = {"test": "the target's test split", "all": "every image of the target"}


@st.cache_resource(show_spinner=False)
def _runner(store_root: str, registry: str) -> EvaluationRunner:
    return EvaluationRunner(ResultsStore(Path(store_root)), Path(registry))


def get_runner() -> EvaluationRunner:
    """The server's evaluation runner for the configured store and datasets registry."""
    return _runner(str(config.store_root()), str(config.datasets_registry_path()))


def request_tasks(run_ids: Sequence[str], dataset: str | None, split: str, mapping_text: str,
                  names: dict[str, str]) -> list[EvaluationTask]:
    """The tasks of a request, or the :class:`~core.errors.LesionlabError` that refuses it
    (checked for every run before anything is queued)."""
    if not run_ids or not dataset:
        raise LesionlabError("Choose at least one stored run and a target dataset.")
    mapping = parse_mapping(mapping_text)
    store, registry = data.get_store(), config.datasets_registry_path()
    for rid in run_ids:
        prepare(store, rid, dataset, split=split, mapping=mapping, registry_path=registry)
    pairs = tuple(sorted(mapping.items())) if mapping else None
    return [EvaluationTask(rid, dataset, split, pairs, names.get(rid, "")) for rid in run_ids]


def _datasets() -> list[str]:
    try:
        return sorted(load_registry(config.datasets_registry_path()))
    except (LesionlabError, OSError) as exc:
        st.error(md("The datasets registry cannot be read: {exc}", exc=exc))
        return []


def evaluate_form(runs: pd.DataFrame, names: dict[str, str], *, key: str) -> None:
    """The expander with the request form and the evaluation jobs of this server."""
    with st.expander("Evaluate on another dataset", icon=":material/travel_explore:"):
        with st.form(f"{key}.evaluate.form", border=False):
            ids = st.multiselect("Stored run(s)", runs["run_id"].tolist(),
                                 key=f"{key}.evaluate.runs",
                                 format_func=lambda i: visible(names.get(i, i)))
            dataset = st.selectbox("Target dataset", _datasets(), index=None,
                                   key=f"{key}.evaluate.dataset", format_func=visible)
            split = st.radio("Split", list(SPLITS), format_func=SPLIT_WORDS.get,
                             key=f"{key}.evaluate.split", horizontal=True)
            mapping = st.text_input(
                "Class mapping (optional)", key=f"{key}.evaluate.mapping",
                placeholder="target_class=run_class, ...",
                help="Without one, a binary run's positive class stands for the target's "
                     "positive class and every other target class for the negative one, and "
                     "a multiclass run's classes must be the target's class names. A target "
                     "class left unmapped is refused, never dropped or guessed.")
            go = st.form_submit_button("Evaluate", key=f"{key}.evaluate.go",
                                       icon=":material/play_arrow:")
        if go:
            _submit(ids, dataset, split, mapping, names)
        evaluation_jobs(key=key)


def _submit(ids, dataset, split, mapping, names) -> None:
    try:
        tasks = request_tasks(ids, dataset, split, mapping, names)
    except LesionlabError as exc:
        st.error(literal(str(exc)), icon=":material/error:")
        return
    get_runner().submit(tasks, label=f"{len(tasks)} run(s) on {dataset} ({split})")
    st.session_state.pop(_SEEN, None)


_SEEN = "lesionlab.compare.evaluations_seen"


def evaluation_jobs(*, key: str) -> None:
    """The server's evaluation jobs (live while one runs)."""
    kept_jobs(lambda: get_runner().jobs(), _job_box,
              lambda snaps: (e for s in snaps for e in s.evaluation_ids),
              data.refresh_external, seen_key=_SEEN, key=key)


def _job_box(snap: EvaluationSnapshot, key: str) -> None:
    job_head(snap, snap.label, get_runner().cancel, key=f"{key}.evaluate.cancel.{snap.id}",
             help="Stops before the next step (an image pass that has begun finishes) and "
                  "skips the rest.")
    rows = [{"evaluation": s.task.label, "status": s.status, "detail": s.detail,
             "evaluation id": s.evaluation_id or ""} for s in snap.items]
    st.dataframe(plain_table(pd.DataFrame(rows)), hide_index=True, width="stretch",
                 placeholder="–")
    for s in snap.items:
        if s.status == FAILED:
            st.error(md("{label}: {error}", label=s.task.label, error=s.error or ""))
