"""``csv`` kind: a label table plus an image folder (ISIC, INbreast, CBIS-DDSM exports, ...).

The table names each image by a path column or by an id column (+ suffix), gives its label and,
optionally, the patient/lesion group, metadata for subgroup analysis and an official split.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from core.datasets.confine import confined
from core.datasets.errors import DatasetError
from core.datasets.labels import named
from core.datasets.common import LABEL_MAP_ROW
from core.datasets.kind import Ask, DatasetKind, Missing, Setting, row
from core.datasets.quoting import shown, shown_all
from core.datasets.loaders.files import require_dir
from core.datasets.table import LoadedDataset, finalize, normalize_split_name

if TYPE_CHECKING:
    # Annotation only: the spec's fields come from the kinds (core.datasets.kind), so
    # importing it here at run time would be an import cycle.
    from core.datasets.spec import DatasetSpec


def load_csv(spec: DatasetSpec) -> LoadedDataset:
    root = require_dir(spec.root, f"Dataset folder of {spec.name!r}", "set path to the folder",
                       kind="csv")
    if not spec.csv:
        raise DatasetError(
            f"Dataset {spec.name!r} of kind 'csv' names no label table.",
            where=root,
            fix=f"fill in {named('csv')}: e.g. labels.csv, relative to the dataset folder, "
            "or absolute",
        )
    csv_path = confined(spec, spec.csv, "csv")
    frame = read_csv_strict(csv_path)
    image_dir = _image_dir(spec, root)
    _require_columns(spec, frame, csv_path)

    rel_paths = _relative_paths(spec, frame)
    paths = [_inside(image_dir, rel, csv_path, row) for row, rel in enumerate(rel_paths, start=2)]
    rows = pd.DataFrame(
        {
            "sample_id": rel_paths,
            "path": [str(p) for p in paths],
            "raw_label": frame[spec.label_column].astype(str).str.strip(),
        }
    )
    blank = rows["raw_label"].isin(["", "nan", "None"])
    if blank.any():
        raise DatasetError(
            f"{int(blank.sum())} row(s) have an empty label in column {spec.label_column!r} "
            f"(first at CSV line {int(blank.idxmax()) + 2}).",
            where=csv_path,
            fix="fill in the labels or remove those rows",
        )
    if spec.group_column:
        rows["group"] = frame[spec.group_column].astype(str).str.strip()
    if spec.split_column:
        rows["official_split"] = [
            normalize_split_name(v, csv_path) for v in frame[spec.split_column]
        ]
    for col in spec.metadata_columns:
        rows[f"meta_{col}"] = frame[col].to_numpy()

    exists = rows["path"].map(os.path.isfile)
    notes = []
    if not exists.any():
        raise DatasetError(
            f"None of the {len(rows)} images listed in the CSV exist under {image_dir}.",
            where=csv_path,
            fix=f"set {named('image_dir')} (and {named('id_suffix')} for id columns) so "
            "that the listed names resolve",
        )
    if not exists.all():
        missing = rows.loc[~exists, "sample_id"].tolist()
        notes.append(
            f"{len(missing)} image(s) listed in {csv_path.name} are missing and were skipped: "
            + shown_all(missing, 5)
        )
        rows = rows[exists]
    return finalize(spec, rows, where=csv_path, notes=notes)


def _image_dir(spec: DatasetSpec, root: Path) -> Path:
    """The folder the CSV's names are relative to: ``image_dir``, or the dataset folder."""
    return require_dir(
        confined(spec, spec.image_dir, "image_dir") if spec.image_dir else root,
        f"Image folder of {spec.name!r}",
        f"set {named('image_dir')} relative to the dataset folder",
        setting="image_dir",
    )


def read_csv_strict(path: Path) -> pd.DataFrame:
    """Read a CSV as text, refusing anything that is not UTF-8 with a message that says how
    to re-save it (guessing an encoding would silently garble patient ids and labels)."""
    if not path.is_file():
        raise DatasetError("The label CSV does not exist.", where=path,
                           fix=f"check the path in {named('csv')}: it is relative to the "
                           "dataset folder, or absolute")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetError(
            f"The CSV is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start}).",
            where=path,
            fix="re-save it as UTF-8 (Excel: Save As > 'CSV UTF-8'; or iconv -f latin1 -t utf-8)",
        ) from exc
    try:
        # header=None: the header is read as a row like the others, so a data row with more
        # fields than the header is an error naming its line. With the header parsed by
        # pandas, a first data row with one extra field silently turned the first column into
        # the index and shifted every value one column left (found by fuzzing).
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, header=None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        # pandas' words hold line numbers; one that quoted a long or odd cell is not echoed
        detail = str(exc).strip()
        if len(detail) > 200 or not detail.isprintable():
            detail = type(exc).__name__
        raise DatasetError(
            f"The CSV cannot be parsed: {detail}",
            where=path,
            fix="check the delimiter (comma) and quoting; every row needs as many fields as "
            "the header",
        ) from exc
    columns = [str(c).strip() for c in frame.iloc[0]]
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = columns
    # "file" and "file " are one name after the strip; frame["file"] would then be a table,
    # not a column (found by fuzzing). Unnamed columns (Excel's trailing commas) are unused.
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        raise DatasetError(
            f"Column name(s) {shown_all(repeated)} appear more than once in the "
            "CSV header (spaces around a name do not count).",
            where=path,
            fix="rename or remove the repeated columns",
        )
    return frame


