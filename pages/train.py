"""Train: choose a grid of runs, see what is stored already, train the rest in the background."""

from __future__ import annotations

import streamlit as st

from dashboard.data import get_store
from dashboard.datasets.ui import registry_or_error
from dashboard.jobs.grid import (
    budget_time_note,
    grid_form,
    grid_status,
    has_gpu,
    paper_on_cpu_warning,
    show_grid,
)
from dashboard.jobs.panel import backend_note, jobs_panel, submit
from dashboard.text import literal

st.title("Train")
st.caption("Every run is stored under the content it was trained on (images, labels, split, "
           "recipe, weights): a run that is stored already is never trained twice, and a "
           "cancelled or interrupted run resumes from its last finished epoch.")

specs = registry_or_error()
choice = grid_form(list(specs)) if specs else None
if choice is not None:
    status = grid_status(choice, get_store())
    show_grid(status)
    budget_time_note(status)
    if choice.profile == "paper" and not has_gpu():
        paper_on_cpu_warning(status)
    todo = status[status["status"] == "to train"]
    if st.button(f"Train {len(todo)} run{'s' if len(todo) != 1 else ''} in the background",
                 type="primary", disabled=todo.empty, icon=":material/play_arrow:",
                 key="train_launch",
                 help=literal(f"{backend_note()} You can switch pages or close the tab, the "
                              "job goes on.")):
        submit(list(todo["spec"]), label=f"{len(todo)} run(s): {choice.label()}")

st.subheader("Jobs")
st.caption(literal(backend_note()))
jobs_panel(key="train", empty_text="No training job on this server yet.")
