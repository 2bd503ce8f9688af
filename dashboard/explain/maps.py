"""Saliency controls (methods, class, method options, sanity checks) and the computation.

Every map and sanity check is a job with a key (:class:`ExplainKey`: image, run, method, class,
options; built only by :func:`explain_key`); finished jobs are kept in the session
(``session``), so only new jobs run and a rerun redraws from memory. Jobs run in one pass with
a progress bar and a Stop button (see ``session`` for how Stop reaches a running computation in
Streamlit 1.67). Explainers themselves are built once per model and method by
``core.saliency.get_explainer``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

import numpy as np
import streamlit as st

from core.explain import explain, sanity_check
from core.saliency import METHODS, SaliencyCancelled
from dashboard.explain.inputs import InputImage, LinkSelection
from dashboard.explain.predictions import LoadedRun, Predictions
from dashboard.explain.session import batch, results, resume_batch, start_batch, stop_batch
from dashboard.text import literal, md, visible

KEY = "explain."
PREDICTED = "the predicted class"
DEFAULT_METHODS = ["gradcam", "vanilla"]
OPTION_HELP = {
    "samples": "Noisy copies averaged; the cost grows in proportion.",
    "noise": "Noise standard deviation, as a fraction of the image's value range.",
    "chunk": "Samples per step; progress and Stop are checked between steps.",
    "max_n": "Feature channels used as masks (more: closer to full Score-CAM, slower).",
    "batch_size": "Masked images per forward pass; progress and Stop are checked between "
                  "passes.",
}


@dataclass(frozen=True)
class MapSettings:
    methods: tuple[str, ...]
    target: str | None  # a class name, or None for each model's predicted class
    options: dict[str, tuple[tuple[str, Any], ...]]  # method -> sorted (name, value) pairs
    sanity: bool


@dataclass(frozen=True)
class Failed:
    """A job that raised: its message is shown in the cell instead of a map."""

    message: str


@dataclass(frozen=True)
class ExplainKey:
    """What identifies one saliency map or sanity check: the session's results and the list of
    stopped work are keyed by it.

    Why one type built by one function (:func:`explain_key`): the job list stores a map under
    its key, and the grid and the CSV export look it up again; a key spelt differently in one of
    them would find nothing and show "not computed" for a map that is in memory.
    """

    kind: str  # "map" | "sanity"
    image_digest: str  # the image's content (``core.explain.image_digest``)
    run_id: str
    method: str
    class_index: int
    options: tuple[tuple[str, Any], ...]  # the method's sorted (name, value) pairs

    def of_kind(self, kind: str) -> ExplainKey:
        """The same map's other result: its sanity check, or the map a check is about."""
        return replace(self, kind=kind)


def explain_key(kind: str, image: InputImage, run_id: str, method: str, index: int,
                chosen: MapSettings) -> ExplainKey:
    """The key of ``kind`` for this image, run, method and class under the chosen settings."""
    return ExplainKey(kind, image.digest, run_id, method, index, chosen.options.get(method, ()))


@dataclass(frozen=True, eq=False)
class Job:
    key: ExplainKey
    loaded: LoadedRun
    model_input: np.ndarray

    @property
    def slow(self) -> bool:
        return self.key.kind == "sanity" or METHODS[self.key.method].slow

    @property
    def description(self) -> str:
        what = (METHODS[self.key.method].label
                + (" sanity checks" if self.key.kind == "sanity" else ""))
        return f"{what} · {self.loaded.run.label}"


def settings(runs: Sequence[LoadedRun], link: LinkSelection | None = None) -> MapSettings:
    """The saliency controls; every option comes from the method's ``Explainer.options()``.
    ``link``: a link's ``class`` preselects the class to explain (:func:`_apply_class_link`)."""
    left, middle, right = st.columns([3, 2, 2])
    if KEY + "methods" not in st.session_state:
        st.session_state[KEY + "methods"] = DEFAULT_METHODS
    methods = left.multiselect(
        "Saliency methods", list(METHODS), key=KEY + "methods",
        format_func=lambda m: METHODS[m].label + (" (slow)" if METHODS[m].slow else ""),
        help="Grad-CAM family: coarse but class specific. Gradients: pixel-sharp but noisy. "
             "Slow methods show progress and can be stopped.")
    names = list(dict.fromkeys(n for r in runs for n in r.run.class_names))
    _apply_class_link(link, names)
    target = middle.selectbox("Explain", [PREDICTED, *names], key=KEY + "target",
                              format_func=lambda n: visible(n if n == PREDICTED
                                                            else f"class {n}"))
    sanity = right.toggle("Sanity checks", key=KEY + "sanity",
                          help="Per map: explain again with a randomized copy of the model and "
                               "compute a deletion curve. Costs about two more maps each.")
    options = {m: _options(m) for m in methods}
    return MapSettings(tuple(methods), None if target == PREDICTED else target, options, sanity)