def _require_columns(spec: DatasetSpec, frame: pd.DataFrame, where: Path) -> None:
    if bool(spec.path_column) == bool(spec.id_column):
        raise DatasetError(
            f"Dataset {spec.name!r}: set exactly one of {named('path_column')} or "
            f"{named('id_column')}.",
            where=where,
            fix=f"columns in the CSV: {shown_all(frame.columns, 30)}",
        )
    if not spec.label_column:
        raise DatasetError(
            f"Dataset {spec.name!r}: {named('label_column')} is not set.",
            where=where,
            fix=f"columns in the CSV: {shown_all(frame.columns, 30)}",
        )
    wanted = [spec.path_column or spec.id_column, spec.label_column]
    wanted += [c for c in (spec.group_column, spec.split_column) if c]
    wanted += list(spec.metadata_columns)
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        fix = f"the CSV has: {shown_all(frame.columns, 30)}"
        if len(frame.columns) == 1 and any(sep in frame.columns[0] for sep in ";\t|"):
            fix = ("the CSV seems to use another delimiter than a comma (European Excel uses ';'); "
                   "re-save it comma-separated")
        raise DatasetError(
            f"Column(s) {shown_all(missing)} not found in the CSV.",
            where=where,
            fix=fix,
        )


def _relative_paths(spec: DatasetSpec, frame: pd.DataFrame) -> list[str]:
    """Paths as listed, with Windows separators turned into '/' (tables exported on Windows
    list ``images\\a.png``, which on Linux or macOS is one odd file name)."""
    if spec.path_column:
        values = [str(v).strip() for v in frame[spec.path_column]]
    else:
        values = [f"{str(v).strip()}{spec.id_suffix}" for v in frame[spec.id_column]]
    return [v.replace("\\", "/") for v in values]


def _inside(image_dir: Path, rel: str, csv_path: Path, line: int) -> Path:
    """Join ``rel`` to the image folder, refusing absolute paths and ``..`` escapes.

    The check is lexical (normpath), not ``resolve()``: symlinked files inside the dataset are
    legitimate, a listed ``../../etc/passwd`` is not.
    """
    candidate = Path(rel)
    joined = Path(os.path.normpath(image_dir / candidate))
    base = Path(os.path.normpath(image_dir))
    windows_absolute = len(rel) > 1 and rel[1] == ":"  # C:/... is absolute on its home system
    if (candidate.is_absolute() or windows_absolute or rel == ""
            or not joined.is_relative_to(base) or joined == base):
        raise DatasetError(
            f"CSV line {line}: path {shown(rel)} points outside the dataset folder {base}.",
            where=csv_path,
            fix="list image paths relative to the image folder, without '..'",
        )
    return joined


KIND = DatasetKind(
    "csv", load_csv,
    summary="a table with one row per image: file path or id column, label column, optional "
    "patient and metadata columns (ISIC, mammography exports)",
    settings=(
        Setting("csv", str, "", help="the label table, relative to path unless absolute"),
        Setting("image_dir", str, "", help="the image folder, relative to path (default: path)"),
        Setting("path_column", str, "", help="the column of each image's file (relative to "
                "image_dir); or id_column"),
        Setting("id_column", str, "", help="the column of each image's id, + id_suffix (ISIC's "
                "image_name)"),
        Setting("id_suffix", str, "", help="appended to the id to name the file, e.g. .jpg"),
        Setting("label_column", str, "", help="the column of the raw label"),
        Setting("group_column", str, "", help="optional: the patient or lesion id"),
        Setting("metadata_columns", tuple[str, ...], (), help="columns kept for subgroup "
                "slicing"),
        Setting("split_column", str, "", help="an official split with values "
                "train/val/validation/test"),
    ),
    form=(
        row(Ask("csv", "CSV file (relative to the folder, or absolute)",
                required=Missing("The CSV file is missing.", "fill in the CSV file")),
            Ask("image_dir", "Image folder (relative; default: the folder)")),
        row(Ask("images_by", "Images are named by", "choice",
                options=("path column", "id column + suffix"),
                chooses=(("path_column",), ("id_column", "id_suffix")),
                required=Missing("Say which column names the image files.",
                                 "give the path column, or the id column and its suffix"))),
        row(Ask("path_column", "Path column"), Ask("id_column", "Id column"),
            Ask("id_suffix", "Id suffix (e.g. .jpg)")),
        row(Ask("label_column", "Label column",
                required=Missing("The label column is missing.", "fill in the label column")),
            Ask("group_column", "Group (patient) column, optional"),
            Ask("split_column", "Official split column, optional")),
        row(Ask("metadata_columns", "Metadata columns for subgroups (comma-separated, optional)",
                "names")),
        LABEL_MAP_ROW,
    ),
)
