"""Models of the chosen runs, and their predictions for every input image.

Models come from ``data.load_model`` (``st.cache_resource``: loaded once per server, shared, and
the same object on every rerun, so ``core.saliency`` finds its cached explainers for it).
Predictions are remembered per image and run in the session, so a rerun (opacity, class, a new
saliency method) does not call the model again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import streamlit as st

from core.explain import Prediction, RunModel, input_warnings, predict
from core.store import CorruptRunError
from dashboard import data
from dashboard.damage import show_read_problem
from models import register_custom_objects
from dashboard.explain.format import display_image, model_input_uint8, predictions_table
from dashboard.explain.inputs import InputImage
from dashboard.explain.session import results
from dashboard.text import literal, md, plain_table, visible


@dataclass(frozen=True, eq=False)
class LoadedRun:
    run: RunModel
    model: Any  # keras.Model, shared through st.cache_resource


Predictions = dict[tuple[str, str], Prediction]  # (image digest, run_id) -> prediction


def load_runs(run_ids: Sequence[str], labels: dict[str, str]) -> list[LoadedRun]:
    """Each run's record and model; a run whose model cannot be loaded gets one message."""
    # StoredRun.load_model imports ``models`` but not the modules that register our custom
    # layers with Keras (models.saving says to call this first); without it a fresh server
    # cannot load any model. Idempotent and cheap.
    register_custom_objects()
    loaded = []
    for run_id in run_ids:
        try:
            run = RunModel.from_record(run_id, labels[run_id], data.load_run_record(run_id))
            model = data.load_model(run_id)
        except CorruptRunError as error:  # named with the fix; the other runs go on
            show_read_problem(labels[run_id], error)
            continue
        except Exception as error:  # noqa: BLE001 - a corrupt run must not take the page down
            st.error(md("The model of {run} cannot be loaded; it is left out.",
                        run=labels[run_id]))
            st.text(visible(error))
            continue
        loaded.append(LoadedRun(run, model))
    return loaded


def predictions(images: Sequence[InputImage], runs: Sequence[LoadedRun]) -> Predictions:
    """Every run's prediction for every image (one ``predict`` call per run for new images)."""
    cache = results()
    out: Predictions = {}
    for loaded in runs:
        todo = [im for im in images if ("pred", im.digest, loaded.run.run_id) not in cache]
        if todo:
            with st.spinner(md("Predicting with {run}…", run=loaded.run.label)):
                fresh = predict(loaded.model, loaded.run,
                                [im.image.model_input(loaded.run.input_size) for im in todo])
            for image, prediction in zip(todo, fresh):
                cache.put(("pred", image.digest, loaded.run.run_id), prediction)
        for image in images:
            out[(image.digest, loaded.run.run_id)] = cache.get(("pred", image.digest,
                                                                 loaded.run.run_id))
    return out


def show(images: Sequence[InputImage], runs: Sequence[LoadedRun], preds: Predictions,
         thresholds: dict[str, float]) -> None:
    """Per image: the image, each model's input as it saw it, and the table of calls."""
    for number, image in enumerate(images, start=1):
        with st.container(border=True):
            st.subheader(f"Image {number:d}" if len(images) > 1 else "Image", anchor=False)
            height, width = image.image.original_size
            st.text(visible(f"{image.name}  ({width}x{height} px)"))
            if image.true_label is not None:
                st.text(visible(f"True label: {image.true_label}  ({image.split} split of "
                                f"dataset {image.dataset})"))
            columns = st.columns(1 + len(runs))
            columns[0].image(display_image(image.rgb), caption="Image as decoded",
                             width="stretch")
            for column, loaded in zip(columns[1:], runs):
                size = loaded.run.input_size
                prediction = preds[(image.digest, loaded.run.run_id)]
                column.image(display_image(model_input_uint8(prediction)), width="stretch",
                             caption=literal(f"{loaded.run.label}: its input ({size}x{size})"))
            table = predictions_table([r.run for r in runs],
                                      {r.run.run_id: preds[(image.digest, r.run.run_id)]
                                       for r in runs}, thresholds)
            st.dataframe(plain_table(table), placeholder="–", hide_index=True,
                         width="stretch", column_config=_COLUMNS,
                         key=f"explain.predictions.{number}")
            far_from_training(image, runs)


def far_from_training(image: InputImage, runs: Sequence[LoadedRun]) -> None:
    """On the card, per model: why its call on this image may not be trusted
    (:func:`core.explain.input_warnings`: size, shape, synthetic data, random start)."""
    height, width = image.image.original_size
    for loaded in runs:
        found = input_warnings(data.load_run_record(loaded.run.run_id), width, height)
        if found:
            st.warning(md("**{run}**", run=loaded.run.label) + "  \n"
                       + "  \n".join(literal(w.text) for w in found), icon=":material/warning:")


_COLUMNS = {
    "P(predicted)": st.column_config.NumberColumn(format="%.4f"),
    "P(positive)": st.column_config.NumberColumn(format="%.4f"),
    "threshold": st.column_config.NumberColumn(format="%.3f"),
    "run_id": st.column_config.TextColumn(width="small"),
}
