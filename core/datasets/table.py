"""The loaded form of every dataset kind: one sample table with a fixed set of columns.

Whatever the folder layout, a loader produces a pandas DataFrame with these columns, so that
splitting, checking, fingerprinting, the tf.data pipeline and the dashboard never care which
kind a dataset was:

``sample_id``       stable, unique id (relative path for files, ``<split>/<index>`` for arrays)
``path``            absolute file path ('' for array-backed samples)
``array_index``     row in ``LoadedDataset.arrays`` (-1 for file-backed samples)
``raw_label``       the label as found on disk / in the CSV
``label``           the class name after ``label_map``
``target``          the integer the model learns: 0/1 for the binary task, class index otherwise
``group``           patient / lesion id; equals ``sample_id`` when none is known
``official_split``  train / val / test from the data's own split, '' when none
``meta_<name>``     metadata kept for subgroup slicing (age, sex, site, magnification, ...)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.datasets.confine import require_files_inside
from core.datasets.errors import DatasetError
from core.datasets.labels import named
from core.datasets.quoting import shown, shown_all

if TYPE_CHECKING:
    # Annotation only: the spec's fields come from the kinds (core.datasets.kind), so
    # importing it here at run time would be an import cycle.
    from core.datasets.spec import DatasetSpec

BASE_COLUMNS = (
    "sample_id",
    "path",
    "array_index",
    "raw_label",
    "label",
    "target",
    "group",
    "official_split",
)
SPLIT_ALIASES = {"train": "train", "training": "train", "val": "val", "valid": "val",
                 "validation": "val", "test": "test", "testing": "test"}


@dataclass
class LoadedDataset:
    """A dataset ready for splitting and training.

    ``class_names`` are the task's classes in target order: for the binary task
    ``(negative, positive)``; for multiclass the sorted label names.
    """

    spec: DatasetSpec
    table: pd.DataFrame
    class_names: tuple[str, ...]
    arrays: np.ndarray | None = None
    synthetic: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def positive_index(self) -> int | None:
        """Index of the positive class in ``class_names``: 1 for binary tasks; for multiclass
        the declared positive class's, or None when none is declared."""
        if self.spec.task == "binary":
            return 1
        positive = self.spec.positive_label
        return None if positive is None else self.class_names.index(positive)

    @property
    def has_groups(self) -> bool:
        return bool((self.table["group"] != self.table["sample_id"]).any())

    @property
    def metadata_columns(self) -> list[str]:
        return [c for c in self.table.columns if c.startswith("meta_")]

    def __len__(self) -> int:
        return len(self.table)


def finalize(
    spec: DatasetSpec,
    rows: pd.DataFrame,
    *,
    where: object,
    arrays: np.ndarray | None = None,
    synthetic: bool = False,
    notes: list[str] | None = None,
) -> LoadedDataset:
    """Apply the label map, derive targets, validate, and return the loaded dataset.

    ``rows`` must hold at least ``sample_id`` and ``raw_label``; the other base columns get
    defaults. Validation here is shared by every loader, so each bad-input message is written
    once: no samples, a label outside the mapping, one class only, a missing positive class.
    """
    if rows.empty:
        raise DatasetError(
            f"Dataset {spec.name!r} has no images.",
            where=where,
            fix="check the path and the layout described in the README for kind "
            f"{spec.kind!r}",
        )
    notes = list(notes or [])
    table = _sample_table(spec, rows, where, notes)
    labels = sorted(table["label"].unique())
    _require_two_classes_and_positive(spec, labels, where)
    class_names, table["target"] = _targets(spec, table["label"], labels)
    ordered = list(BASE_COLUMNS) + sorted(c for c in table.columns if c.startswith("meta_"))
    table = table[ordered].reset_index(drop=True)
    return LoadedDataset(spec, table, class_names, arrays, synthetic, notes)


def _sample_table(
    spec: DatasetSpec, rows: pd.DataFrame, where: object, notes: list[str]
) -> pd.DataFrame:
    """The loader's rows with every base column but ``target``: defaults filled in, labels
    mapped, files confined to the dataset, groups completed, sample ids unique."""
    table = rows.copy()
    for col, default in (("path", ""), ("array_index", -1), ("official_split", "")):
        if col not in table:
            table[col] = default
    table["raw_label"] = table["raw_label"].astype(str).str.strip()
    table["label"] = _apply_label_map(spec, table["raw_label"], where, notes)
    table["sample_id"] = table["sample_id"].astype(str)
    require_files_inside(spec, table["path"], table["sample_id"])
    table["group"] = _groups_or_own_id(table, notes)
    if table["sample_id"].duplicated().any():
        dup = table.loc[table["sample_id"].duplicated(), "sample_id"].iloc[0]
        raise DatasetError(
            f"Sample id {shown(dup)} appears more than once in dataset {spec.name!r}.",
            where=where,
            fix="each image must be listed once",
        )
    table["official_split"] = table["official_split"].fillna("").astype(str)
    return table


