"""The Explain page's inputs: which runs, and which images (uploads or a dataset test image).

Uploads are decoded from bytes in memory and reduced at once to the model inputs and a preview
(``core.datasets.reduced.decode_reduced``), never written to disk; a file that
cannot be used (empty, not an image, truncated, too many pixels) gets one message naming it and
the other files go on. Every text that comes from a user (file names, decoder messages that quote
a file's first bytes) is shown with ``st.text``, which renders no Markdown or HTML.

Links such as ``?run=<run_id>&sample=<sample_id>&class=<name>`` (from the Errors gallery)
preselect that run and that dataset image (and, in ``maps.settings``, the class to explain). A
link is applied once per distinct value, so a later choice in the page is not overridden on the
next rerun; choosing a dataset image writes the link back to the URL so the view can be shared.
``?eval=<evaluation id>&sample=<target sample id>`` does the same for an external evaluation's
image, with the evaluation's source run as the model (:mod:`dashboard.explain.external`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core.datasets.errors import DatasetError
from core.datasets.reduced import ReducedImage, decode_reduced, reduce_image
from core.imports import stores_model
from core.store import CorruptRunError
from dashboard import damage, data
from dashboard.explain.session import results
from dashboard.text import md, visible

UPLOAD_TYPES = ["png", "jpg", "jpeg", "tif", "tiff", "bmp"]
SOURCE_UPLOAD = "Upload images"
SOURCE_DATASET = "Dataset test image"
KEY = "explain."


@dataclass(frozen=True, eq=False)
class InputImage:
    """An image to explain, reduced right after decoding (:mod:`core.datasets.reduced`: the
    model inputs and a preview are kept, never the full-resolution pixels), and where it came
    from."""

    name: str
    image: ReducedImage
    source: str  # "upload" | "dataset" | "external"
    dataset: str | None = None
    sample_id: str | None = None
    split: str | None = None
    true_label: str | None = None
    evaluation: str | None = None  #: the external evaluation an image of its target is from

    @property
    def rgb(self) -> np.ndarray:
        """The preview (long side at most ``PREVIEW_SIDE`` px)."""
        return self.image.preview

    @property
    def digest(self) -> str:
        return self.image.digest

    @property
    def nbytes(self) -> int:
        return self.image.nbytes


@dataclass(frozen=True)
class BadUpload:
    name: str
    message: str


@dataclass(frozen=True)
class LinkSelection:
    """What ``?run=...&sample=...&class=...`` (or ``?eval=...&sample=...``: then ``run_id`` is
    the evaluation's source run) asked for (None when absent or unknown)."""

    run_id: str | None
    sample_id: str | None
    class_name: str | None = None  #: the class the saliency maps explain (``maps.settings``)
    eval_id: str | None = None  #: an external evaluation whose target image is linked


def usable_runs() -> pd.DataFrame:
    """Runs whose training finished and whose files are intact (status ok), newest first; the
    damaged ones are named with the fix (:func:`dashboard.damage.notice`)."""
    runs = data.list_runs()
    if runs.empty:
        return runs
    damage.notice(runs)
    runs = runs[runs["status"] == "ok"] if "status" in runs else runs
    return runs.sort_values("created_at", ascending=False).reset_index(drop=True)


def with_model(runs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(runs with a model, runs without one)``: imported predictions have no model to run on
    an image (:func:`core.imports.stores_model`). A run whose record cannot be read counts as
    having one, so the place that loads it names the damage."""
    def has_model(run_id: str) -> bool:
        try:
            return stores_model(data.load_record(run_id))
        except Exception:  # noqa: BLE001 - reported where the run is loaded
            return True

    if runs.empty:
        return runs, runs
    mask = runs["run_id"].map(has_model).astype(bool)
    return runs[mask].reset_index(drop=True), runs[~mask].reset_index(drop=True)


def say_no_model(runs: pd.DataFrame) -> None:
    """One sentence naming the imported-predictions runs that Explain cannot use."""
    if runs.empty:
        return
    names = "; ".join(data.run_label(row._asdict()) for row in runs.itertuples())
    st.info(md("Imported predictions have no model to run on an image, so these runs cannot be "
               "explained here: {names}.", names=names), icon=":material/info:")


def link_selection(runs: pd.DataFrame, no_model: pd.DataFrame | None = None) -> LinkSelection:
    """Read the link's ``run`` and ``sample``; warn (as plain text) when the run is unknown
    or has no model (``no_model``: imported predictions). ``eval`` is read instead of ``run``
    when present (:func:`dashboard.explain.external.link_of`)."""
    if st.query_params.get("eval") is not None:
        from dashboard.explain import external  # it builds on this module

        return external.link_of(st.query_params["eval"], runs)
    run_id = st.query_params.get("run")
    sample_id = st.query_params.get("sample")
    if no_model is not None and run_id in set(no_model["run_id"]):
        st.warning("The link names imported predictions, which have no model to explain; "
                   "choose a run with a model below.")
        st.text(visible(f"run = {run_id}"))
        return LinkSelection(None, None)
    if run_id is not None and run_id in set(damage.damaged(data.list_runs())["run_id"]):
        st.warning("The link names a damaged run (named above); choose another one below.")
        st.text(visible(f"run = {run_id}"))
        return LinkSelection(None, None)
    if run_id is not None and run_id not in set(runs["run_id"]):
        st.warning("The link names a run that is not in the results store (or did not finish); "
                   "choose one below.")
        st.text(visible(f"run = {run_id}"))
        return LinkSelection(None, None)
    if run_id is None:
        return LinkSelection(None, None)
    return LinkSelection(run_id, sample_id, st.query_params.get("class"))


def _apply_link_once(link: LinkSelection, runs: pd.DataFrame) -> None:
    """Put the link's choice into the widgets' state, once per distinct link."""
    applied = st.session_state.get(KEY + "link_applied")
    current = (link.run_id, link.sample_id)
    if link.eval_id is not None:
        current = (*current, link.eval_id)
    if link.run_id is None or applied == current:
        return
    st.session_state[KEY + "link_applied"] = current
    chosen = list(st.session_state.get(KEY + "runs") or [])
    if link.run_id not in chosen:
        st.session_state[KEY + "runs"] = [link.run_id, *chosen]
    if link.eval_id is not None:
        from dashboard.explain import external

        external.apply_link(link)
    elif link.sample_id is not None:
        st.session_state[KEY + "source"] = SOURCE_DATASET
        st.session_state[KEY + "dataset_run"] = link.run_id
        st.session_state[KEY + "sample"] = link.sample_id


def choose_runs(runs: pd.DataFrame, link: LinkSelection) -> list[str]:
    """Multiselect of runs by their app-wide label; default: the newest few."""
    _apply_link_once(link, runs)
    labels = {row.run_id: data.run_label(row._asdict()) for row in runs.itertuples()}
    if KEY + "runs" not in st.session_state:
        st.session_state[KEY + "runs"] = list(runs["run_id"][:3])
    st.session_state[KEY + "runs"] = [r for r in st.session_state[KEY + "runs"] if r in labels]
    return st.multiselect("Models (runs) to compare", options=list(labels),
                          format_func=lambda rid: visible(f"{labels[rid]}  [{rid[:8]}]"),
                          key=KEY + "runs",
                          help="Each chosen run's model predicts and explains the same image.")


def choose_images(runs: pd.DataFrame) -> list[InputImage]:
    """Uploads, one dataset test image, or one image of an external evaluation's target
    (offered when the store holds one of a listed run), whichever source is selected."""
    from dashboard.explain import external

    sources = [SOURCE_UPLOAD, SOURCE_DATASET]
    if external.offered(runs):
        sources.append(external.SOURCE_EXTERNAL)
    if st.session_state.get(KEY + "source", SOURCE_UPLOAD) not in sources:
        st.session_state[KEY + "source"] = SOURCE_UPLOAD
    source = st.radio("Image source", sources, key=KEY + "source", horizontal=True)
    if source == external.SOURCE_EXTERNAL:
        image = external.external_image(runs, input_sizes(runs))
        return [] if image is None else [image]
    if source == SOURCE_UPLOAD:
        for name in ("run", "sample", "class", "eval"):  # the URL no longer describes what is shown
            if name in st.query_params:
                del st.query_params[name]
        return _uploaded_images(input_sizes(runs))
    image = _dataset_image(runs, input_sizes(runs))
    return [] if image is None else [image]


# --- uploads ---------------------------------------------------------------------------------


def decode_upload(name: str, content: bytes, input_sizes: tuple[int, ...] = ()
                  ) -> InputImage | BadUpload:
    """Decode one upload from its bytes and reduce it at once to the model inputs of
    ``input_sizes`` and a preview; any reason it cannot be used becomes a BadUpload."""
    try:
        image = decode_reduced(content, input_sizes, name=name)
    except DatasetError as error:  # ImageDecodeError: empty, not an image, truncated, too big
        return BadUpload(name, str(error))
    return InputImage(name=name, image=image, source="upload")


def input_sizes(runs: pd.DataFrame) -> tuple[int, ...]:
    """The input sizes of ``runs``' models: what an image is reduced to right away."""
    sizes = set()
    for run_id in runs["run_id"]:
        try:
            sizes.add(int(data.load_run_record(run_id).model.input_size))
        except Exception:  # noqa: BLE001 - a corrupt run is reported where it is loaded
            continue
    return tuple(sorted(sizes))


def _uploaded_images(sizes: tuple[int, ...]) -> list[InputImage]:
    files = st.file_uploader(
        "Images (PNG, JPEG, TIFF, BMP; grayscale, RGBA, 16-bit, CMYK and rotated photos are "
        "handled)", type=UPLOAD_TYPES, accept_multiple_files=True, key=KEY + "uploads",
        help="Decoded in memory, never saved. Each image is resized exactly as in training.")
    decoded = [_decoded(f, sizes) for f in files or []]
    bad = [d for d in decoded if isinstance(d, BadUpload)]
    if bad:
        with st.container(border=True):
            st.error(f"{len(bad)} of {len(decoded)} uploaded file(s) cannot be used and are "
                     "skipped; the others are explained below.", icon=":material/error:")
            for item in bad:
                st.text(visible(f"{item.name}: {item.message}"))
    return [d for d in decoded if isinstance(d, InputImage)]


def _decoded(file, sizes: tuple[int, ...]) -> InputImage | BadUpload:
    """Decode once per uploaded file (its id changes when the user uploads it again) and
    set of model input sizes (a newly trained run may need another one)."""
    key = ("upload", file.file_id, sizes)
    cached = results().get(key)
    if cached is None:
        cached = decode_upload(file.name, file.getvalue(), sizes)
        results().put(key, cached)
    return cached


# --- dataset test image ----------------------------------------------------------------------


def _dataset_image(runs: pd.DataFrame, sizes: tuple[int, ...]) -> InputImage | None:
    labels = {row.run_id: data.run_label(row._asdict()) for row in runs.itertuples()}
    if st.session_state.get(KEY + "dataset_run") not in labels:
        st.session_state[KEY + "dataset_run"] = next(iter(labels))
    run_id = st.selectbox("Test images of the dataset of run", list(labels),
                          format_func=lambda rid: visible(f"{labels[rid]}  [{rid[:8]}]"),
                          key=KEY + "dataset_run")
    try:
        predictions = data.load_predictions(run_id)
    except CorruptRunError as error:
        damage.show_read_problem(labels[run_id], error)
        return None
    except Exception as error:  # noqa: BLE001 - a corrupt run must not take the page down
        st.error("This run's stored predictions cannot be read, so its test images cannot be "
                 "listed; choose another run.")
        st.text(visible(error))
        return None
    test = predictions[predictions["split"] == "test"]
    wanted = st.session_state.get(KEY + "sample")
    # A linked sample may be a validation image (the Errors gallery shows both splits).
    extra = predictions[(predictions["sample_id"] == wanted) & (predictions["split"] != "test")]
    candidates = pd.concat([extra, test])
    if candidates.empty:
        st.info("This run stored no test predictions, so there is no test image to pick.")
        return None
    if wanted not in set(candidates["sample_id"]):
        if wanted is not None and st.session_state.get(KEY + "link_applied") == (run_id, wanted):
            st.warning("The link names an image that is not among this run's predictions; "
                       "showing the first test image instead.")
            st.text(visible(f"sample = {wanted}"))
        st.session_state[KEY + "sample"] = candidates["sample_id"].iloc[0]
    rows = candidates.set_index("sample_id")

    def describe(sid: str) -> str:
        split = rows.at[sid, "split"]
        where = "" if split == "test" else f", {split} split"
        return visible(f"{sid}  (true: {rows.at[sid, 'label']}{where})")

    sample_id = st.selectbox("Image", list(rows.index), key=KEY + "sample", format_func=describe)
    _write_link(run_id, sample_id)
    dataset_name = str(runs.loc[runs["run_id"] == run_id, "dataset"].iloc[0])
    row = rows.loc[sample_id]
    image = sample_image_or_say(dataset_name, sample_id, sizes)
    if image is None:
        return None
    return InputImage(name=sample_id, image=image, source="dataset", dataset=dataset_name,
                      sample_id=sample_id, split=str(row["split"]), true_label=str(row["label"]))


def sample_image_or_say(dataset_name: str, sample_id: str, sizes: tuple[int, ...],
                        what: str = "dataset") -> ReducedImage | None:
    """:func:`sample_image`, or None after one message saying the ``what`` image cannot be
    read (with the loader's own reason as plain text)."""
    try:
        return sample_image(dataset_name, sample_id, sizes)
    except DatasetError as error:
        st.error(md("This {what} image cannot be read (was the dataset moved or changed?).",
                    what=what))
        st.text(visible(error))
        return None


def sample_image(dataset_name: str, sample_id: str, sizes: tuple[int, ...]) -> ReducedImage:
    """A dataset's image by its sample id, read through the dataset's loader (which keeps every
    path inside the dataset's folder), reduced for ``sizes``; once per session."""
    key = ("dataset", dataset_name, sample_id, sizes)
    cached = results().get(key)
    if cached is not None:
        return cached
    ds = data.load_dataset(dataset_name)
    match = ds.table.index[ds.table["sample_id"] == sample_id]
    if len(match) == 0:
        raise DatasetError(f"Sample {sample_id!r} is no longer in dataset {dataset_name!r}.",
                           fix="the dataset changed since the run was trained; retrain it")
    row = ds.table.loc[match[0]]
    if int(row["array_index"]) >= 0 and ds.arrays is not None:
        rgb = np.asarray(ds.arrays[int(row["array_index"])])
        if rgb.ndim == 2:
            rgb = np.repeat(rgb[..., None], 3, axis=-1)
        image = reduce_image(rgb, sizes)
    else:
        image = decode_reduced(str(row["path"]), sizes)
    results().put(key, image)
    return image


def _write_link(run_id: str, sample_id: str) -> None:
    """Keep the URL in step with the chosen dataset image, so it can be shared."""
    if st.query_params.get("run") != run_id or st.query_params.get("sample") != sample_id:
        st.query_params["run"] = run_id
        st.query_params["sample"] = sample_id
    if "eval" in st.query_params:  # a run's own image: no longer an evaluation's
        del st.query_params["eval"]
    st.session_state[KEY + "link_applied"] = (run_id, sample_id)
