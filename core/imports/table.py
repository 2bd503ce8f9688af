"""A predictions file made elsewhere, read and checked against the dataset it claims.

The file format (CSV, or parquet when pyarrow is installed), one row per image:

``sample_id`` *or* ``path``
    the dataset's sample id (as ``core ls`` / the Errors page show it), or the image file's
    path (absolute, or relative to the dataset's folder);
``split``
    ``val`` or ``test`` (``validation``/``valid``/``testing`` read the same). Without
    ``own_split`` it must be the split Lesionlab gives that image for the run's split seed,
    so the imported run is tested on the very images the trained runs are tested on;
one column per class, named exactly as the dataset's classes
    P(class), each in [0, 1], each row summing to 1 within :data:`SUM_TOLERANCE`;
*or* ``score``
    for a binary dataset only: **score = P(positive class)**, in [0, 1]; the negative class
    then gets 1 - score;
``label`` (optional)
    the image's class name; when given it must be the dataset's label, which catches a file
    whose rows were shifted against their ids.

Any other column is refused (nothing is guessed). Every row is checked; the first row that
breaks any rule is reported with the rule, as one :class:`ImportRejected`, before anything is
stored. Rows are numbered from 1, the first row after the header.

Numbers are parsed with Python's ``float`` from the file's text, which reads back exactly what
a float64 written with ``repr`` held: a run's own predictions exported and imported again give
identical numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from core.datasets.table import SPLIT_ALIASES
from core.imports.errors import ImportRejected
from core.imports.target import ImportTarget
from core.store import prob_columns
from models.outputs import class_probabilities

__all__ = ["MAX_FILE_BYTES", "SUM_TOLERANCE", "CheckedPredictions", "check_predictions_table",
           "import_format", "read_table"]

#: How far a row's probabilities may sum from 1: the store's own tolerance. float32 softmax
#: rows miss by ~1e-6, a file rounded to 4 decimals by at most 5e-5 per class; logits or a
#: wrong column miss by far more.
SUM_TOLERANCE = 1e-3
#: The largest predictions file read (CLI and app alike; the app's uploads are capped lower
#: by Streamlit's ``server.maxUploadSize``). A row of the format is well under 1 KiB, so this
#: holds files for datasets of hundreds of thousands of images.
MAX_FILE_BYTES = 256 * 2**20
SCORE = "score"
KNOWN = ("sample_id", "path", "split", "label", SCORE)


@dataclass(frozen=True)
class CheckedPredictions:
    """The file's rows in the store's predictions schema, and how they were read."""

    frame: pd.DataFrame  # sample_id, group, split, target, label, prob_0.., meta_*
    columns: str  # "per class" | "score"


def import_format(predictions: pd.DataFrame, class_names: list[str]) -> pd.DataFrame:
    """A stored run's predictions in this file format (sample_id, split, label, one column
    per class): what a run exported here and imported elsewhere, or again, reads as."""
    columns = dict(zip(prob_columns(len(class_names)), class_names))
    return predictions[["sample_id", "split", "label", *columns]].rename(columns=columns)


def read_table(path: Path, max_rows: int | None = None) -> pd.DataFrame:
    """The file as text cells (CSV) or as stored (parquet); unreadable files are refused.

    Memory stays bounded whatever the file: one over :data:`MAX_FILE_BYTES` is refused before
    it is read, and no more than ``max_rows + 1`` rows are read (the dataset's image count: a
    file holds one row per image at most), so a huge file costs one refusal, not the server.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ImportRejected(f"The predictions file {path.name} does not exist.", where=path,
                             fix="give the path of a CSV or parquet file")
    if suffix not in (".csv", ".parquet"):
        raise ImportRejected(f"{path.name} is neither a .csv nor a .parquet file.", where=path,
                             fix="save the predictions as CSV (or parquet)")
    _check_bytes(path)
    table = _read_parquet(path, max_rows) if suffix == ".parquet" else _read_csv(path, max_rows)
    _check_rows(path, len(table), max_rows)
    return table


def _check_rows(path: Path, rows: int, max_rows: int | None) -> None:
    if max_rows is not None and rows > max_rows:
        raise ImportRejected(f"{path.name} has more rows than the dataset has images "
                             f"({max_rows}); a predictions file holds one row per image at "
                             "most. Nothing was stored.", where=path,
                             fix="keep one row per val/test image of the dataset")


def _check_bytes(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ImportRejected(f"{path.name} is {size / 2**20:.1f} MiB; predictions files are "
                             f"read up to {MAX_FILE_BYTES / 2**20:.0f} MiB. Nothing was stored.",
                             where=path, fix="keep only the columns of the format (id, split, "
                             "one probability per class) and one row per val/test image")


def _read_csv(path: Path, max_rows: int | None) -> pd.DataFrame:
    nrows = None if max_rows is None else max_rows + 1
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, nrows=nrows)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ImportRejected(f"{path.name} cannot be read as CSV ({exc}).", where=path,
                             fix="save it as a comma-separated file with one header row") \
            from exc