def _require_two_classes_and_positive(spec: DatasetSpec, labels: list[str], where: object) -> None:
    """A classifier needs two classes. A binary task needs its positive class (declared, or the
    default "malignant"); a multiclass task needs none, but one that is declared must exist: a
    typo is never ignored (checked here, not later when positive_index is first used)."""
    if len(labels) < 2:
        raise DatasetError(
            f"Dataset {spec.name!r} has a single class ({shown(labels[0])}); a classifier "
            "needs two.",
            where=where,
            fix="add images of the other class, or check the label column / class folders",
        )
    positive = spec.positive_label
    if positive is not None and positive not in labels:
        raise DatasetError(
            f"Positive class {shown(positive)} is not among the labels of dataset "
            f"{spec.name!r}: {shown_all(labels, 20)}.",
            where=where,
            fix=f"set {named('positive_class')} to one of those labels" + (
                "" if spec.task == "binary" else ", or leave it out (a multiclass dataset "
                "needs none)"),
        )


def _targets(
    spec: DatasetSpec, label: pd.Series, labels: list[str]
) -> tuple[tuple[str, ...], pd.Series]:
    """The class names in target order and each sample's target: binary is (negative,
    positive) with 0/1 targets (the negative named after the other label when there is just
    one); multiclass is the sorted labels, indexed in that order."""
    if spec.task == "binary":
        positive = spec.positive_label
        return binary_classes(positive, labels), (label == positive).astype("int64")
    return tuple(labels), label.map({c: i for i, c in enumerate(labels)}).astype("int64")


def binary_classes(positive: str, labels: list[str]) -> tuple[str, str]:
    """(negative, positive) of a binary task: the negative is named after the other label when
    there is just one, else ``non-<positive>`` (shared with :mod:`core.datasets.classmap`, which
    says before saving what this names)."""
    others = [lab for lab in labels if lab != positive]
    return (others[0] if len(others) == 1 else f"non-{positive}", positive)


def _groups_or_own_id(table: pd.DataFrame, notes: list[str]) -> pd.Series:
    """The group column, where a blank group becomes the sample's own id.

    A blank patient id (common in ISIC-style tables) must not put every such image into one
    shared group '' (that would force them all into the same split); an image of unknown
    patient is its own group, and the user is told how many there are.
    """
    if "group" not in table:
        return table["sample_id"].copy()
    group = table["group"].astype(str).str.strip()
    blank = group.isin(["", "nan", "None", "NaN"]) | table["group"].isna()
    if blank.any():
        notes.append(
            f"{int(blank.sum())} image(s) have no group (patient) id; each counts as its own "
            "group when splitting."
        )
        group = group.where(~blank, table["sample_id"])
    return group


def _apply_label_map(
    spec: DatasetSpec, raw: pd.Series, where: object, notes: list[str]
) -> pd.Series:
    """Raw label -> class name. Labels that fall to ``label_map_default`` are listed in a note:
    a BI-RADS map of "4", "5", "6" silently sending "4a" / "4c" to benign is exactly the kind
    of mistake the user must be able to see in the dataset check."""
    if not spec.label_map:
        return raw
    mapped = raw.map(spec.label_map)
    missing = mapped.isna()
    if missing.any():
        if spec.label_map_default is None:
            bad = sorted(raw[missing].unique())[:5]
            raise DatasetError(
                f"Label(s) {shown_all(bad)} of dataset {spec.name!r} are not in its "
                f"{named('label_map')}.",
                where=where,
                fix=f"add a raw=class line for each to the {named('label_map')}, or set the "
                f"{named('label_map_default')}",
            )
        defaulted = sorted(raw[missing].unique())
        notes.append(
            f"Raw label(s) {shown_all(defaulted)} are not in the {named('label_map')} and "
            f"count as {spec.label_map_default!r}, the {named('label_map_default')}."
        )
        mapped = mapped.fillna(spec.label_map_default)
    return mapped.astype(str)


def normalize_split_name(value: object, where: object) -> str:
    """Map train/val/validation/test spellings to train/val/test; '' for missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "":
        return ""
    key = str(value).strip().lower()
    if key not in SPLIT_ALIASES:
        raise DatasetError(
            f"Unknown split name {shown(value)}.",
            where=where,
            fix="use train, val (or validation) and test",
        )
    return SPLIT_ALIASES[key]
