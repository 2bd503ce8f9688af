"""The dataset kinds, one :class:`~core.datasets.kind.DatasetKind` per module; :func:`load`
dispatches on ``spec.kind``.

Adding a layout is a new module here ending in ``KIND = DatasetKind(...)`` (its loader, its
settings, its form rows) and its entry in :data:`KINDS`: the declaration
(:mod:`core.datasets.spec`) takes its settings from there and the Datasets form is generated
from it. The order of :data:`KINDS` is the order of the form's kind choice and of the
declaration's fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.datasets.kind import DatasetKind
from core.datasets.loaders import breakhis, csv_table, demo, folders, idc, medmnist

if TYPE_CHECKING:
    from core.datasets.spec import DatasetSpec
    from core.datasets.table import LoadedDataset

KINDS: dict[str, DatasetKind] = {
    k.name: k
    for k in (folders.KIND, csv_table.KIND, idc.KIND, breakhis.KIND, medmnist.KIND, demo.KIND)
}


def declarable_kinds() -> tuple[str, ...]:
    """The kinds a user can declare, in order (``demo`` is built in)."""
    return tuple(name for name, k in KINDS.items() if k.declarable)


def load(spec: DatasetSpec) -> LoadedDataset:
    return KINDS[spec.kind].load(spec)
