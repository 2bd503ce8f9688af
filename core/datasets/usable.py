"""The rows training may use: the dataset check's findings turned into what a run trains on.

The dataset check promises two things, and this module is where training keeps them:

* **Unreadable files are left out of training and evaluation.** Every file the scan
  (:mod:`core.datasets.imagescan`, the check's own) cannot use (corrupt, truncated, not an
  image, over training's pixel limit) is dropped from the run's rows before the pipeline sees
  them; the run records which, why, and how many (:meth:`UsableData.record`).
* **Identical images under different labels, or across splits, are not trained on
  silently.** With the dataset's ``duplicates`` setting at its default ``"refuse"``, training
  stops before any work with the check's own message (:mod:`core.datasets.duplicates`).
  ``"drop"`` keeps the copy whose sample id sorts first in each set of identical images (every
  set, within one class too: a copy only weighs twice) and leaves out the others, so no set
  spans two splits or two labels any more; ``"keep"`` trains on all of them and records the
  sets, so every page that shows the run can warn.

The split is assigned on the whole dataset first and rows are then left out, so a dataset
without unreadable files or duplicates gets exactly the split (and run identity) it had
before this step existed; a class that would vanish from a split is an error, not a silent
hole in the scores.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from core.datasets import duplicates as dup
from core.datasets.errors import DatasetError
from core.datasets.images import DEFAULT_MAX_PIXELS
from core.datasets.imagescan import scan_images
from core.datasets.labels import form_label
from core.datasets.splits import split_counts
from core.datasets.table import LoadedDataset


@dataclass(frozen=True)
class UsableData:
    """A dataset restricted to its usable rows, with the account of what was left out.

    ``dataset.table`` and ``splits`` keep the original index (a subset of it). ``skipped``:
    columns sample_id, path, reason. ``duplicates``: every set of identical images among the
    readable rows, under the run's split (:func:`~core.datasets.duplicates.find_duplicates`).
    ``dropped``: sample ids left out by ``duplicates = "drop"``.
    """

    dataset: LoadedDataset
    splits: pd.Series
    skipped: pd.DataFrame
    duplicates: pd.DataFrame
    dropped: tuple[str, ...]
    policy: str

    def record(self) -> dict:
        """Plain JSON for the run record's ``data`` section."""
        harmful = dup.harmful(self.duplicates)
        return {
            "skipped": {"count": int(len(self.skipped)),
                        "files": [{"sample_id": str(r.sample_id), "reason": str(r.reason)}
                                  for r in self.skipped.itertuples()]},
            "duplicates": {
                "policy": self.policy,
                "sets": int(len(self.duplicates)),
                "across_classes": int(self.duplicates["across_classes"].sum()),
                "across_splits": int(self.duplicates["across_splits"].sum()),
                "dropped": {"count": len(self.dropped), "sample_ids": list(self.dropped)},
                "kept": [list(ids) for ids in harmful["sample_ids"]]
                if self.policy == "keep" else [],
            },
        }


def usable_data(ds: LoadedDataset, splits: pd.Series, *, fingerprint: str | None = None,
                max_pixels: int = DEFAULT_MAX_PIXELS) -> UsableData:
    """``ds`` and ``splits`` without unreadable files and with the duplicates policy applied.

    Raises :class:`DatasetError` when the policy is ``"refuse"`` and identical images carry
    different labels or span splits (the message is the check's), and when leaving rows out
    empties a class from a split. ``fingerprint`` (the dataset's) lets a cached scan be reused.
    """
    scan = scan_images(ds, max_pixels=max_pixels, fingerprint=fingerprint)
    table = ds.table
    readable = scan["error"] == ""
    split = splits.reindex(table.index).fillna("").astype(str)
    found = dup.find_duplicates(table[readable], scan.loc[readable, "digest"], split[readable])
    policy = ds.spec.duplicates
    if policy == "refuse" and not dup.harmful(found).empty:
        raise _refusal(ds, found)
    dropped: tuple[str, ...] = ()
    if policy == "drop":
        dropped = tuple(sid for ids in found["sample_ids"] for sid in ids[1:])
    keep = readable & ~table["sample_id"].isin(dropped)
    usable = dataclasses.replace(ds, table=table[keep], notes=list(ds.notes))
    skipped = pd.DataFrame({"sample_id": table.loc[~readable, "sample_id"],
                            "path": table.loc[~readable, "path"],
                            "reason": scan.loc[~readable, "error"]}).reset_index(drop=True)
    _require_classes(usable, split[keep], len(skipped), len(dropped))
    return UsableData(usable, split[keep], skipped, found, dropped, policy)


def _refusal(ds: LoadedDataset, found: pd.DataFrame) -> DatasetError:
    sentences = [f"{finding}. {detail}."
                 for severity, finding, detail in dup.findings(dup.harmful(found))
                 if severity == "error"]
    return DatasetError(
        f"Dataset {ds.name!r} is not trained on as it is: " + " ".join(sentences),
        where=ds.spec.path or ds.name,
        fix="remove or relabel the copies (the Datasets page's check lists them), or declare "
        f'the dataset again with "{form_label("duplicates")}" set to drop '
        "(duplicates = \"drop\": keep one copy of each set) or to keep (duplicates = \"keep\": "
        "train on them; every page showing the run warns)",
    )


def _require_classes(usable: LoadedDataset, split: pd.Series, skipped: int,
                     dropped: int) -> None:
    """Every class still in every split the run uses, after rows were left out."""
    if not skipped and not dropped:
        return
    if usable.table.empty:
        raise DatasetError(f"No image of dataset {usable.name!r} can be used: all "
                           f"{skipped} are unreadable.", where=usable.spec.path or usable.name,
                           fix="run the dataset check and replace the files it lists")
    counts = split_counts(usable, split)
    for column in [c for c in ("train", "val", "test") if counts[c].sum()]:
        empty = counts.index[counts[column] == 0]
        if len(empty):
            raise DatasetError(
                f"After leaving out {skipped} unreadable file(s) and {dropped} duplicate "
                f"copies, the {column} split of dataset {usable.name!r} holds no image of "
                f"class {empty[0]!r}.",
                where=usable.spec.path or usable.name,
                fix="replace the unreadable files the dataset check lists, or add images of "
                "that class",
            )
