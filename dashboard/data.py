"""Cached access to the results store for every page.

The app computes nothing heavy itself: it lists runs from the SQLite index, reads stored
predictions, and builds one :class:`~core.evaluation.RunEvaluation` per (run, level) — once per
server process, shared by every session (``st.cache_data`` pickles results per call site; the
evaluation objects are immutable, so sharing them is safe). Keras models go through
``st.cache_resource``: one instance per run for all sessions, never copied.

Caches are keyed by ``run_id``, which is a content address, so a cached value can never go stale:
a retrained run is a different id. Only the run *list* changes over time; it has a short TTL and
:func:`refresh_runs` clears it when a page knows the store changed (a training job finished).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core import config
from core.evaluation import EvaluationError, RunEvaluation
from core.store import ResultsStore, RunRecord, StoredRun, StoreError, is_run_id
from dashboard.text import literal


def store_root() -> Path:
    return config.store_root()


@st.cache_resource(show_spinner=False)
def _store(root: str) -> ResultsStore:
    return ResultsStore(Path(root))


def get_store() -> ResultsStore:
    """The store under the configured root (``LESIONLAB_STORE`` / ``LESIONLAB_HOME``)."""
    return _store(str(store_root()))


@st.cache_data(ttl=5, show_spinner=False)
def _runs(root: str) -> pd.DataFrame:
    return _store(root).list_runs()


def list_runs() -> pd.DataFrame:
    """All runs in the index (a fresh read at most every 5 s). A store that cannot be listed
    at all (its folder unreadable) stops the page with the store's message, not a traceback."""
    try:
        return _runs(str(store_root()))
    except (StoreError, OSError) as exc:
        st.error(literal(f"The results store cannot be listed: {exc}"),
                 icon=":material/error:")
        st.stop()


def refresh_runs() -> None:
    _runs.clear()


def get_run(run_id: str) -> StoredRun:
    return get_store().get(run_id)


@st.cache_data(show_spinner=False, max_entries=256)
def _predictions(root: str, run_id: str) -> pd.DataFrame:
    return _store(root).get(run_id).predictions()


def load_predictions(run_id: str) -> pd.DataFrame:
    return _predictions(str(store_root()), run_id)


@st.cache_data(show_spinner=False, max_entries=256)
def _record(root: str, run_id: str) -> dict:
    return _store(root).get(run_id).record


def load_record(run_id: str) -> dict:
    """The run's record as the stored dict (prefer :func:`load_run_record`)."""
    return _record(str(store_root()), run_id)


@st.cache_resource(show_spinner=False, max_entries=256)
def _run_record(root: str, run_id: str) -> RunRecord:
    return RunRecord.from_dict(_record(root, run_id))


def load_run_record(run_id: str) -> RunRecord:
    """The run's record as a typed, read-only :class:`~core.store.RunRecord`, built once per
    server and shared (cache_resource: the view cannot be changed, so sharing it is safe)."""
    return _run_record(str(store_root()), run_id)


@st.cache_resource(show_spinner=False, max_entries=128)
def _evaluation(root: str, run_id: str, level: str, aggregate: str,
                positive_index: int | None) -> RunEvaluation:
    record = _run_record(root, run_id)  # read first: a damaged record stops here, as it did
    if positive_index is None:
        positive_index = record.positive_index
    if positive_index is None:  # multiclass: which class is "positive" is the caller's choice
        raise EvaluationError(
            "a multiclass run has no positive class of its own; pick the class for its "
            "one-vs-rest view")
    return RunEvaluation.from_predictions(
        _predictions(root, run_id),
        positive_index=int(positive_index),
        level=level,
        aggregate=aggregate,
    )


def load_evaluation(run_id: str, level: str = "sample", aggregate: str = "mean",
                    positive_index: int | None = None) -> RunEvaluation:
    """The binary evaluation of one run, computed once per server (cache_resource: the object
    is immutable and shared, so it is not pickled and copied on every rerun): the run's own
    positive class, or ``positive_index`` against the rest (a one-vs-rest view of a multiclass
    run, whose record names no positive class)."""
    return _evaluation(str(store_root()), run_id, level, aggregate, positive_index)


@st.cache_data(show_spinner=False, max_entries=256)
def _history(root: str, run_id: str) -> pd.DataFrame:
    return _store(root).get(run_id).history()


