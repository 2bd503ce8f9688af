"""The Train page's "Advanced" box: change any recipe field for every run of the grid.

One ``FIELD = VALUE`` per line, the same text the command line takes after ``--set``, read by
the same parser (:mod:`models.overrides`) and checked by the same grid check
(:func:`core.training.validate_grid`), so a value the CLI refuses is refused here with the same
message (shown literally by ``show_grid``). Beside the box, the chosen models' recipes for the
chosen profile, so the user sees what they change; the grid's table then shows the epochs and
input size each run will really use.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.text import plain_table

PLACEHOLDER = "input_size = 96\noptimizer = adam\nlearning_rate = 1e-3\nepochs = 20"


def overrides_box(models: list[str], profile: str) -> tuple[str, ...]:
    """The typed override lines (unparsed: the grid check reads and checks them)."""
    from models.overrides import SETTABLE

    with st.expander("Advanced: change recipe fields for every run"):
        text = st.text_area(
            "Recipe overrides, one FIELD = VALUE per line", key="train_overrides",
            placeholder=PLACEHOLDER, height=120,
            help="The same as the command line's --set FIELD=VALUE. Each value is read by its "
                 "field's type (a whole number, a number such as 1e-3, a name, none) and "
                 "checked like the recipes themselves; a changed recipe is a different run. "
                 "Fields: " + ", ".join(SETTABLE) + ".")
        recipes = recipes_frame(models, profile)
        if not recipes.empty:
            st.caption("The chosen models' recipes for this profile, before the overrides "
                       "(python -m core models --show NAME prints them with their notes)."
                       + (" A budget run on a dataset that declares its kind of images "
                          "augments for them instead (Datasets page)."
                          if profile == "budget" else ""))
            st.dataframe(placeholder="–", data=plain_table(recipes), width="stretch", height=300)
    return tuple(line for line in text.splitlines() if line.strip())


def recipes_frame(models: list[str], profile: str) -> pd.DataFrame:
    """One row per settable recipe field, one column per model: the values as typed back.
    A budget run starts from the quick recipe (its size, images, epochs, early stopping and
    weight averaging are chosen at run time, except those the user sets), so that is what the
    budget profile shows."""
    from core.training.resolve import recipe_profile
    from models import get_entry
    from models.overrides import SETTABLE, format_value

    columns = {}
    for name in models:
        try:
            recipe = get_entry(name).recipe(recipe_profile(profile))
        except ValueError:  # a profile without a fixed recipe: nothing to show beforehand
            continue
        columns[name] = [format_value(getattr(recipe, f)) for f in SETTABLE]
    return pd.DataFrame(columns, index=pd.Index(SETTABLE, name="field"))
