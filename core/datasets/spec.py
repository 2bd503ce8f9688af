"""The declaration of a dataset: what a user writes once in ``datasets.toml`` (or the UI).

A spec says *where* the images are and *how to read labels*; it holds no data. Loaders turn a
spec into a :class:`~core.datasets.table.LoadedDataset`. Keeping the declaration separate from
the loaded table lets the registry file stay small and human-editable, and lets the results
store key runs by the loaded content rather than by what the user typed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from core.datasets.common import DEFAULT_POSITIVE, DUPLICATE_POLICIES, FIRST, LAST, TASKS
from core.datasets.errors import DatasetError
from core.datasets.fieldcheck import check_fields, lone_names, normalize_lists, owner_label
from core.datasets.kind import Setting
from core.datasets.labels import named
from core.datasets.loaders import KINDS
from core.datasets.quoting import shown_all

__all__ = ["DEFAULT_POSITIVE", "DUPLICATE_POLICIES", "SETTINGS", "TASKS", "DatasetSpec"]

#: Every setting of a declaration, in order: the shared first ones, each kind's own (in
#: ``KINDS`` order), the shared last ones. Every setting is accepted on every kind.
SETTINGS: tuple[Setting, ...] = (
    FIRST + tuple(s for kind in KINDS.values() for s in kind.settings) + LAST
)

_DOC = """How to read one dataset: one frozen field per :data:`SETTINGS` entry.

    The shared settings are in :mod:`core.datasets.common` (``name``, ``kind``, ``path``: the
    folder, or the ``.npz`` file for ``medmnist``; ``task``, ``positive_class``, see
    :attr:`positive_label`; ``label_map`` and ``label_map_default``; ``description``;
    ``duplicates``: one of :data:`DUPLICATE_POLICIES`, see :mod:`core.datasets.usable`;
    ``allow_outside``). Each kind's own settings, with what they mean, are in its module of
    :mod:`core.datasets.loaders` (e.g. ``csv``, ``label_column`` for ``csv``; ``fold`` for
    ``breakhis``).

    ``allow_outside`` (default false): every file a loader reads (the label table,
    ``image_dir``, ``folds_csv``, each image) must lie inside the dataset folder once symbolic
    links are resolved; ``allow_outside = true`` lifts that rule for a dataset assembled from
    links on purpose. Without it a declaration cannot make Lesionlab read (and quote in an
    error) ``/etc/passwd`` or ``../../x/.env``.

    Every field is checked against its setting's type (and ``range`` / ``choices``) by
    :func:`core.datasets.fieldcheck.check_fields`, so ``path = 5`` or ``fold = 1e400`` in the
    TOML is one message naming the dataset and the setting, never a traceback.
    """


class _Declaration:
    """The behaviour of :class:`DatasetSpec`; its fields are made from :data:`SETTINGS`."""

    name: str  # for readers: the two settings every declaration has
    kind: str

    def __post_init__(self) -> None:
        normalize_lists(self)
        check_fields(self, owner_label(self.name))
        if not self.name or not str(self.name).strip():
            raise DatasetError("A dataset needs a non-empty name.",
                               fix=f"fill in {named('name')}, e.g. busi")
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
        if KINDS[self.kind].needs_path and not self.path:
            raise DatasetError(
                f"Dataset {self.name!r} of kind {self.kind!r} needs a path.",
                fix=f"fill in {named('path', self.kind)}",
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
    def from_dict(cls, data: dict[str, Any]) -> DatasetSpec:
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


# Made, not written out: each kind declares its settings once, next to its loader, and a new
# kind's settings become fields here without an edit to this module.
DatasetSpec = dataclasses.make_dataclass(
    "DatasetSpec", [s.as_field() for s in SETTINGS], bases=(_Declaration,), frozen=True,
    namespace={"__module__": __name__, "__doc__": _DOC},
)
