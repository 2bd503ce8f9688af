"""Dataset check: what a careful researcher looks at before trusting any score.

It reads every image once (never writes inside the dataset) and reports: how many images each
class has in each split; image sizes and colour modes; files that cannot be used (listed, with
the reason: corrupt, truncated, not an image, over training's pixel limit); identical images
within a class, across classes (contradictory labels) and across splits (test images the model
has trained on); and patient groups found in more than one split.

Its promises hold because training takes the same view of the data: the images are scanned by
:mod:`core.datasets.imagescan` (sizes from headers, training's pixel limit, bounded memory), and
training leaves out exactly the files listed here and applies the dataset's ``duplicates``
setting to exactly the sets found here (:mod:`core.datasets.usable`); each duplicate finding
says what training will do about it.

Pixels are compared as the model sees them (decoded to RGB by the pipeline's decoder), so a
PNG and a lossless TIFF of the same picture count as duplicates while their file bytes differ.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from core.datasets import duplicates as dup
from core.datasets.images import DEFAULT_MAX_PIXELS
from core.datasets.imagescan import scan_images
from core.datasets.splits import SPLITS, split_counts
from core.datasets.table import LoadedDataset

#: Findings a result should not be trusted with; the UI shows them first.
SEVERITIES = ("error", "warning", "info")
_EXAMPLES = 3


@dataclass
class DatasetCheck:
    """The outcome of :func:`check_dataset`; every frame is ready to show as a table.

    ``counts``: images per class (rows) and split (columns, plus ``total``).
    ``sizes``: columns width, height, images; most common first. ``modes``: colour mode -> images.
    ``unreadable``: columns sample_id, path, reason.
    ``duplicates``: one row per set of identical images, columns sample_ids, labels, splits
    (tuples, aligned), n, across_classes, across_splits.
    ``leaking_groups``: columns group, splits (tuple), images.
    """

    dataset: str
    n_images: int
    counts: pd.DataFrame
    sizes: pd.DataFrame
    modes: dict[str, int]
    unreadable: pd.DataFrame
    duplicates: pd.DataFrame
    leaking_groups: pd.DataFrame
    split_source: str  # "given", "official" or "none": where the split columns came from
    duplicates_policy: str = "refuse"  # the dataset's setting: what training does with them
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def unreadable_ids(self) -> frozenset[str]:
        """Sample ids the trainer must leave out (they would crash or poison a batch)."""
        return frozenset(self.unreadable["sample_id"])

    @property
    def cross_class_duplicates(self) -> list[tuple[str, ...]]:
        return list(self.duplicates.loc[self.duplicates["across_classes"], "sample_ids"])

    @property
    def cross_split_duplicates(self) -> list[tuple[str, ...]]:
        return list(self.duplicates.loc[self.duplicates["across_splits"], "sample_ids"])

    @property
    def within_class_duplicates(self) -> list[tuple[str, ...]]:
        """Sets of identical images that share one class (at least two of them do)."""
        return dup.within_class(self.duplicates)

    @property
    def ok(self) -> bool:
        """No error-level finding."""
        return not (self.findings()["severity"] == "error").any()

    def findings(self) -> pd.DataFrame:
        """Columns severity, finding, detail; errors first. Always at least the counts."""
        rows = _findings(self)
        order = {s: i for i, s in enumerate(SEVERITIES)}
        frame = pd.DataFrame(rows, columns=["severity", "finding", "detail"])
        return frame.sort_values("severity", key=lambda s: s.map(order), kind="stable",
                                 ignore_index=True)

    def summary(self) -> list[str]:
        """A few sentences for a person: the findings, most serious first."""
        sentences = []
        for row in self.findings().itertuples():
            text = f"{row.finding}. {row.detail}" if row.detail else row.finding
            sentences.append(text if text.endswith((".", "?", "!")) else text + ".")
        return sentences


def check_dataset(ds: LoadedDataset, splits: pd.Series | None = None, *,
                  workers: int | None = None,
                  max_pixels: int = DEFAULT_MAX_PIXELS) -> DatasetCheck:
    """Check ``ds`` (with ``splits`` from :func:`assign_splits`, or its official split).

    Reads each image once (:func:`~core.datasets.imagescan.scan_images`: a thread pool within
    a pixel budget), and leaves the scan in the cache training reads. ``max_pixels`` is
    training's limit; change it only to test. Never raises for a bad image; never writes
    inside the dataset.
    """
    started = time.perf_counter()
    table = ds.table
    split, source = _split_column(ds, splits)
    info = scan_images(ds, max_pixels=max_pixels, workers=workers, reuse=False)
    readable = info["error"] == ""

    return DatasetCheck(
        dataset=ds.name,
        n_images=len(table),
        counts=_counts(ds, split),
        sizes=_sizes(info[readable]),
        modes=dict(Counter(info.loc[readable, "mode"]).most_common()),
        unreadable=pd.DataFrame({
            "sample_id": table.loc[~readable, "sample_id"],
            "path": table.loc[~readable, "path"],
            "reason": info.loc[~readable, "error"],
        }).reset_index(drop=True),
        duplicates=dup.find_duplicates(table, info["digest"].where(readable, ""), split),
        leaking_groups=_leaking_groups(table, split),
        split_source=source,
        duplicates_policy=ds.spec.duplicates,
        notes=list(ds.notes),
        seconds=time.perf_counter() - started,
    )


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------


def _split_column(ds: LoadedDataset, splits: pd.Series | None) -> tuple[pd.Series, str]:
    if splits is not None:
        return splits.reindex(ds.table.index).fillna("").astype(str), "given"
    official = ds.table["official_split"].astype(str)
    return official, "official" if (official != "").any() else "none"


def _counts(ds: LoadedDataset, split: pd.Series) -> pd.DataFrame:
    if (split != "").all():
        return split_counts(ds, split)
    classes = pd.Categorical.from_codes(ds.table["target"].to_numpy(), categories=ds.class_names)
    counts = pd.Series(classes).value_counts(sort=False).reindex(list(ds.class_names))
    return counts.rename("total").rename_axis("class").to_frame().astype("int64")


def _sizes(info: pd.DataFrame) -> pd.DataFrame:
    if info.empty:
        return pd.DataFrame({"width": [], "height": [], "images": []}, dtype="int64")
    sizes = info.groupby(["width", "height"]).size().rename("images").reset_index()
    return sizes.sort_values(["images", "width", "height"], ascending=[False, True, True],
                             ignore_index=True)


def _leaking_groups(table: pd.DataFrame, split: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"group": table["group"], "split": split})
    frame = frame[frame["split"] != ""]
    per_group = frame.groupby("group")["split"].agg(lambda s: tuple(sorted(set(s))))
    images = frame.groupby("group").size()
    leaking = per_group[per_group.map(len) > 1]
    return pd.DataFrame({"group": leaking.index.astype(str), "splits": leaking.to_numpy(),
                         "images": images.reindex(leaking.index).to_numpy(dtype="int64")})


# ----------------------------------------------------------------------------------------------
# Findings in words
# ----------------------------------------------------------------------------------------------


def _findings(check: DatasetCheck) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    rows.append(("info", f"{check.n_images} images in {len(check.counts)} classes",
                 _count_sentence(check)))
    if len(check.unreadable):
        rows.append(("error", f"{len(check.unreadable)} unreadable image file(s)",
                     "They are left out of training and evaluation (each run records which): "
                     + dup.examples(f"{r.sample_id} ({r.reason})"
                                 for r in check.unreadable.itertuples())))
    rows.extend(dup.findings(check.duplicates, check.duplicates_policy))
    if len(check.leaking_groups):
        rows.append(("error", f"{len(check.leaking_groups)} patient group(s) lie in more than "
                     "one split", "Images of one patient in train and test inflate scores: "
                     + dup.examples(f"{r.group} ({'/'.join(r.splits)})"
                                 for r in check.leaking_groups.itertuples())))
    if len(check.sizes) > 1:
        top = check.sizes.iloc[0]
        rows.append(("info", f"Images come in {len(check.sizes)} different sizes",
                     f"Most common {top.width}x{top.height} ({top.images} images); all are "
                     "resized to the model's input size."))
    elif len(check.sizes) == 1:
        top = check.sizes.iloc[0]
        rows.append(("info", f"All readable images are {top.width}x{top.height}", ""))
    if len(check.modes) > 1:
        modes = ", ".join(f"{m} ({n})" for m, n in check.modes.items())
        rows.append(("info", "Images have several colour modes",
                     f"{modes}; all are converted to RGB."))
    rows.extend(("info", note.rstrip("."), "") for note in check.notes)
    return rows


def _count_sentence(check: DatasetCheck) -> str:
    counts = check.counts
    parts = []
    for name, row in counts.iterrows():
        detail = ", ".join(f"{s} {row[s]}" for s in SPLITS if s in counts.columns)
        parts.append(f"{name}: {row['total']}" + (f" ({detail})" if detail else ""))
    totals = counts["total"]
    ratio = totals.max() / max(totals.min(), 1)
    tail = f"; largest to smallest class {ratio:.1f}:1" if ratio >= 1.5 else ""
    return "; ".join(parts) + tail + "."