def _read_parquet(path: Path, max_rows: int | None) -> pd.DataFrame:
    """Parquet's row count is read from its footer first, so an oversized file is refused
    without decoding it."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportRejected("Reading parquet files needs pyarrow, which is not installed.",
                             where=path, fix="pip install pyarrow, or save the file as "
                             "CSV") from None
    def unreadable(exc: Exception) -> ImportRejected:
        return ImportRejected(f"{path.name} cannot be read as parquet ({exc}).", where=path,
                              fix="save it with pandas' to_parquet, or as CSV")

    try:
        rows = pq.ParquetFile(path).metadata.num_rows
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise unreadable(exc) from exc
    _check_rows(path, rows, max_rows)
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise unreadable(exc) from exc


def check_predictions_table(table: pd.DataFrame, target: ImportTarget, *, where: Path,
                            own_split: bool = False) -> CheckedPredictions:
    """Check every row against ``target`` and return them in the store's schema."""
    classes = list(target.dataset.class_names)
    id_col, class_cols = _columns(table, target, where)
    if table.empty:
        raise ImportRejected(f"{where.name} has a header but no rows.", where=where,
                             fix="add one row per val/test image")
    probs, bad_number = _numbers(table, class_cols)
    if class_cols == [SCORE]:
        probs = class_probabilities(probs)
    ids = _sample_ids(table[id_col].astype(str), target, id_col)
    splits = table["split"].astype(str).str.strip().str.lower().map(SPLIT_ALIASES)
    rows = _RowChecks(table, id_col, where)
    rows.add(bad_number, lambda i: _not_a_number(table, class_cols, i),
             "write plain numbers such as 0.8125 (no percent signs, no empty cells)")
    rows.add(~bad_number.any(axis=1) & ((probs < 0) | (probs > 1)).any(axis=1),
             lambda i: f"a probability lies outside [0, 1] ({_values(probs, i)})",
             "give probabilities (softmax or sigmoid outputs), not logits or percentages")
    sums = probs.sum(axis=1)
    rows.add(~bad_number.any(axis=1) & ~(np.abs(sums - 1.0) <= SUM_TOLERANCE),
             lambda i: f"the probabilities sum to {sums[i]:.6g}, not 1 (tolerance "
                       f"{SUM_TOLERANCE:g})",
             "give one probability per class, from a softmax; for a sigmoid output p of the "
             f"positive class, give one '{SCORE}' column instead")
    rows.add(splits.isna().to_numpy() | (splits == "train").to_numpy(),
             lambda i: f"split {table['split'].iloc[i]!r} is not 'val' or 'test'",
             "only validation and test predictions are stored (a model's scores on its own "
             "training images say nothing about it)")
    rows.add(ids.isna().to_numpy(),
             lambda i: f"{id_col} {table[id_col].iloc[i]!r} is not an image of dataset "
                       f"{target.name!r}", "check the ids against the dataset (`python -m core "
             "check NAME`) and that the file is about this dataset")
    rows.add(ids.duplicated().to_numpy() & ids.notna().to_numpy(),
             lambda i: f"image {ids.iloc[i]!r} appears a second time",
             "keep one prediction per image")
    _add_dataset_checks(rows, table, ids, splits, target, own_split)
    rows.raise_first()
    return CheckedPredictions(_frame(ids, splits, probs, target, classes),
                              "score" if class_cols == [SCORE] else "per class")


def _columns(table: pd.DataFrame, target: ImportTarget, where: Path) -> tuple[str, list[str]]:
    """The id column and the probability columns; any column outside the format is refused."""
    classes = list(target.dataset.class_names)
    names = [str(c) for c in table.columns]
    unknown = [c for c in names if c not in KNOWN and c not in classes]
    described = (f"the classes of dataset {target.name!r} are {', '.join(map(repr, classes))}; "
                 f"the other columns allowed are {', '.join(KNOWN)}")
    if unknown:
        raise ImportRejected(f"Column {unknown[0]!r} of {where.name} is neither a class of "
                             f"dataset {target.name!r} nor a known column.", where=where,
                             fix=f"rename or remove it ({described})")
    ids = [c for c in ("sample_id", "path") if c in names]
    if len(ids) != 1 or "split" not in names:
        raise ImportRejected(f"{where.name} needs one id column (sample_id or path) and a "
                             f"split column; it has {', '.join(names) or 'no columns'}.",
                             where=where, fix=described)
    given = [c for c in classes if c in names]
    if SCORE in names:
        if given or target.positive_index is None:
            raise ImportRejected(f"A '{SCORE}' column is for binary datasets without class "
                                 "columns (score = P(positive class)).", where=where,
                                 fix="give one column per class instead")
        return ids[0], [SCORE]
    if given != classes:
        missing = [c for c in classes if c not in names] or classes
        raise ImportRejected(f"{where.name} has no probability column for class "
                             f"{missing[0]!r}.", where=where,
                             fix=f"give one column per class ({described})")
    return ids[0], given


