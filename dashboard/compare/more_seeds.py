"""The Compare page's button that trains the missing seeds of a one-seed configuration.

Why here: a configuration with one seed has an unknown spread, and the page that says so should
also fix it in one click. The runs are :func:`core.training.more_seeds.more_seed_specs` (the
Train page's grid check, the configuration's own factors), queued on the same job runner as the
Train page's (:func:`dashboard.jobs.panel.submit`): they train in the background, show in the
Train page's jobs panel, and land in the store as seeds of this configuration.
"""

from __future__ import annotations

import streamlit as st

from core.errors import LesionlabError
from core.training.more_seeds import NotMoreSeeds
from dashboard.compare import configs
from dashboard.evaluations import Selection
from dashboard.jobs.panel import backend_note, submit
from dashboard.text import literal, md

__all__ = ["TRAIN_PAGE", "add_seeds_button"]

TRAIN_PAGE = "pages/train.py"


def _label(seeds: list[int]) -> str:
    return (f"Train seed{'s' if len(seeds) > 1 else ''} "
            f"{', '.join(str(s) for s in seeds)} in the background")


def add_seeds_button(sel: Selection, name: str, *, key: str) -> None:
    """A button queuing the runs that bring configuration ``name`` to three seeds; after a
    click, which job holds them and where to follow it."""
    try:
        specs = configs.more_seeds(sel, name)
    except NotMoreSeeds as exc:  # not an error: the runs are fine, new seeds would not join
        st.info(literal(str(exc), lines=True), icon=":material/info:")
        return
    except LesionlabError as exc:  # the grid check's problems, in its words
        st.error(literal(str(exc), lines=True), icon=":material/error:")
        return
    if not specs:  # an imported run (not retrainable here) or nothing missing
        return
    seeds = sorted({s.seed for s in specs})
    if st.button(literal(_label(seeds)), key=key, icon=":material/play_arrow:",
                 help=literal(f"{len(specs)} run(s), the configuration's own settings. "
                              f"{backend_note()} Runs already stored are not trained again.")):
        st.session_state[f"{key}.job"] = submit(
            specs, label=f"{len(specs)} run(s): more seeds of {name}")
    job = st.session_state.get(f"{key}.job")
    if job is not None:
        st.success(md("Queued as job {job}: seeds {seeds} of {name}. Once they are stored, "
                      "add them to this comparison (the run picker).", job=job,
                      seeds=", ".join(map(str, seeds)), name=name), icon=":material/schedule:")
        st.page_link(TRAIN_PAGE, label="Follow it on the Train page",
                     icon=":material/model_training:")
