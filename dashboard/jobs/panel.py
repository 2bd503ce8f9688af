"""The server's job runner and the panel that shows its jobs, for every page that trains.

One :class:`~core.jobs.JobRunner` per server process (``st.cache_resource``), keyed by the store
and registry it trains into and by its backend (in-process unless ``LESIONLAB_RAY_ADDRESS``
names a Ray cluster, see :mod:`core.jobs.ray_backend`): a job started on one page keeps running
when the user switches pages or closes the tab, and every session sees it. The panel only ever
reads immutable snapshots; it redraws itself every second while a job runs
(``st.fragment(run_every=...)``), and when runs land in the store it clears the cached run list
(:func:`refresh_runs`) and reruns the page, so tables and charts elsewhere fill in as results
arrive.

Run labels, dataset names and error messages are user text: they are shown in dataframes,
``st.text`` and ``st.code``, or made literal with :func:`dashboard.text.literal` where
Streamlit renders Markdown (progress texts, expander labels, captions).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

import pandas as pd
import streamlit as st

from core import config
from core.jobs import FAILED, JobRunner, JobSnapshot, RayBackend, RayBackendError
from core.jobs.ray_backend import configured_address
from core.store import ResultsStore
from dashboard.data import refresh_runs
from dashboard.jobs.overview import MISSING
from dashboard.text import literal, md, plain_table, visible

#: Seconds between redraws of a running job's panel.
REFRESH_S = 1.0
#: Each run's status in words: no emoji or symbol, which a browser without an emoji font
#: shows as an empty box (tests/dashboard/test_no_emoji.py).
_STATUS_WORDS = {"queued": "queued", "running": "running", "cached": "already stored",
                 "done": "trained", "failed": "failed", "cancelled": "cancelled"}


@st.cache_resource(show_spinner=False)
def _runner(store_root: str, registry: str, ray_address: str | None) -> JobRunner:
    store = ResultsStore(Path(store_root))
    backend = None
    if ray_address is not None:  # Ray is joined (or started) by the backend's own thread
        backend = RayBackend(ray_address, store=store, registry_path=Path(registry))
    return JobRunner(store, backend=backend, registry_path=Path(registry))


def get_runner() -> JobRunner:
    """The process-wide runner for the configured store, datasets registry and backend.

    With ``LESIONLAB_RAY_ADDRESS`` set but Ray not installed, the page says how to install it
    and stops, rather than training somewhere the user did not ask for."""
    try:
        return _runner(str(config.store_root()), str(config.datasets_registry_path()),
                       configured_address())
    except RayBackendError as exc:
        st.error(md("Training backend: {exc}", exc=exc), icon=":material/error:")
        st.stop()


def backend_note() -> str:
    """Where the runs of this server train, in one sentence (for the Train page)."""
    address = configured_address()
    if address is None:
        return "Runs train one at a time on this server."
    return (f"Runs train in parallel as Ray tasks (Ray at {address}, set by "
            "LESIONLAB_RAY_ADDRESS), each on one CPU, or on its share of a GPU "
            "(LESIONLAB_RAY_GPUS_PER_RUN, default one GPU) when the cluster has GPUs.")


def submit(specs: Sequence, label: str) -> str:
    """Queue ``specs`` on the server's runner and return the job id (never blocks)."""
    return get_runner().submit(specs, label=label).id


def jobs_panel(*, key: str, job_ids: Sequence[str] | None = None, limit: int = 3,
               empty_text: str | None = None) -> None:
    """Progress of the server's jobs (or only ``job_ids``): running and queued ones, then the
    ``limit`` most recent finished ones. Refreshes itself while anything runs."""
    if any(not s.done for s in _select(job_ids, limit)):
        _live_panel(key, job_ids, limit, empty_text)
    else:
        _still_panel(key, job_ids, limit, empty_text)


def _select(job_ids: Sequence[str] | None, limit: int) -> list[JobSnapshot]:
    snaps = get_runner().jobs()
    if job_ids is not None:
        snaps = [s for s in snaps if s.id in set(job_ids)]
    active = [s for s in snaps if not s.done]
    finished = [s for s in snaps if s.done][:limit]
    return active + finished


@st.fragment(run_every=REFRESH_S)
def _live_panel(key: str, job_ids, limit: int, empty_text) -> None:
    _render(key, job_ids, limit, empty_text)


