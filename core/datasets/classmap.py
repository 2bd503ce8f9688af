"""How a declaration turns the labels found into the task's classes, said before anything is saved.

A BUSI folder holds ``benign/``, ``normal/`` and ``malignant/``; declared as a binary task with
positive class malignant, benign and normal images both become "non-malignant". The loader
does that without a word (:mod:`core.datasets.table`); this module says it, from the
declaration and the labels found, so the Datasets form can show the mapping before saving and
the user can change it through the label mapping (the same ``label_map`` setting a TOML entry
uses: there is no second way to map labels).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from core.datasets.labels import form_label
from core.datasets.table import binary_classes

if TYPE_CHECKING:
    from core.datasets.spec import DatasetSpec
    from core.datasets.table import LoadedDataset

AS_FOUND = "as found"
NOT_MAPPED = "not in the label mapping: the dataset does not load"


@dataclass(frozen=True)
class Route:
    """One label found and where it goes: ``label`` after the label mapping (None when the
    mapping leaves it out and gives no default), ``cls`` the class the model learns."""

    raw: str
    images: int
    label: str | None
    by: str
    cls: str | None


@dataclass(frozen=True)
class ClassMapping:
    """The classes a declaration produces (in target order) and every label's route."""

    task: str
    classes: tuple[str, ...]
    positive: str | None
    routes: tuple[Route, ...]

    def summary(self) -> str:
        """One sentence: each class with the labels that make it, e.g. "Binary task: benign +
        normal → non-malignant (negative); malignant (positive)."."""
        parts = []
        for cls in self.classes:
            raws = [r.raw for r in self.routes if r.cls == cls]
            if not raws:
                part = f"{cls}: no label found"
            else:
                part = cls if raws == [cls] else f"{' + '.join(raws)} → {cls}"
            parts.append(part + self._role(cls, bracket=True))
        unmapped = [r.raw for r in self.routes if r.cls is None]
        if unmapped:
            parts.append(f"{' + '.join(unmapped)} → not mapped")
        if self.task == "binary":
            return f"Binary task: {'; '.join(parts)}."
        return f"Multiclass task, {len(self.classes)} classes: {'; '.join(parts)}."

    def table(self) -> pd.DataFrame:
        """One row per label found, in class order: label, images, how it is mapped, class
        (and, for the binary task, whether the class is the positive or the negative one)."""
        rows = [{"label found": r.raw, "images": r.images, "mapped by": r.by,
                 "class": r.cls if r.cls is not None else "–"}
                | ({"role": self._role(r.cls) or "–"} if self.task == "binary" else {})
                for r in self.routes]
        return pd.DataFrame(rows)

    def _role(self, cls: str | None, bracket: bool = False) -> str:
        if cls is None:
            return ""
        if cls == self.positive:
            role = "positive"
        elif self.task == "binary":
            role = "negative"
        else:
            return ""
        return f" ({role})" if bracket else role


def class_mapping(spec: DatasetSpec, found: Mapping[str, int]) -> ClassMapping:
    """The mapping ``spec`` produces from the labels ``found`` (raw label -> number of images),
    following the loader's rules: the label mapping first (a label it leaves out takes the
    class of every unmapped label, or is not mapped), then the task (binary: the positive class
    against everything else, named as :func:`~core.datasets.table.binary_classes` names it;
    multiclass: one class per label)."""
    mapped = {raw: _mapped(spec, str(raw)) for raw in found}
    labels = sorted({label for label, _ in mapped.values() if label is not None})
    positive = spec.positive_label
    if spec.task == "binary":
        classes = binary_classes(positive, labels)
        of = {label: (positive if label == positive else classes[0]) for label in labels}
    else:
        classes, of = tuple(labels), {label: label for label in labels}
    routes = [Route(str(raw), int(n), mapped[raw][0], mapped[raw][1], of.get(mapped[raw][0]))
              for raw, n in found.items()]
    order = {cls: i for i, cls in enumerate(classes)}
    routes.sort(key=lambda r: (order.get(r.cls, len(order)), r.raw))
    return ClassMapping(spec.task, classes, positive, tuple(routes))


def _mapped(spec: DatasetSpec, raw: str) -> tuple[str | None, str]:
    """(label after the mapping, what mapped it)."""
    if not spec.label_map:
        return raw, AS_FOUND
    if raw in spec.label_map:
        return spec.label_map[raw], form_label("label_map")
    if spec.label_map_default is not None:
        return spec.label_map_default, form_label("label_map_default")
    return None, NOT_MAPPED


def loaded_mapping(ds: LoadedDataset) -> ClassMapping:
    """The mapping of a loaded dataset: its declaration as the loader used it (a kind may
    fill in a default mapping, as ``idc`` does) and the labels its table holds."""
    counts = ds.table["raw_label"].value_counts()
    return class_mapping(ds.spec, {str(raw): int(n) for raw, n in counts.items()})