def _numbers(table: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(values, not-a-number mask), both (rows, columns); parsed exactly (see module doc)."""
    values = np.zeros((len(table), len(columns)))
    bad = np.zeros(values.shape, dtype=bool)
    for j, column in enumerate(columns):
        for i, cell in enumerate(table[column].tolist()):
            number = _number(cell)
            bad[i, j] = number is None
            values[i, j] = 0.0 if number is None else number
    return values, bad


def _number(cell: object) -> float | None:
    if isinstance(cell, (bool, np.bool_)):
        return None
    try:
        value = float(cell.strip() if isinstance(cell, str) else cell)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _sample_ids(column: pd.Series, target: ImportTarget, id_col: str) -> pd.Series:
    """The dataset's sample id of each row (NaN where the row names no image of it)."""
    known = set(target.dataset.table["sample_id"])
    if id_col == "sample_id":
        return column.where(column.isin(known))
    by_path = target.sample_id_by_path()
    return column.map(lambda text: by_path.get(target.normalised_path(text)))


def _add_dataset_checks(rows: _RowChecks, table: pd.DataFrame, ids: pd.Series,
                        splits: pd.Series, target: ImportTarget, own_split: bool) -> None:
    """Split membership (unless the file brings its own split) and, if given, the label."""
    ds = target.dataset.table.set_index("sample_id")
    if not own_split:
        theirs = ids.map(target.split_of())
        rows.add((ids.notna() & splits.notna() & (theirs != splits)).to_numpy(),
                 lambda i: f"image {ids.iloc[i]!r} is in the {theirs.iloc[i]} split of dataset "
                           f"{target.name!r} (split seed {target.split_seed}), the file says "
                           f"{splits.iloc[i]}",
                 "use the split seed the model was evaluated with (--split-seed), or declare "
                 "that the file brings its own split (--own-split)")
    if "label" in table.columns:
        label = ids.map(ds["label"])
        given = table["label"].astype(str)
        rows.add((ids.notna() & (label != given)).to_numpy(),
                 lambda i: f"label {given.iloc[i]!r} differs from the dataset's "
                           f"{label.iloc[i]!r} for image {ids.iloc[i]!r}",
                 "check that the rows were not shifted against their ids")


def _frame(ids: pd.Series, splits: pd.Series, probs: np.ndarray, target: ImportTarget,
           classes: list[str]) -> pd.DataFrame:
    """The rows in the store's schema; target, label, group and metadata from the dataset."""
    ds = target.dataset
    rows = ds.table.set_index("sample_id").loc[ids.to_numpy()]
    frame = pd.DataFrame({
        "sample_id": ids.to_numpy(dtype=object), "group": rows["group"].to_numpy(),
        "split": splits.to_numpy(dtype=object),
        "target": rows["target"].to_numpy(dtype=np.int64), "label": rows["label"].to_numpy()})
    for k, column in enumerate(prob_columns(len(classes))):
        frame[column] = probs[:, k]
    for column in ds.metadata_columns:
        frame[column] = rows[column].to_numpy()
    return frame


def _not_a_number(table: pd.DataFrame, columns: list[str], i: int) -> str:
    for column in columns:
        cell = table[column].iloc[i]
        if _number(cell) is None:
            return f"column {column!r} holds {cell!r}, not a number"
    return "a value is not a number"


def _values(probs: np.ndarray, i: int) -> str:
    return ", ".join(f"{v:.6g}" for v in probs[i])


class _RowChecks:
    """Row rules, each a mask over the rows; reports the first row that breaks any of them."""

    def __init__(self, table: pd.DataFrame, id_col: str, where: Path) -> None:
        self.table, self.id_col, self.where = table, id_col, where
        self.checks: list[tuple[np.ndarray, Callable[[int], str], str]] = []

    def add(self, mask: np.ndarray, describe: Callable[[int], str], fix: str) -> None:
        self.checks.append((np.asarray(mask, dtype=bool).reshape(len(self.table), -1)
                            .any(axis=1), describe, fix))

    def raise_first(self) -> None:
        firsts = [(int(np.argmax(mask)), order) for order, (mask, _, _) in
                  enumerate(self.checks) if mask.any()]
        if not firsts:
            return
        row, order = min(firsts)
        _, describe, fix = self.checks[order]
        ident = self.table[self.id_col].iloc[row]
        raise ImportRejected(f"Row {row + 1} of {self.where.name} ({self.id_col} {ident!r}): "
                             f"{describe(row)}. Nothing was stored.", where=self.where, fix=fix)