@st.fragment
def _still_panel(key: str, job_ids, limit: int, empty_text) -> None:
    _render(key, job_ids, limit, empty_text)


def _render(key: str, job_ids, limit: int, empty_text) -> None:
    snaps = _select(job_ids, limit)
    if not snaps:
        if empty_text:
            st.caption(literal(empty_text))
        return
    for snap in snaps:
        with st.container(border=True):
            _job_box(snap, key)
    _notice_new_results(snaps, key)


def _notice_new_results(snaps: list[JobSnapshot], key: str) -> None:
    """When runs land in the store (or a job ends), clear the run list cache and rerun the
    whole page once, so that it shows the new results and stops refreshing when idle."""
    state_key = f"jobs_seen_{key}"
    landed = frozenset(rid for s in snaps for rid in s.finished_run_ids)
    ended = frozenset(s.id for s in snaps if s.done)
    previous = st.session_state.get(state_key)
    st.session_state[state_key] = (landed, ended)
    if previous is None:
        return
    if landed - previous[0] or ended - previous[1]:
        refresh_runs()
        st.rerun(scope="app")


def _job_box(snap: JobSnapshot, key: str) -> None:
    runner = get_runner()
    head, buttons = st.columns([5, 1], vertical_alignment="center")
    with buttons:
        if not snap.done:
            if st.button("Cancel", key=f"{key}-cancel-{snap.id}", icon=":material/stop:",
                         disabled=snap.cancel_requested,
                         help="Stops the running run after its current batch (its finished "
                              "epochs are kept: training it again resumes) and skips the rest."):
                runner.cancel(snap.id)
                snap = runner.get(snap.id).snapshot()
        elif st.button("Dismiss", key=f"{key}-forget-{snap.id}", icon=":material/close:",
                       help="Hide this finished job (its runs stay in the store)."):
            runner.forget(snap.id)
            head.caption("Dismissed.")
            return
    with head:
        st.markdown(md("**{label}** · started {clock}", label=snap.label,
                       clock=_clock(snap.created_at)))
    st.progress(min(max(snap.fraction, 0.0), 1.0), text=literal(snap.headline()))
    if snap.time_words():  # measured: core.training.eta
        st.caption(literal(snap.time_words()))
    if snap.cancel_requested and not snap.done:
        st.caption("Cancelling: the running run stops after its current batch.")
    current = snap.running
    if current is not None:
        st.text(visible(f"Now: {current.label}"))
        words = " · ".join(w for w in (current.detail, current.time_words()) if w)
        st.progress(min(max(current.fraction, 0.0), 1.0), text=literal(words))
    st.dataframe(plain_table(_runs_frame(snap)), hide_index=True, width="stretch",
                 placeholder=MISSING, column_config={
                     "progress": st.column_config.ProgressColumn(
                         "progress", min_value=0.0, max_value=1.0, format="percent"),
                     "test AUC": st.column_config.NumberColumn(format="%.3f"),
                 })
    for run in snap.runs:
        if run.status == FAILED:
            with st.expander(md("Run {n} failed: what went wrong", n=run.index + 1),
                             icon=":material/error:"):
                st.text(visible(run.label))
                st.code(visible(run.error or "", keep="\n"), language=None, wrap_lines=True)
                st.caption("Full traceback (for a bug report):")
                st.code(visible(run.traceback or "", keep="\n"), language="python")
    with st.expander("Log", icon=":material/list:"):
        st.code(visible("\n".join(snap.log), keep="\n"), language=None, wrap_lines=True)


def _runs_frame(snap: JobSnapshot) -> pd.DataFrame:
    rows = []
    for run in snap.runs:
        seconds = run.seconds
        rows.append({
            "#": run.index + 1,
            "run": run.label,
            "status": _STATUS_WORDS.get(run.status, run.status),
            "progress": 0.0 if run.status == FAILED else run.fraction,
            "detail": run.detail,
            "test AUC": (run.summary or {}).get("test_auc"),
            "seconds": round(seconds, 1) if seconds is not None else None,
            "time": run.time_words() or None,
            "run id": run.run_id or "",
        })
    return pd.DataFrame(rows)


def _clock(iso: str) -> str:
    """Local wall-clock time of an ISO UTC timestamp, e.g. ``14:03:12``."""
    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return iso