def load_history(run_id: str) -> pd.DataFrame:
    """The run's per-epoch training history (checksum verified on first read)."""
    return _history(str(store_root()), run_id)


@st.cache_resource(show_spinner="Reading the dataset…", ttl=600, max_entries=8)
def _dataset(name: str, registry: str):
    from core.datasets import load_dataset

    return load_dataset(name, Path(registry))


def load_dataset(name: str):
    """A declared dataset's sample table (and in-memory arrays), shared by all sessions; keyed
    by the registry file and re-read every 10 minutes, so an edited datasets.toml is seen."""
    return _dataset(name, str(config.datasets_registry_path()))


@st.cache_resource(show_spinner="Loading model…", max_entries=16)
def _model(root: str, run_id: str):
    return _store(root).get(run_id).load_model()


def load_model(run_id: str):
    """The run's Keras model, loaded once per server (``safe_mode=True``) and shared."""
    return _model(str(store_root()), run_id)


def run_label(row: pd.Series | dict) -> str:
    """How a run is named everywhere in the app: model, dataset, strategy (+ seed/fold)."""
    get = row.get
    parts = [str(get("model")), "on", str(get("dataset")), f"· {get('strategy')}"]
    if get("profile") and get("profile") != "quick":
        parts.append(f"· {get('profile')}")
    if get("seed") not in (None, 0) and not pd.isna(get("seed")):
        parts.append(f"· seed {int(get('seed'))}")
    fold = get("fold")
    if fold is not None and not pd.isna(fold):
        parts.append(f"· fold {int(fold) + 1}")
    return " ".join(parts)


# --- external evaluations (a stored run's model on another dataset, core.external) ---------


@st.cache_resource(show_spinner=False)
def _evaluation_store(root: str):
    from core.store.evaluations import EvaluationStore

    return EvaluationStore(Path(root))


@st.cache_data(ttl=5, show_spinner=False)
def _externals(root: str) -> pd.DataFrame:
    if not (Path(root) / "evaluations").is_dir():  # reading never creates the folder
        return pd.DataFrame(columns=["evaluation_id", "run_id", "status"])
    return _evaluation_store(root).list_evaluations()


def list_external() -> pd.DataFrame:
    """Every stored external evaluation (index columns + summary; a fresh read every 5 s)."""
    return _externals(str(store_root()))


def refresh_external() -> None:
    _externals.clear()


def is_external(item_id: str) -> bool:
    """Whether ``item_id`` names a stored external evaluation rather than a run (both are
    content addresses of the same form; a folder test, not cached: one can appear any time)."""
    return is_run_id(str(item_id)) and (store_root() / "evaluations" / str(item_id)).is_dir()


@st.cache_resource(show_spinner=False, max_entries=128)
def _external(root: str, eid: str, level: str, aggregate: str):
    from core.external import external_result

    evaluation = _evaluation_store(root).get(eid)
    return external_result(evaluation, _store(root).get(evaluation.run_id), level=level,
                           aggregate=aggregate)


def load_external(eid: str, level: str = "sample", aggregate: str = "mean"):
    """The :class:`~core.external.ExternalResult` of a stored evaluation at ``level``, computed
    once per server and shared (immutable, as :func:`load_evaluation`): its ``run_evaluation``
    chooses thresholds on the source run's validation split and reads on the external set."""
    return _external(str(store_root()), eid, level, aggregate)


@st.cache_resource(show_spinner=False, max_entries=64)
def _external_one_vs_rest(root: str, eid: str, positive_index: int):
    from core.external import one_vs_rest

    return one_vs_rest(_evaluation_store(root).get(eid), positive_index)


def load_external_one_vs_rest(eid: str, positive_index: int):
    """A multiclass run's external evaluation as class ``positive_index`` against the others
    (:func:`core.external.one_vs_rest`), computed once per server and shared."""
    return _external_one_vs_rest(str(store_root()), eid, int(positive_index))


@st.cache_data(show_spinner=False, max_entries=512)
def _external_record(root: str, eid: str) -> dict:
    return _evaluation_store(root).get(eid).record


def load_external_record(eid: str) -> dict:
    """A stored evaluation's record (its label, source, target, overlap), checksum verified."""
    return _external_record(str(store_root()), eid)
