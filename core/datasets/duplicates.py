"""Identical images: which sets exist, how serious each is, and the words for it.

One finder and one set of sentences for the dataset check and for training
(:mod:`core.datasets.usable`), so that training refuses a dataset with exactly the message the
check shows, and the check says what training will do about it (the dataset's ``duplicates``
setting, :data:`~core.datasets.spec.DUPLICATE_POLICIES`).

Two copies are identical when their decoded pixels are (digests from
:mod:`core.datasets.imagescan`): a PNG and a lossless TIFF of one picture are one image to the
model. Copies under different labels teach the model a contradiction; copies in two splits
test the model on images it trained on (the planted case scored AUC 1.000). Both are errors.
Copies within one class and one split only weigh twice: a warning.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from core.datasets.labels import form_label

COLUMNS = ["sample_ids", "labels", "splits", "n", "across_classes", "across_splits"]
#: Sets named in a finding's detail; the rest are counted.
EXAMPLES = 3


def find_duplicates(table: pd.DataFrame, digest: pd.Series, split: pd.Series) -> pd.DataFrame:
    """One row per set of identical images among the rows with a digest ('' = unreadable).

    Columns :data:`COLUMNS`: ``sample_ids``, ``labels``, ``splits`` (tuples aligned, sorted by
    sample id), ``n``, ``across_classes``, ``across_splits`` (a blank split is unknown).
    """
    frame = pd.DataFrame({"digest": digest, "sample_id": table["sample_id"],
                          "label": table["label"], "split": split})
    frame = frame[(frame["digest"] != "") & frame["digest"].duplicated(keep=False)]
    rows = []
    for _, dup in frame.groupby("digest", sort=False):
        dup = dup.sort_values("sample_id")
        known_splits = set(dup["split"]) - {""}
        rows.append((tuple(dup["sample_id"]), tuple(dup["label"]), tuple(dup["split"]),
                     len(dup), dup["label"].nunique() > 1, len(known_splits) > 1))
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["n"] = out["n"].astype("int64")
    out[["across_classes", "across_splits"]] = out[["across_classes", "across_splits"]].astype(bool)
    return out.sort_values("sample_ids", ignore_index=True)


def harmful(duplicates: pd.DataFrame) -> pd.DataFrame:
    """The sets that are errors: across classes or across splits."""
    return duplicates[duplicates["across_classes"] | duplicates["across_splits"]]


def within_class(duplicates: pd.DataFrame) -> list[tuple[str, ...]]:
    """Sets of identical images of which at least two share one class."""
    return [ids for ids, labels in zip(duplicates["sample_ids"], duplicates["labels"])
            if len(set(labels)) < len(labels)]


def findings(duplicates: pd.DataFrame, policy: str | None = None) -> list[tuple[str, str, str]]:
    """``(severity, finding, detail)`` rows; with ``policy``, one more row when there are errors
    says what training does about them (an error itself when training refuses)."""
    rows = []
    cross_class = list(duplicates.loc[duplicates["across_classes"], "sample_ids"])
    if cross_class:
        rows.append(("error", f"{len(cross_class)} set(s) of identical images carry different "
                     "labels", "The same pixels under contradictory classes; fix the label or "
                     "remove one copy: " + _sets(cross_class)))
    cross_split = list(duplicates.loc[duplicates["across_splits"], "sample_ids"])
    if cross_split:
        rows.append(("error", f"{len(cross_split)} identical image set(s) span two splits",
                     "A model is tested on images it trained on, which inflates scores: "
                     + _sets(cross_split)))
    if rows and policy:
        severity = {"refuse": "error", "keep": "warning"}.get(policy, "info")
        rows.append((severity, f"Identical images: duplicates = \"{policy}\"",
                     training_sentence(policy)))
    within = within_class(duplicates)
    if within:
        rows.append(("warning", f"{len(within)} set(s) of identical images within one class",
                     "Duplicates weigh twice in training and in the scores: " + _sets(within)
                     + (". Training keeps one copy of each (duplicates = \"drop\")"
                        if policy == "drop" else "")))
    return rows


def training_sentence(policy: str) -> str:
    """What training does with identical images across labels or splits, in one sentence."""
    return {
        "refuse": "Training refuses this dataset until the copies are removed or relabelled, "
                  f'or its declaration sets "{form_label("duplicates")}" to drop '
                  "(duplicates = \"drop\": keep one copy of each set) or to keep "
                  "(duplicates = \"keep\": train on them, with a warning on every page).",
        "drop": "Training keeps one copy of each set and leaves out the others "
                "(duplicates = \"drop\").",
        "keep": "Training uses every copy (duplicates = \"keep\"); every page showing such a run "
                "warns.",
    }[policy]


def examples(items: Iterable[str]) -> str:
    """The first :data:`EXAMPLES` items, then how many more."""
    items = list(items)
    shown = ", ".join(items[:EXAMPLES])
    return shown + (f" and {len(items) - EXAMPLES} more" if len(items) > EXAMPLES else "")


def _sets(sets: list[tuple[str, ...]]) -> str:
    return examples(" = ".join(ids) for ids in sets)
