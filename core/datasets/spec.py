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
from core.datasets.fieldcheck import check_fields, lone_names, normalize_lists, owner_label
from core.datasets.quoting import shown_all

KINDS = ("folders", "csv", "idc", "breakhis", "medmnist", "demo")
TASKS = ("binary", "multiclass")
#: What training does with identical images under different labels or across splits (the
#: dataset check's duplicate errors): refuse to train (default), drop all but one copy of each
#: set, or keep them (recorded, and every page showing the run warns).
DUPLICATE_POLICIES = ("refuse", "drop", "keep")
#: The positive class of a binary dataset that names none.
DEFAULT_POSITIVE = "malignant"


@dataclass(frozen=True)
class DatasetSpec:
    """How to read one dataset.

    Fields used by every kind: ``name``, ``kind``, ``path`` (folder, or the ``.npz`` file for
    ``medmnist``), ``task`` (``binary``: positive vs everything else; ``multiclass``: every label
    its own class), ``positive_class`` (binary: the positive class, :data:`DEFAULT_POSITIVE`
    when not given; multiclass: optional, since every class is scored in its own right and a
    one-vs-rest view lets the user pick the class; when given it must be one of the labels, a
    typo is never ignored; see :attr:`positive_label`),
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

    ``allow_outside`` (every kind, default false): every file a loader reads (the label table,
    ``image_dir``, ``folds_csv``, each image) must lie inside the dataset folder once symbolic
    links are resolved; ``allow_outside = true`` lifts that rule for a dataset assembled from
    links on purpose. Without it a declaration cannot make Lesionlab read (and quote in an
    error) ``/etc/passwd`` or ``../../x/.env``.

    Every field is checked against its annotation (and ``range`` / ``choices`` metadata) by
    :func:`core.datasets.fieldcheck.check_fields`, so ``path = 5`` or ``fold = 1e400`` in the
    TOML is one message naming the dataset and the setting, never a traceback.
    """

    name: str
    kind: str
    path: str = ""
    positive_class: str | None = None
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
    fold: int = field(default=1, metadata={"range": (1, 100)})
    label_level: str = field(default="tumor", metadata={"choices": ("tumor", "subtype")})
    # medmnist
    class_names: tuple[str, ...] = ()
    # every kind: identical images across labels or splits
    duplicates: str = "refuse"
    # every kind: may files lie outside the dataset folder (through links, absolute paths)?
    allow_outside: bool = False

    def __post_init__(self) -> None:
        normalize_lists(self)
        check_fields(self, owner_label(self.name))
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
    def positive_label(self) -> str | None:
        """The positive class: as declared; for a binary task without one, "malignant" (the
        default it always had, so existing declarations read the same); for a multiclass task
        without one, None."""
        if self.positive_class is None and self.task == "binary":
            return DEFAULT_POSITIVE
        return self.positive_class

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
        """A spec from a TOML table or form values; any wrong key or value is one
        :class:`DatasetError` naming the dataset and the setting (types are checked by
        ``__post_init__``, from the field annotations)."""
        fields = dataclasses.fields(cls)
        known = {f.name for f in fields}
        owner = owner_label(data.get("name"))
        unknown = sorted(set(data) - known)
        if unknown:
            raise DatasetError(
                f"Dataset {owner} has unknown setting(s): {shown_all(unknown)}.",
                fix=f"valid settings are: {', '.join(sorted(known))}",
            )
        required = [f.name for f in fields if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING and f.name not in data]
        if required:
            raise DatasetError(f"Dataset {owner} lacks the setting(s) {', '.join(required)}.",
                               fix='add e.g. name = "busi" and kind = "folders"')
        return cls(**lone_names(cls, data))
