"""Explain an external evaluation's image: the SOURCE run's model on one TARGET image.

An external evaluation (:mod:`core.external`) stored what a run's model gave each image of
another dataset. Its errors are the images a reader wants to see explained, and they are in
none of the run's own predictions, so they get a source of their own here: the evaluation, then
one of its target images (its stored ``test`` rows, :func:`dashboard.evaluations.external_rows`).
The picture is read through the target dataset's loader by its sample id
(:func:`dashboard.explain.inputs.sample_image`, as for a run's own test image: the loader keeps
every path inside the dataset's folder) and goes to the source run's model at its input size.

Beside the model's live probabilities the card shows the ones the evaluation stored. Both come
from the same decode and resize (:mod:`core.datasets.reduced` makes the model input exactly as
the prediction pipeline does), so they agree; a difference means the model, or the image,
changed since the evaluation was stored.

A link ``?eval=<evaluation id>&sample=<target sample id>[&class=<name>]`` (from the Errors
gallery of an evaluation) preselects the evaluation, its source run and the image.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd
import streamlit as st

from core.errors import LesionlabError
from core.store import StoreError, prob_columns
from dashboard.damage import show_read_problem
from dashboard.evaluations import external_record, external_rows, intact_external
from dashboard.explain.inputs import KEY, InputImage, LinkSelection, sample_image_or_say
from dashboard.text import md, plain_table, visible

#: The link parameter naming the evaluation (the Errors page's own ``?eval=``).
EVAL_PARAM = "eval"
SOURCE_EXTERNAL = "External evaluation image"
UNKNOWN_EVAL = ("The link names an external evaluation that is not in the results store (or "
                "whose source run has no usable model here); choose an image below.")
UNKNOWN_SAMPLE = ("The link names an image that is not among this evaluation's external "
                  "images; showing its first image instead.")


def offered(runs: pd.DataFrame) -> dict[str, str]:
    """Evaluation id -> name (as on Compare and Errors) of the intact evaluations whose source
    run is among ``runs`` (runs with a usable model): the ones an image can be explained for."""
    from dashboard.compare.external import external_names

    table = intact_external()
    if not len(table):
        return {}
    table = table[table["run_id"].isin(set(runs["run_id"]))]
    return external_names(table) if len(table) else {}


def link_of(eid: str, runs: pd.DataFrame) -> LinkSelection:
    """The selection ``?eval=`` asks for (its source run, the linked sample and class); an
    unknown evaluation gets one warning, with the id shown literally, and selects nothing."""
    if eid not in offered(runs):
        st.warning(UNKNOWN_EVAL)
        st.text(visible(f"{EVAL_PARAM} = {eid}"))
        return LinkSelection(None, None)
    return LinkSelection(external_record(eid).run_id, st.query_params.get("sample"),
                         st.query_params.get("class"), eval_id=eid)


def apply_link(link: LinkSelection) -> None:
    """Put an evaluation link's choice into this source's widgets (the caller applies it once
    per link and adds the source run to the chosen models)."""
    st.session_state[KEY + "source"] = SOURCE_EXTERNAL
    st.session_state[KEY + "eval"] = link.eval_id
    if link.sample_id is not None:
        st.session_state[KEY + "eval_sample"] = link.sample_id


def external_image(runs: pd.DataFrame, sizes: tuple[int, ...]) -> InputImage | None:
    """The chosen evaluation's chosen target image, reduced for ``sizes`` (None: said why)."""
    names = offered(runs)
    if st.session_state.get(KEY + "eval") not in names:
        st.session_state[KEY + "eval"] = next(iter(names))
    eid = st.selectbox("External evaluation (a run's model on another dataset)", list(names),
                       key=KEY + "eval", format_func=lambda i: visible(names[i]))
    try:
        record = external_record(eid)
        rows = external_rows(eid).set_index("sample_id")
    except StoreError as exc:  # damaged since it was listed: named, with the fix
        show_read_problem(names[eid], exc)
        return None
    except (LesionlabError, OSError, ValueError, KeyError) as exc:
        st.error(md("The stored predictions of {name} cannot be read.", name=names[eid]))
        st.text(visible(exc))
        return None
    sample_id = _choose_sample(eid, record.run_id, rows)
    if sample_id is None:
        return None
    _write_link(eid, record.run_id, sample_id)
    target = str(record.dataset)
    st.caption(md("Image from {target} (external evaluation {name})", target=target,
                  name=names[eid]))
    image = sample_image_or_say(target, sample_id, sizes, what="target")
    if image is None:
        return None
    return InputImage(name=sample_id, image=image, source="external", dataset=target,
                      sample_id=sample_id, split="external", true_label=str(
                          rows.at[sample_id, "label"]), evaluation=eid)


def _choose_sample(eid: str, source_run: str, rows: pd.DataFrame) -> str | None:
    """The image picker over the evaluation's target images; a linked image that is not one
    of them gets one warning (once, on the link) and the first image instead."""
    if rows.empty:
        st.info("This evaluation stored no external images, so there is no image to pick.")
        return None
    wanted = st.session_state.get(KEY + "eval_sample")
    if wanted not in rows.index:
        if wanted is not None and st.session_state.get(KEY + "link_applied") == (
                source_run, wanted, eid):
            st.warning(UNKNOWN_SAMPLE)
            st.text(visible(f"sample = {wanted}"))
        st.session_state[KEY + "eval_sample"] = rows.index[0]
    return st.selectbox("Target image", list(rows.index), key=KEY + "eval_sample",
                        format_func=lambda s: visible(f"{s}  (true: {rows.at[s, 'label']})"))


def _write_link(eid: str, source_run: str, sample_id: str) -> None:
    """Keep the URL in step with the chosen evaluation image, so it can be shared."""
    if st.query_params.get(EVAL_PARAM) != eid or st.query_params.get("sample") != sample_id:
        st.query_params[EVAL_PARAM] = eid
        st.query_params["sample"] = sample_id
    if "run" in st.query_params:  # the run is the evaluation's source: not a link of its own
        del st.query_params["run"]
    st.session_state[KEY + "link_applied"] = (source_run, sample_id, eid)


def show_stored(images: Sequence[InputImage], loaded: Sequence, preds: dict) -> None:
    """Per external image: the probabilities its evaluation stored beside the source run's
    live ones (they must agree), or why they cannot be compared here."""
    for number, image in enumerate(images, start=1):
        if image.evaluation is None:
            continue
        record = external_record(image.evaluation)
        source = next((r for r in loaded if r.run.run_id == record.run_id), None)
        with st.container(border=True):
            st.subheader("Stored by the external evaluation", anchor=False)
            st.caption(md("Image from {target} (external evaluation {label}). The source "
                          "run's model gives the probabilities it stored; a difference means "
                          "the model or the image changed since.", target=image.dataset,
                          label=record.label))
            if source is None:
                st.info("Choose the evaluation's source run among the models above to compare "
                        "its live prediction with the stored one.")
                continue
            stored = external_rows(image.evaluation).set_index("sample_id").loc[
                image.sample_id, prob_columns(len(record.class_names))]
            live = preds[(image.digest, record.run_id)].probabilities
            table = pd.DataFrame({"class": list(source.run.class_names),
                                  "stored probability": stored.to_numpy(dtype=float),
                                  "live probability": list(live)})
            st.dataframe(plain_table(table), hide_index=True, width="stretch",
                         key=f"explain.external.{number}", placeholder="–")
