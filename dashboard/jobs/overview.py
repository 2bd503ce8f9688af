"""What training has produced so far: the store in a few numbers and one compact table.

Used by the Home page. Results on the built-in demo dataset are always marked SYNTHETIC, in the
table itself, so a number from generated images can never be read as a clinical result.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.datasets import DatasetError, load_registry
from core.store.maintenance import verification_line
from dashboard.damage import notice
from dashboard.data import get_store
from dashboard.text import literal, md, plain_table

SYNTHETIC = "SYNTHETIC"
#: What the training wing's tables show for a missing value (a run without folds, a run that
#: cannot start, an AUC not known yet), instead of the "None" the browser's grid prints.
MISSING = "–"


def synthetic_datasets() -> set[str]:
    """Names of datasets made of generated images (the built-in demo kind)."""
    try:
        return {name for name, spec in load_registry().items() if spec.kind == "demo"}
    except DatasetError:  # a broken registry is reported on the Datasets page; demo stays known
        return {"demo"}


def runs_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per stored run, newest first, with the columns a person scans for."""
    synthetic = synthetic_datasets()
    frame = runs.sort_values("created_at", ascending=False, kind="stable")
    data = frame["dataset"].astype(str)
    out = pd.DataFrame({
        "model": frame["model"],
        "dataset": data,
        "data": ["SYNTHETIC" if d in synthetic else "" for d in data],
        "strategy": frame["strategy"],
        "profile": frame["profile"],
        "seed": frame["seed"],
        "fold": frame["fold"] + 1 if "fold" in frame else None,  # shown 1-based
        "test AUC": frame.get("test_auc"),
        "val AUC": frame.get("val_auc"),
        "device": frame["device"],
        "minutes": frame["wall_time_s"] / 60.0,
        "trained at (UTC)": frame["created_at"].astype(str).str.replace("T", " ")
                                               .str.replace("+00:00", "", regex=False),
        "status": frame["status"],
        "run id": frame["run_id"],
    })
    if (frame["status"] == "corrupt").any():  # what is wrong, beside the status
        out["problem"] = frame["problem"].fillna("").astype(str).to_numpy()
    return out.reset_index(drop=True)


def store_metrics(runs: pd.DataFrame) -> None:
    """Counts of runs, datasets, models and devices, and when the last run was stored."""
    cols = st.columns(4)
    cols[0].metric("Stored runs", len(runs))
    cols[1].metric("Datasets", int(runs["dataset"].nunique()))
    cols[2].metric("Models", int(runs["model"].nunique()))
    devices = runs["device"].dropna().astype(str)
    cols[3].metric("Devices", literal(", ".join(sorted(devices.unique())) or "—"))
    latest = runs["created_at"].dropna().astype(str).max() if len(runs) else None
    if latest:
        st.caption(md("Last run stored {when} UTC.", when=latest[:16].replace("T", " ")))
    st.caption(literal(verification_line(get_store(), runs["run_id"].tolist())))
    notice(runs, listed=True)


def show_runs_table(runs: pd.DataFrame, *, height: int | None = None) -> None:
    table = runs_table(runs)
    if table["data"].eq(SYNTHETIC).any():
        st.caption("Rows marked SYNTHETIC were trained on the generated demo images: they show "
                   "how the tool works, not how a model performs on tissue.")
    st.dataframe(  # a run without folds, an AUC not computed: "–", not the grid's "None"
        plain_table(table), hide_index=True, width="stretch", height=height or "auto",
        placeholder=MISSING, column_config={
            "test AUC": st.column_config.NumberColumn(format="%.3f"),
            "val AUC": st.column_config.NumberColumn(format="%.3f"),
            "minutes": st.column_config.NumberColumn(format="%.1f"),
            "seed": st.column_config.NumberColumn(format="%d"),
            "fold": st.column_config.NumberColumn(format="%d"),
        },
    )
