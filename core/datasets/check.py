"""Dataset check: what a careful researcher looks at before trusting any score.

It reads every image once (never writes anything) and reports: how many images each class has
in each split; image sizes and colour modes; files that cannot be decoded (listed, skipped and
excluded from training via :attr:`DatasetCheck.unreadable_ids`, never a crash); exact duplicates
(identical decoded pixels) within a class, across classes (contradictory labels) and across
splits (test images the model has trained on); and patient groups found in more than one split.

Pixels are hashed after conversion to RGB, i.e. as the model sees them, so a PNG and a
lossless TIFF of the same picture count as duplicates while their file bytes differ.
"""

from __future__ import annotations

import hashlib
import os
import time
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
from PIL import Image

from core.datasets.splits import SPLITS, split_counts
from core.datasets.table import LoadedDataset

#: Findings a result should not be trusted with; the UI shows them first.
SEVERITIES = ("error", "warning", "info")
_EXAMPLES = 3


class _ImageInfo(NamedTuple):
    width: int
    height: int
    mode: str
    digest: str
    error: str


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
        return [ids for ids, labels in zip(self.duplicates["sample_ids"],
                                           self.duplicates["labels"])
                if len(set(labels)) < len(labels)]

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
                  workers: int | None = None) -> DatasetCheck:
    """Check ``ds`` (with ``splits`` from :func:`assign_splits`, or its official split).

    Reads each image once, in a thread pool (Pillow releases the GIL while decoding).
    Never raises for a bad image; never writes a file.
    """
    started = time.perf_counter()
    table = ds.table
    split, source = _split_column(ds, splits)
    infos = _inspect(ds, workers)
    info = pd.DataFrame(infos, columns=list(_ImageInfo._fields), index=table.index)
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
        duplicates=_duplicates(table, info["digest"].where(readable, ""), split),
        leaking_groups=_leaking_groups(table, split),
        split_source=source,
        notes=list(ds.notes),
        seconds=time.perf_counter() - started,
    )


# ----------------------------------------------------------------------------------------------
# Reading images
# ----------------------------------------------------------------------------------------------


def _inspect(ds: LoadedDataset, workers: int | None) -> list[_ImageInfo]:
    if ds.arrays is not None:
        return [_inspect_array(ds.arrays, int(i)) for i in ds.table["array_index"]]
    paths = ds.table["path"].tolist()
    workers = workers or min(8, (os.cpu_count() or 2) * 2)
    if workers <= 1 or len(paths) < 64:
        return [_inspect_file(p) for p in paths]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_inspect_file, paths))


def _inspect_file(path: str) -> _ImageInfo:
    """Size and mode from the header, digest of the decoded RGB pixels, or the reason it fails.

    Any exception is a finding, not a crash: decoders raise many types (OSError for truncated
    data, UnidentifiedImageError, ValueError, DecompressionBombError, SyntaxError for some
    corrupt TIFFs), and one bad file out of thousands must not stop the check.
    """
    try:
        if os.path.getsize(path) == 0:
            return _ImageInfo(0, 0, "", "", "empty file, 0 bytes")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as img:
                width, height = img.size
                mode = img.mode
                img.load()
                rgb = img if img.mode == "RGB" else img.convert("RGB")
                digest = _digest(rgb.tobytes(), width, height)
    except FileNotFoundError:
        return _ImageInfo(0, 0, "", "", "file not found: moved or deleted after loading")
    except Exception as exc:  # noqa: BLE001 - every decoder failure is reported, see above
        return _ImageInfo(0, 0, "", "", _reason(exc))
    return _ImageInfo(width, height, mode, digest, "")


def _inspect_array(arrays: np.ndarray, index: int) -> _ImageInfo:
    pixels = np.ascontiguousarray(arrays[index])
    height, width = pixels.shape[:2]
    mode = "RGB" if pixels.ndim == 3 and pixels.shape[2] == 3 else "L"
    return _ImageInfo(width, height, mode, _digest(pixels.tobytes(), width, height), "")


def _digest(pixels: bytes, width: int, height: int) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{width}x{height}:".encode())
    h.update(pixels)
    return h.hexdigest()


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    if "cannot identify image file" in text:
        return "not an image Pillow can read: wrong extension or corrupt header"
    if "truncated" in text:
        return "truncated file: incomplete download or copy"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


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


def _duplicates(table: pd.DataFrame, digest: pd.Series, split: pd.Series) -> pd.DataFrame:
    columns = ["sample_ids", "labels", "splits", "n", "across_classes", "across_splits"]
    frame = pd.DataFrame({"digest": digest, "sample_id": table["sample_id"],
                          "label": table["label"], "split": split})
    frame = frame[(frame["digest"] != "") & frame["digest"].duplicated(keep=False)]
    rows = []
    for _, dup in frame.groupby("digest", sort=False):
        dup = dup.sort_values("sample_id")
        known_splits = set(dup["split"]) - {""}
        rows.append((tuple(dup["sample_id"]), tuple(dup["label"]), tuple(dup["split"]),
                     len(dup), dup["label"].nunique() > 1, len(known_splits) > 1))
    out = pd.DataFrame(rows, columns=columns)
    out["n"] = out["n"].astype("int64")
    out[["across_classes", "across_splits"]] = out[["across_classes", "across_splits"]].astype(bool)
    return out.sort_values("sample_ids", ignore_index=True)


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
                     "They are left out of training and evaluation: "
                     + _examples(f"{r.sample_id} ({r.reason})"
                                 for r in check.unreadable.itertuples())))
    cross_class = check.cross_class_duplicates
    if cross_class:
        rows.append(("error", f"{len(cross_class)} set(s) of identical images carry different "
                     "labels", "The same pixels under contradictory classes; fix the label or "
                     "remove one copy: "
                     + _examples(" = ".join(ids) for ids in cross_class)))
    cross_split = check.cross_split_duplicates
    if cross_split:
        rows.append(("error", f"{len(cross_split)} identical image set(s) span two splits",
                     "A model is tested on images it trained on, which inflates scores: "
                     + _examples(" = ".join(ids) for ids in cross_split)))
    if len(check.leaking_groups):
        rows.append(("error", f"{len(check.leaking_groups)} patient group(s) lie in more than "
                     "one split", "Images of one patient in train and test inflate scores: "
                     + _examples(f"{r.group} ({'/'.join(r.splits)})"
                                 for r in check.leaking_groups.itertuples())))
    within = check.within_class_duplicates
    if within:
        rows.append(("warning", f"{len(within)} set(s) of identical images within one class",
                     "Duplicates weigh twice in training and in the scores: "
                     + _examples(" = ".join(ids) for ids in within)))
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


def _examples(items) -> str:
    items = list(items)
    shown = ", ".join(items[:_EXAMPLES])
    return shown + (f" and {len(items) - _EXAMPLES} more" if len(items) > _EXAMPLES else "")
