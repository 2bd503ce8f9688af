"""'Bring your own predictions or model' on Compare: the upload form and the model imports it
starts.

The same importers as the command line (``python -m core import-predictions`` /
``import-model``, :mod:`core.imports`), with the same options, so a file is checked by the
same rules in both places. An upload is staged under its own name in a private temporary
folder (:mod:`core.imports.upload`, in chunks, at most :data:`core.imports.table.MAX_FILE_BYTES`
for predictions on top of Streamlit's ``server.maxUploadSize``), because the importers read
files. A file that breaks a rule gives one message naming the first bad row, and nothing is
stored.

Predictions are checked and stored at once (a few seconds at most): the run list is cleared
(:func:`dashboard.data.refresh_runs`) before the page lists runs, so the new run is in the
picker in the same script run. A Keras model predicts every val/test image, which takes
minutes on a CPU, so it runs on the server's
:class:`~core.jobs.import_model.ModelImportRunner` (one per server, ``st.cache_resource``, like
the evaluation runner of :mod:`dashboard.compare.evaluate`): progress, cancel, and when the
run lands the run list is cleared and the page reruns so the picker offers it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core import config
from core.errors import LesionlabError
from core.imports import PREPROCESSING, import_predictions
from core.imports.table import MAX_FILE_BYTES
from core.imports.upload import message, stage, staged
from core.jobs import FAILED
from core.jobs.import_model import ModelImportRunner, ModelImportSnapshot, ModelImportTask
from core.store import ResultsStore
from dashboard import data
from dashboard.jobs.kept import job_head, kept_jobs
from dashboard.datasets.ui import registry_or_error
from dashboard.text import literal, md, plain_table, visible

__all__ = ["get_import_runner", "imports_expander"]

KINDS = {"predictions": "Predictions file (CSV or parquet)", "model": "Keras model (.keras)"}
TYPES = {"predictions": ["csv", "parquet"], "model": ["keras"]}
PREPROCESSING_WORDS = {"none": "none: 0..255 RGB as is", "scale01": "scale01: [0, 1]",
                       "tf": "tf: [-1, 1]", "caffe": "caffe: ImageNet (BGR, mean subtracted)",
                       "torch": "torch: ImageNet (mean, std)"}
_SEEN = "lesionlab.compare.imports_seen"


@st.cache_resource(show_spinner=False)
def _runner(store_root: str, registry: str) -> ModelImportRunner:
    return ModelImportRunner(ResultsStore(Path(store_root)), Path(registry))


def get_import_runner() -> ModelImportRunner:
    """The server's model-import runner for the configured store and datasets registry."""
    return _runner(str(config.store_root()), str(config.datasets_registry_path()))


def imports_expander(*, key: str) -> None:
    """The expander with the upload form, the outcome of an import, and the model imports."""
    with st.expander("Bring your own predictions or model", icon=":material/upload_file:"):
        kind = st.radio("What to import", list(KINDS), format_func=KINDS.get, horizontal=True,
                        key=f"{key}.import.kind")
        request = _form(kind, key)
        if request is not None and kind == "predictions":
            _predictions(**request)
        elif request is not None:
            _model(**request)
        model_imports(key=key)


def _form(kind: str, key: str) -> dict | None:
    """The form for ``kind``; the request when it was submitted, else None."""
    specs = registry_or_error() or {}
    limit = int(st.get_option("server.maxUploadSize"))
    with st.form(f"{key}.import.form.{kind}", border=False):
        upload = st.file_uploader(
            literal(KINDS[kind]), type=TYPES[kind], key=f"{key}.import.file.{kind}",
            help=f"Up to {limit} MB (server.maxUploadSize in .streamlit/config.toml). "
                 + ("One row per val/test image: sample_id (or path), split, one probability "
                    "column per class named as the dataset's classes (or, binary, one score "
                    "column = P(positive class)); optionally label." if kind == "predictions"
                    else "Loaded in Keras' safe mode only: a model that needs to run code "
                         "stored in it (a Lambda layer) is refused."))
        dataset = st.selectbox("Dataset", list(specs), index=None, key=f"{key}.import.dataset",
                               format_func=visible)
        name = st.text_input("Name", key=f"{key}.import.name",
                             help="How the run is named in every page.")
        seed = st.number_input("Split seed", min_value=0, value=0, step=1,
                               key=f"{key}.import.split_seed",
                               help="The split seed whose val/test split is used (0, as runs "
                                    "trained here by default).")
        options = _options(kind, key)
        go = st.form_submit_button("Import", key=f"{key}.import.go.{kind}",
                                   icon=":material/upload:")
    if not go:
        return None
    return {"upload": upload, "dataset": dataset, "name": name, "split_seed": int(seed),
            **options}


