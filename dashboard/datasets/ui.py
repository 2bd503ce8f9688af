"""Datasets page widgets: the declared datasets, the check on demand, removing a declaration.

Every name and path here comes from the user: tables show them (dataframes escape), Markdown
texts escape them. A broken registry file or a dataset that no longer loads is one error
message; the rest of the page keeps working.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.datasets import DatasetError, DatasetSpec, load_registry, remove_spec
from dashboard.datasets.check import check_report, fingerprint_of, show_report
from dashboard.text import literal, plain_table, visible


def registry_or_error() -> dict[str, DatasetSpec] | None:
    """The declared datasets, or None after showing why the registry cannot be read."""
    try:
        return load_registry()
    except DatasetError as exc:
        st.error(literal(str(exc)), icon=":material/error:")
        return None


def registry_frame(specs: dict[str, DatasetSpec]) -> pd.DataFrame:
    rows = []
    for spec in specs.values():
        rows.append({
            "name": spec.name,
            "kind": spec.kind,
            "data": "SYNTHETIC" if spec.kind == "demo" else "",
            "task": spec.task,
            "positive class": spec.positive_label or "",  # multiclass without one: none
            "kind of images": spec.modality or "",  # not said: each study's augmentation
            "path": spec.path or "(built in)",
            "description": spec.description,
        })
    return pd.DataFrame(rows)


def registry_table(specs: dict[str, DatasetSpec]) -> None:
    st.dataframe(placeholder="–", data=plain_table(registry_frame(specs)), hide_index=True, width="stretch")


def check_section(specs: dict[str, DatasetSpec]) -> None:
    """Choose a dataset, run the check on demand, show the (cached) report."""
    names = list(specs)
    if st.session_state.get("datasets_selected") not in names:
        st.session_state["datasets_selected"] = names[0]
    name = st.selectbox("Dataset to check", names, key="datasets_selected",
                        format_func=visible)
    checked: dict = st.session_state.setdefault("datasets_checked", {})
    label = "Check again" if name in checked else "Run the check"
    if st.button(label, key="datasets_run_check", icon=":material/fact_check:",
                 help="Decodes every image once: counts, sizes, duplicates, leakage, "
                      "unreadable files. Cached until the dataset's files or labels change."):
        try:
            with st.spinner("Reading the dataset and decoding every image…"):
                fingerprint = fingerprint_of(name)
                check_report(name, fingerprint)
        except DatasetError as exc:
            checked.pop(name, None)
            st.error(literal(str(exc)), icon=":material/error:")
            return
        checked[name] = fingerprint
    if name not in checked:
        st.caption("The check decodes every image; run it when you need it.")
        return
    try:
        report = check_report(name, checked[name])
    except DatasetError as exc:  # evicted from the cache and the data changed since
        checked.pop(name, None)
        st.error(literal(str(exc)), icon=":material/error:")
        return
    show_report(report)


def remove_section(specs: dict[str, DatasetSpec]) -> None:
    """Remove a declaration from the registry; the image files are never touched."""
    message = st.session_state.pop("datasets_removed_message", None)
    if message:
        st.success(literal(message), icon=":material/check:")
    removable = [n for n, s in specs.items() if s.kind != "demo"]
    if not removable:
        st.caption("No declared datasets to remove (the built-in demo stays).")
        return
    name = st.selectbox("Declaration to remove", removable, key="datasets_remove_name",
                        format_func=visible)
    sure = st.checkbox("Remove it from the registry (its files stay where they are; stored "
                       "runs trained on it stay in the store)", key="datasets_remove_sure")
    if st.button("Remove declaration", key="datasets_remove", disabled=not sure,
                 icon=":material/delete:"):
        try:
            remove_spec(name)
        except DatasetError as exc:
            st.error(literal(str(exc)), icon=":material/error:")
            return
        st.session_state.get("datasets_checked", {}).pop(name, None)
        st.session_state.pop("datasets_remove_sure", None)
        st.session_state["datasets_removed_message"] = f"Removed the declaration of '{name}'."
        st.rerun()
