"""The dataset check report: counts, sizes, sample images, duplicates, leakage, unreadable files.

The check decodes every image, which takes seconds to minutes, so it runs when the user asks
(a button) and its result is cached by the dataset's content fingerprint: the same images with
the same labels give the cached report at once; an added, removed or relabelled image is a new
fingerprint and a new check. The fingerprint is taken when the button is pressed; the report
says when it was computed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from core.datasets import (
    DatasetCheck,
    DatasetError,
    assign_splits,
    check_dataset,
    dataset_fingerprint,
    load_dataset,
)
from dashboard.text import literal, md, plain_table, visible

#: What the leakage section says when there is nothing to check: each image is its own group,
#: so "no patient group lies in two splits" would be true and misleading.
NO_GROUPS = ("This dataset declares no patient/lesion group, so patient leakage between "
             "splits cannot be checked: images of one patient may lie in training and test.")

#: Sample images shown per class, and their longest side in pixels.
THUMBS_PER_CLASS = 4
THUMB_PX = 128


@dataclass(frozen=True)
class CheckReport:
    """Everything the page shows, picklable for ``st.cache_data``."""

    name: str
    fingerprint: str
    synthetic: bool
    check: DatasetCheck
    split_error: str | None  # why the dataset has no split (the check then runs without one)
    thumbnails: dict[str, list[tuple[str, np.ndarray]]]  # class -> [(sample id, RGB pixels)]
    computed_at: str
    #: Whether the dataset declares patient/lesion groups; without them leakage of a patient
    #: across splits cannot be checked, which the report says instead of "no leak found".
    has_groups: bool = True


def fingerprint_of(name: str) -> str:
    """Load ``name`` and fingerprint its content (file list with sizes and times, labels)."""
    return dataset_fingerprint(load_dataset(name))


@st.cache_data(show_spinner=False, max_entries=16)
def check_report(name: str, fingerprint: str) -> CheckReport:
    """The full check of ``name`` as it is now; cached per content ``fingerprint``."""
    ds = load_dataset(name)
    try:
        splits, split_error = assign_splits(ds), None
    except DatasetError as exc:  # still check the images; say why there is no split
        splits, split_error = None, str(exc)
    check = check_dataset(ds, splits)
    return CheckReport(name, fingerprint, ds.synthetic, check, split_error,
                       _thumbnails(ds, check.unreadable_ids),
                       dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), ds.has_groups)


def _thumbnails(ds, unreadable: frozenset[str]) -> dict[str, list[tuple[str, np.ndarray]]]:
    """A few images per class, from the images themselves, picked at random (seed 0) among
    the readable ones so that the first files of a folder do not stand for the whole class."""
    table = ds.table[~ds.table["sample_id"].isin(unreadable)]
    rng = np.random.default_rng(0)
    out: dict[str, list[tuple[str, np.ndarray]]] = {}
    for label in sorted(table["label"].unique()):
        rows = table[table["label"] == label]
        picks = rng.choice(len(rows), size=min(THUMBS_PER_CLASS, len(rows)), replace=False)
        thumbs = []
        for row in rows.iloc[np.sort(picks)].itertuples():
            pixels = _pixels(ds, row)
            if pixels is not None:
                thumbs.append((str(row.sample_id), pixels))
        out[str(label)] = thumbs
    return out


def _pixels(ds, row) -> np.ndarray | None:
    """A thumbnail of a readable image (within training's pixel limit: the check left the
    others out). Shrunk before the RGB conversion, and JPEGs decoded at reduced scale
    (``thumbnail`` drafts), so a large image never costs a full-size RGB copy."""
    try:
        if ds.arrays is not None:
            img = Image.fromarray(np.squeeze(np.asarray(ds.arrays[int(row.array_index)])))
        else:
            img = Image.open(row.path)
        img.thumbnail((THUMB_PX, THUMB_PX))
        return np.asarray(img.convert("RGB"))
    except Exception:  # noqa: BLE001 - a file changed since the check; show the others
        return None


# ----------------------------------------------------------------------------------------------
# Display
# ----------------------------------------------------------------------------------------------


def show_report(report: CheckReport) -> None:
    check = report.check
    if report.synthetic:
        st.info("SYNTHETIC dataset: generated images, not patient data.", icon=":material/info:")
    cols = st.columns(4)
    cols[0].metric("Images", int(check.n_images))
    cols[1].metric("Classes", len(check.counts))
    cols[2].metric("Unreadable", len(check.unreadable))
    cols[3].metric("Check took", f"{check.seconds:.1f} s")
    st.caption(literal(f"Checked {report.computed_at} · content fingerprint "
                      f"{report.fingerprint[:12]} · split: {_split_words(check, report)}"))

    findings = check.findings()
    st.markdown("**Findings** (most serious first)")
    st.dataframe(placeholder="–", data=plain_table(findings), hide_index=True, width="stretch",
                 column_config={"detail": st.column_config.TextColumn(width="large")})

    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Images per class and split**")
        st.dataframe(placeholder="–", data=plain_table(check.counts), width="stretch")
    with right:
        st.markdown("**Sizes** (width × height)")
        st.dataframe(plain_table(check.sizes), hide_index=True, width="stretch",
                     height=min(180, 38 + 35 * max(len(check.sizes), 1)), placeholder="–")
        st.markdown("**Colour modes**")
        modes = pd.DataFrame({"mode": list(check.modes), "images": list(check.modes.values())})
        st.dataframe(placeholder="–", data=plain_table(modes), hide_index=True, width="stretch")

    st.markdown("**Sample images per class**")
    for label, thumbs in report.thumbnails.items():
        st.text(visible(f"{label} ({len(thumbs)} shown)"))
        if thumbs:
            st.image([p for _, p in thumbs], caption=[literal(sid) for sid, _ in thumbs],
                     width=THUMB_PX)

    _section("Identical images", duplicates_frame(check),
             "No two images have identical pixels.")
    _section("Patient groups in more than one split", _leaks_frame(check),
             "No patient group lies in two splits." if report.has_groups else NO_GROUPS)
    _section("Unreadable files (left out of training and evaluation)", check.unreadable,
             "Every image could be decoded.")


def duplicates_frame(check: DatasetCheck) -> pd.DataFrame:
    """One row per set of identical images, readable (ids joined with " = ")."""
    dup = check.duplicates
    return pd.DataFrame({
        "images": [" = ".join(ids) for ids in dup["sample_ids"]],
        "labels": [" / ".join(map(str, v)) for v in dup["labels"]],
        "splits": [" / ".join(s or "—" for s in v) for v in dup["splits"]],
        "copies": dup["n"],
        "across classes": dup["across_classes"],
        "across splits": dup["across_splits"],
    })


def _leaks_frame(check: DatasetCheck) -> pd.DataFrame:
    leaks = check.leaking_groups
    return pd.DataFrame({"group": leaks["group"],
                         "splits": [" / ".join(s) for s in leaks["splits"]],
                         "images": leaks["images"]})


def _section(title: str, frame: pd.DataFrame, empty: str) -> None:
    st.markdown(md("**{title}**", title=title))
    if frame.empty:
        st.caption(literal(empty))
    else:
        st.dataframe(placeholder="–", data=plain_table(frame), hide_index=True, width="stretch")


def _split_words(check: DatasetCheck, report: CheckReport) -> str:
    if report.split_error:
        return f"none ({report.split_error})"
    return {"given": "the split training uses (the data's own where complete, else grouped by "
                     "patient, seed 0)",
            "official": "the data's official split",
            "none": "none"}.get(check.split_source, check.split_source)
