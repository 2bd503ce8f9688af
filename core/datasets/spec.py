"""The declaration of a dataset: what a user writes once in ``datasets.toml`` (or the UI).

A spec says *where* the images are and *how to read labels*; it holds no data. Loaders turn a
spec into a :class:`~core.datasets.table.LoadedDataset`. Keeping the declaration separate from
the loaded table lets the registry file stay small and human-editable, and lets the results
store key runs by the loaded content rather than by what the user typed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.datasets.errors import DatasetError

KINDS = ("folders", "csv", "idc", "breakhis", "medmnist", "demo")
TASKS = ("binary", "multiclass")
#: What training does with identical images under different labels or across splits (the
#: dataset check's duplicate errors): refuse to train (default), drop all but one copy of each
#: set, or keep them (recorded, and every page showing the run warns).
DUPLICATE_POLICIES = ("refuse", "drop", "keep")


@dataclass(frozen=True)
class DatasetSpec:
    """How to read one dataset.

    Fields used by every kind: ``name``, ``kind``, ``path`` (folder, or the ``.npz`` file for
    ``medmnist``), ``positive_class`` (the class called "malignant" in the binary task),
    ``task`` (``binary``: positive vs everything else; ``multiclass``: every label its own class),
    ``label_map`` (raw label -> class name, applied first; ``label_map_default`` names the class
    of every raw label not in the map; without it an unmapped label is an error).

    ``csv`` kind: ``csv`` (file, relative to ``path`` unless absolute), ``image_dir`` (relative to
    ``path``, default ``path``), ``path_column`` *or* ``id_column`` (+ ``id_suffix`` such as
    ``.jpg`` for ISIC's ``image_name``), ``label_column``, optional ``group_column`` (patient or
    lesion id), ``metadata_columns`` kept for subgroup slicing, ``split_column`` (an official
    split with values train/val/validation/test).

    ``folders`` kind: optional ``group_regex`` with a named group ``group`` applied to each file
    name, for data sets whose file names carry a patient id.

    ``breakhis`` kind: ``folds_csv`` (the official ``Folds.csv``) and ``fold`` (1-5);
    ``label_level`` ``tumor`` (benign/malignant, default) or ``subtype`` (the 8 subtypes).

    ``medmnist`` kind: ``class_names`` in label order (e.g. BreastMNIST: ``["malignant",
    "normal/benign"]``), so ``positive_class`` can name the positive label.

    ``duplicates`` (every kind): one of :data:`DUPLICATE_POLICIES`, see
    :mod:`core.datasets.usable`.
    """

    name: str
    kind: str
    path: str = ""
    positive_class: str = "malignant"
    task: str = "binary"
    label_map: dict[str, str] = field(default_factory=dict)
    label_map_default: str | None = None
    description: str = ""
    # csv
    csv: str = ""
    image_dir: str = ""
    path_column: str = ""
    id_column: str = ""
    id_suffix: str = ""
    label_column: str = ""
    group_column: str = ""
    metadata_columns: tuple[str, ...] = ()
    split_column: str = ""
    # folders
    group_regex: str = ""
    # breakhis
    folds_csv: str = ""
    fold: int = 1
    label_level: str = "tumor"
    # medmnist
    class_names: tuple[str, ...] = ()
    # every kind: identical images across labels or splits
    duplicates: str = "refuse"

    def __post_init__(self) -> None:
        if not self.name or not str(self.name).strip():
            raise DatasetError("A dataset needs a non-empty name.", fix="add name = \"...\"")
        if self.kind not in KINDS:
            raise DatasetError(
                f"Unknown dataset kind {self.kind!r} for dataset {self.name!r}.",
                fix=f"use one of: {', '.join(KINDS)}",
            )
        if self.task not in TASKS:
            raise DatasetError(
                f"Unknown task {self.task!r} for dataset {self.name!r}.",
                fix=f"use one of: {', '.join(TASKS)}",
            )
        if not isinstance(self.duplicates, str) or self.duplicates not in DUPLICATE_POLICIES:
            raise DatasetError(
                f"duplicates of dataset {self.name!r} must be one of "
                f"{', '.join(map(repr, DUPLICATE_POLICIES))}, not {self.duplicates!r}.",
                fix='write duplicates = "refuse" (the default: training stops on identical '
                'images with different labels or across splits), "drop" (keep one copy of each) '
                'or "keep" (train on them; every page showing the run warns)',
            )
        if self.kind != "demo" and not self.path:
            raise DatasetError(
                f"Dataset {self.name!r} of kind {self.kind!r} needs a path.",
                fix="add path = \"/folder/of/the/dataset\"",
            )

    @property
    def root(self) -> Path:
        return Path(self.path).expanduser()

    def resolve(self, relative: str) -> Path:
        """A path from the spec, relative to the dataset root unless absolute."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else self.root / p

    def to_dict(self) -> dict[str, Any]:
        """Only the fields that differ from their defaults, for a tidy TOML file."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.default is not dataclasses.MISSING:
                default = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            else:  # name and kind: required, always written
                default = dataclasses.MISSING
            if value != default:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DatasetSpec":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        name = data.get("name", "?")
        if unknown:
            raise DatasetError(
                f"Dataset {name!r} has unknown setting(s): {', '.join(unknown)}.",
                fix=f"valid settings are: {', '.join(sorted(known))}",
            )
        clean = dict(data)
        for key in ("metadata_columns", "class_names"):
            if key in clean:
                clean[key] = _as_names(clean[key], key, name)
        if "label_map" in clean:
            if not isinstance(clean["label_map"], dict):
                raise DatasetError(
                    f"label_map of dataset {name!r} must be a table of raw label = class name.",
                    fix='write it as label_map = { "4" = "malignant", "5" = "malignant" }',
                )
            clean["label_map"] = {str(k): str(v) for k, v in clean["label_map"].items()}
        if "fold" in clean:
            try:
                clean["fold"] = int(clean["fold"])
            except (TypeError, ValueError):
                raise DatasetError(
                    f"fold of dataset {name!r} must be a whole number, not {clean['fold']!r}.",
                    fix="write e.g. fold = 1",
                ) from None
        return cls(**clean)


def _as_names(value: Any, key: str, dataset: str) -> tuple[str, ...]:
    """A list of names from TOML; a lone string is one name (iterating it would split it into
    characters, turning ``metadata_columns = "age"`` into columns a, g, e)."""
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, (list, tuple)):
        raise DatasetError(
            f"{key} of dataset {dataset!r} must be a list of names, not {value!r}.",
            fix=f'write it as {key} = ["first", "second"]',
        )
    return tuple(str(v) for v in value)
