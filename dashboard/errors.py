"""Thumbnails of the Errors page's images, read from where the dataset keeps them now, and
their Explain links.

Which images are wrong is :func:`core.evaluation.misclassified` (false negatives first); this
module only finds their pictures, with Streamlit's cache around the decoding, and builds their
links to Explain (:func:`explain_query`). Images are read from where the dataset keeps them
*now* (``core.datasets.load_dataset`` by the run's dataset name; array datasets such as MedMNIST
from ``LoadedDataset.arrays``), so a sample that has since been moved or deleted is listed with
the reason instead of a picture.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from core.errors import LesionlabError
from dashboard import data, urlstate
from dashboard.text import visible

__all__ = ["CLASS_PARAM", "EXTERNAL_PARAM", "dataset_samples",
           "evaluation_selectbox", "explain_query", "thumbnail"]

#: The Explain page's link parameter naming the class its saliency maps explain.
CLASS_PARAM = "class"


def explain_query(run_id: str, sample_id: str, true_label: str, class_names, threshold_rule: str,
                  *, external: bool = False) -> dict[str, str]:
    """The Explain link of one misclassified image: its run, sample, the shared threshold, and
    its TRUE class to explain (for a missed cancer: where the model saw, or did not see, the
    cancer). A one-vs-rest false positive's truth is "not <class>", no single class: then the
    link leaves the class out and Explain explains the call. ``external``: ``run_id`` is an
    external evaluation's id and ``sample_id`` one of its target images (``?eval=``: Explain
    runs the evaluation's source model on that image)."""
    from dashboard.threshold import PARAM

    query = {EXTERNAL_PARAM if external else "run": run_id, "sample": sample_id,
             PARAM: threshold_rule}
    if true_label in list(class_names):
        query[CLASS_PARAM] = true_label
    return query


def dataset_samples(name: str):
    """``(table indexed by sample_id, arrays or None, None)`` or ``(None, None, reason)``."""
    try:
        ds = data.load_dataset(name)
    except (LesionlabError, OSError, ValueError, KeyError) as exc:
        return None, None, f"dataset {name!r} cannot be loaded now: {exc}"
    return ds.table.set_index("sample_id"), ds.arrays, None


@st.cache_data(show_spinner=False, max_entries=2048)
def _thumb_from_file(path: str, size: int) -> np.ndarray:
    from core.datasets.images import decode_image

    image = Image.fromarray(decode_image(path))
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    return np.asarray(image)


def thumbnail(dataset: str, sample_id: str, size: int = 160) -> tuple[np.ndarray | None, str]:
    """``(RGB thumbnail, "")`` or ``(None, why there is no picture)``."""
    table, arrays, reason = dataset_samples(dataset)
    if table is None:
        return None, reason
    if sample_id not in table.index:
        return None, "not in the dataset as it is loaded now (moved or removed?)"
    row = table.loc[sample_id]
    try:
        if int(row["array_index"]) >= 0 and arrays is not None:
            array = np.asarray(arrays[int(row["array_index"])])
            if array.ndim == 2:
                array = np.stack([array] * 3, axis=-1)
            image = Image.fromarray(array.astype(np.uint8))
            image.thumbnail((size, size), Image.Resampling.NEAREST)
            return np.asarray(image), ""
        return _thumb_from_file(str(row["path"]), size), ""
    except (LesionlabError, OSError, ValueError) as exc:
        return None, f"cannot be read: {exc}"


#: The URL parameter of the external evaluation the Errors page shows (ids, not labels, so
#: it is kept by :mod:`dashboard.urlstate`, as Compare's ``?evals=``).
EXTERNAL_PARAM = "eval"


def evaluation_selectbox() -> tuple[str | None, dict[str, str]]:
    """The intact external evaluation chosen (``?eval=<id>``), or None, and every intact
    evaluation's name (none stored: no widget). Named as on Compare
    (:func:`dashboard.compare.external.external_names`)."""
    from dashboard.compare.external import external_names
    from dashboard.evaluations import intact_external

    table = intact_external()
    if table.empty:
        urlstate.write(EXTERNAL_PARAM, None)
        return None, {}
    names = external_names(table)
    widget = "errors.eval"
    raw = urlstate.arrived(EXTERNAL_PARAM, first_render=widget not in st.session_state)
    if raw is not None:  # a link (a URL value this session did not write)
        st.session_state[widget] = raw
        urlstate.remember(EXTERNAL_PARAM, raw)
    if st.session_state.get(widget) not in names:  # deleted, damaged or a stale link
        st.session_state[widget] = None
    chosen = st.selectbox("Or an external evaluation (a run's model on another dataset)",
                          list(names), key=widget, format_func=lambda i: visible(names[i]),
                          placeholder="Choose an external evaluation")
    urlstate.write(EXTERNAL_PARAM, chosen)
    return chosen, names