def _options(kind: str, key: str) -> dict:
    """The options of ``kind`` that the command line has too."""
    if kind == "predictions":
        own = st.checkbox("The file brings its own split", key=f"{key}.import.own_split",
                          help="Without it each row's split must be Lesionlab's for the "
                               "split seed; with it the file's own val/test split is used "
                               "(and shown as such).")
        return {"own_split": own}
    pre = st.selectbox("Preprocessing the model expects", list(PREPROCESSING),
                       index=list(PREPROCESSING).index("none"),  # the command line's default
                       format_func=lambda m: PREPROCESSING_WORDS.get(m, m),
                       key=f"{key}.import.preprocessing")
    layer = st.text_input("Last conv layer (optional)", key=f"{key}.import.last_conv",
                          help="The layer for Grad-CAM; empty: the last layer with a 2-D "
                               "feature map.")
    return {"preprocessing": pre, "last_conv_layer": layer.strip() or None}


def _missing(upload, dataset, name) -> bool:
    if upload is None or not dataset or not str(name).strip():
        st.error("Choose a file, a dataset and a name.", icon=":material/error:")
        return True
    return False


def _predictions(upload, dataset, name, split_seed, own_split) -> None:
    """Check and store the uploaded predictions now; one message either way."""
    if _missing(upload, dataset, name):
        return
    try:
        with staged(upload.name, upload, MAX_FILE_BYTES) as path:
            try:
                result = import_predictions(path, dataset, name, own_split=own_split,
                                            split_seed=split_seed, store=data.get_store())
            except LesionlabError as exc:
                st.error(literal(message(exc, path)), icon=":material/error:")
                return
    except LesionlabError as exc:  # the upload itself (its name, its size)
        st.error(literal(str(exc)), icon=":material/error:")
        return
    data.refresh_runs()
    _stored(result)


def _stored(result) -> None:
    run, section = result.run, result.run.record.get("import") or {}
    if not result.stored:
        st.info(md("Already stored as run {name} ({rid}): the same file was imported before, "
                   "nothing was stored again.", name=run.identity.get("model"),
                   rid=run.run_id[:12]), icon=":material/info:")
        return
    st.success(md("Stored run {name} on {dataset} ({rows} val/test rows{own}), run id {rid}. "
                  "It is in the run picker below.", name=run.record["model"]["name"],
                  dataset=run.identity["dataset"], rows=section.get("rows"),
                  own=", the file's own split" if section.get("own_split") else "",
                  rid=run.run_id[:12]), icon=":material/check_circle:")


def _model(upload, dataset, name, split_seed, preprocessing, last_conv_layer) -> None:
    """Queue the uploaded model's import on the server's runner (staged until it ends)."""
    if _missing(upload, dataset, name):
        return
    try:
        path = stage(upload.name, upload)
    except LesionlabError as exc:
        st.error(literal(str(exc)), icon=":material/error:")
        return
    get_import_runner().submit(ModelImportTask(
        path, dataset, str(name).strip(), preprocessing=preprocessing,
        last_conv_layer=last_conv_layer, split_seed=split_seed, staged=True))
    st.session_state.pop(_SEEN, None)


def model_imports(*, key: str) -> None:
    """The server's model imports (live while one runs)."""
    kept_jobs(lambda: get_import_runner().jobs(), _job_box,
              lambda snaps: (s.run_id for s in snaps if s.run_id),
              data.refresh_runs, seen_key=_SEEN, key=key)


def _job_box(snap: ModelImportSnapshot, key: str) -> None:
    job_head(snap, snap.task.label, get_import_runner().cancel,
             key=f"{key}.import.cancel.{snap.id}",
             help="Stops before the next step (a prediction pass that has begun finishes); "
                  "nothing is stored.")
    rows = [{"import": snap.task.label, "status": snap.status, "detail": snap.detail,
             "run id": snap.run_id or ""}]
    st.dataframe(plain_table(pd.DataFrame(rows)), hide_index=True, width="stretch",
                 placeholder="–")
    if snap.status == FAILED:
        st.error(literal(snap.error or ""), icon=":material/error:")
