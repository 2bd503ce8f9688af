"""Which of the run's classes each class of the target dataset stands for.

A model trained on one collection knows only its own class names; another hospital's dataset
may name them differently (``mel`` vs ``melanoma``) or have more of them (``nv``, ``bkl`` ...).
Rules, in order:

* an explicit mapping (``--map mel=melanoma,nv=other``) maps target classes (the dataset's
  labels after its own ``label_map``) to run classes; every target class present in the
  evaluated rows must be mapped, every value must be one of the run's classes, and a key that is
  not a target class is refused (a typo would otherwise leave a class unmapped);
* without one, a **binary** run maps the target's ``positive_class`` to the run's positive
  class and every other target class to the run's negative class;
* without one, a **multiclass** run needs the target's classes to carry the run's class names.

Anything else is refused with :class:`UnmappedClassError`, before any prediction work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from core.datasets import LoadedDataset
from core.external.errors import ExternalEvaluationError, UnmappedClassError

__all__ = ["parse_mapping", "resolve_mapping"]


def parse_mapping(text: str | None) -> dict[str, str] | None:
    """``"mel=melanoma,nv=other"`` -> ``{"mel": "melanoma", "nv": "other"}``; None/"" -> None."""
    if text is None or not text.strip():
        return None
    mapping: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        key, sep, value = (s.strip() for s in part.partition("="))
        if not sep or not key or not value:
            raise ExternalEvaluationError(
                f"The class mapping item {part!r} is not of the form target_class=run_class.",
                fix="write --map target_class=run_class,other_target_class=run_class")
        if key in mapping and mapping[key] != value:
            raise ExternalEvaluationError(f"The class mapping maps {key!r} twice.",
                                          fix="map each target class once")
        mapping[key] = value
    return mapping


def _names(names: Iterable[str]) -> str:
    return ", ".join(repr(n) for n in names)


def resolve_mapping(run_classes: Sequence[str], positive_index: int | None,
                    target: LoadedDataset, labels: Iterable[str],
                    explicit: Mapping[str, str] | None = None) -> dict[str, str]:
    """Target class -> run class for every class in ``labels`` (the evaluated rows' labels)."""
    present = sorted(set(map(str, labels)))
    if explicit:
        return _explicit(run_classes, target, present, explicit)
    if len(run_classes) == 2 and positive_index is not None:
        positive = target.spec.positive_label
        if positive is None:
            raise UnmappedClassError(
                f"Dataset {target.name!r} declares no positive class, so its classes "
                f"({_names(present)}) cannot be matched to the run's positive class "
                f"{run_classes[positive_index]!r} by default.",
                fix="give an explicit mapping, e.g. --map "
                f"{present[0]}={run_classes[positive_index]},...")
        negative = run_classes[1 - positive_index]
        return {c: run_classes[positive_index] if c == positive else negative for c in present}
    missing = [c for c in present if c not in run_classes]
    if missing:
        raise UnmappedClassError(
            f"Target class(es) {_names(missing)} of dataset {target.name!r} are not among the "
            f"run's classes ({_names(run_classes)}), and no mapping was given.",
            fix="map every target class to a run class with --map target=run,...")
    return {c: c for c in present}


def _explicit(run_classes: Sequence[str], target: LoadedDataset, present: list[str],
              explicit: Mapping[str, str]) -> dict[str, str]:
    known = set(target.table["label"].astype(str))
    unknown = [k for k in explicit if k not in known]
    if unknown:
        raise ExternalEvaluationError(
            f"The mapping names class(es) {_names(unknown)} that dataset {target.name!r} does "
            f"not have (its classes: {_names(sorted(known))}).",
            fix="use the dataset's class names on the left of each '='")
    wrong = sorted({v for v in explicit.values() if v not in run_classes})
    if wrong:
        raise ExternalEvaluationError(
            f"The mapping maps onto {_names(wrong)}, which the run does not predict (its "
            f"classes: {_names(run_classes)}).",
            fix="use the run's class names on the right of each '='")
    unmapped = [c for c in present if c not in explicit]
    if unmapped:
        raise UnmappedClassError(
            f"Target class(es) {_names(unmapped)} of dataset {target.name!r} have no mapping; "
            "they are never dropped or guessed.",
            fix="add them to the mapping, e.g. --map "
            + ",".join(f"{c}={run_classes[0]}" for c in unmapped))
    return {c: explicit[c] for c in present}