def _apply_class_link(link: LinkSelection | None, names: list[str]) -> None:
    """Put a link's class (e.g. a missed cancer's true class, from Errors) into the "Explain"
    box: once per link (run and class), and again when the box is new (its state is dropped
    when the user visits another page), so a later choice on this page stays."""
    if st.session_state.get(KEY + "target") not in (None, PREDICTED, *names):
        del st.session_state[KEY + "target"]  # a class of runs no longer chosen
    if link is None or link.class_name is None:
        return
    marker = (link.run_id, link.class_name)
    if st.session_state.get(KEY + "class_link") == marker and KEY + "target" in st.session_state:
        return
    st.session_state[KEY + "class_link"] = marker
    if link.class_name in names:
        st.session_state[KEY + "target"] = link.class_name
    else:
        st.warning("The link names a class that no chosen model has; each model's predicted "
                   "class is explained instead.")
        st.text(visible(f"class = {link.class_name}"))


def _options(method: str) -> tuple[tuple[str, Any], ...]:
    defaults = METHODS[method].options()
    if not defaults:
        return ()
    values = {}
    with st.expander(md("{method} options", method=METHODS[method].label)):
        for name, default in defaults.items():
            key = f"{KEY}option.{method}.{name}"
            label, helptext = literal(name), OPTION_HELP.get(name)
            if isinstance(default, bool):
                values[name] = st.checkbox(label, value=default, key=key, help=helptext)
            elif isinstance(default, int):
                values[name] = int(st.number_input(label, min_value=1, value=default, step=1,
                                                   key=key, help=helptext))
            elif isinstance(default, float):
                values[name] = float(st.number_input(label, min_value=0.0, value=default,
                                                     step=0.05, key=key, help=helptext))
            # other defaults (None) keep the method's own default
    return tuple(sorted(values.items()))


def class_index(loaded: LoadedRun, predicted: int, target: str | None) -> int | None:
    """The class to explain for this run; None when its model has no class of that name."""
    if target is None:
        return predicted
    names = loaded.run.class_names
    return names.index(target) if target in names else None


def jobs(image: InputImage, runs: Sequence[LoadedRun], preds: Predictions,
         chosen: MapSettings) -> list[Job]:
    """Maps first, then their sanity checks (which need the map)."""
    maps, checks = [], []
    for loaded in runs:
        prediction = preds[(image.digest, loaded.run.run_id)]
        index = class_index(loaded, prediction.predicted, chosen.target)
        if index is None:
            continue
        for method in chosen.methods:
            key = explain_key("map", image, loaded.run.run_id, method, index, chosen)
            maps.append(Job(key, loaded, prediction.model_input))
            if chosen.sanity:
                checks.append(Job(key.of_kind("sanity"), loaded, prediction.model_input))
    return maps + checks


def compute(todo_jobs: Sequence[Job]) -> None:
    """Run the jobs not yet in memory, with progress, and Stop for anything slow."""
    cache = results()
    missing = [job for job in todo_jobs if job.key not in cache]
    stopped = [job for job in missing if job.key in batch().stopped]
    todo = [job for job in missing if job.key not in batch().stopped]
    if stopped:
        st.info(f"{len(stopped)} map(s) or check(s) were stopped before they finished.",
                icon=":material/pause_circle:")
        st.button("Compute them now", key=KEY + "resume", on_click=resume_batch)
    if not todo:
        return
    event = start_batch(frozenset(job.key for job in todo))
    started = time.perf_counter()
    with st.status(md("Computing {n} map(s) and check(s)…", n=len(todo)),
                   expanded=True) as status:
        if any(job.slow for job in todo):
            st.button("Stop", key=KEY + "stop", on_click=stop_batch, icon=":material/stop:",
                      help="Stops after the current step; finished maps are kept.")
        bar = st.progress(0.0)
        for number, job in enumerate(todo):
            report = _reporter(bar, number, len(todo), job.description)
            report(0.0)
            try:
                value = _run(job, report, event)
            except SaliencyCancelled:
                status.update(label="Stopped; finished maps are kept.", state="error",
                              expanded=False)
                return
            except Exception as error:  # noqa: BLE001 - one failing cell must not stop the page
                value = Failed(f"{type(error).__name__}: {error}")
            cache.put(job.key, value)
        status.update(label=md("Computed {n} map(s) and check(s) in {s:.1f} s", n=len(todo),
                               s=time.perf_counter() - started), state="complete",
                      expanded=False)


def _reporter(bar, number: int, total: int, text: str) -> Callable[[float], None]:
    def report(fraction: float) -> None:
        bar.progress(min((number + fraction) / total, 1.0),
                     text=md("{n}/{total}: {what}", n=number + 1, total=total, what=text))

    return report


def _run(job: Job, report: Callable[[float], None], event) -> Any:
    model, run, key = job.loaded.model, job.loaded.run, job.key
    if key.kind == "map":
        return explain(model, run, key.method, job.model_input, key.class_index,
                       dict(key.options), progress=report, cancel=event)
    saliency = results().get(key.of_kind("map"))
    if not isinstance(saliency, np.ndarray):
        return Failed("no map to check (the map itself failed or was stopped)")
    return sanity_check(model, run, key.method, job.model_input, saliency, key.class_index,
                        dict(key.options), progress=report, cancel=event)
