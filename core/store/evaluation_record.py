"""A stored external evaluation's record as a typed, read-only view.

The record (``evaluations/<id>/record.json``) is the plain dict written by
:mod:`core.external.evaluate`. The picker, the panels and the selection each read a few of its
keys; walking it with ``record.get("model")`` in each of them repeated the key names and the
"missing means None" rule. :class:`EvaluationRecord` states them once, as
:class:`~core.store.record.RunRecord` does for runs: a missing or malformed key reads as
``None`` / empty / ``False``; mappings are read-only copies and lists tuples, so neither the
stored dict nor a cached copy of it can be changed through the view.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.store.record_parts import empty_mapping, read_mapping, read_strings

__all__ = ["EvaluationRecord"]


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class EvaluationRecord:
    """One external evaluation's record, read once (:meth:`from_dict`) and typed."""

    run_id: str | None = None  #: the source run whose model was evaluated
    label: str = ""  #: "trained on A, tested on B" (+ " (overlapping)")
    source_dataset: str | None = None  #: what the model was trained on
    model: str | None = None  #: the architecture's registry name
    dataset: str | None = None  #: the target dataset
    split: str | None = None  #: "test" (the target's test split) or "all"
    mapping: Mapping[str, str] = empty_mapping()  #: target class -> run class
    class_names: tuple[str, ...] = ()  #: the run's classes, in target order
    positive_index: int | None = None  #: ``None`` for a multiclass run
    task: str | None = None  #: the run's task: "binary" or "multiclass"
    n_external: int | None = None  #: external images evaluated
    left_out_unreadable: int | None = None  #: target images that could not be read
    overlap: Mapping[str, Any] = empty_mapping()  #: exact / near counts of training images
    overlapping: bool = False  #: the target holds images that trained the model
    has_groups: bool = False  #: the target has patient / lesion ids (a patient level)
    synthetic_data: bool = False  #: generated demo data on either side
    predict_seconds: float | None = None
    summary: Mapping[str, float] = empty_mapping()  #: external_auc, internal_test_auc, ...
    _source: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> EvaluationRecord:
        """The view of a stored record dict (never changed; the view keeps its own copy)."""
        seconds = record.get("predict_seconds")
        return cls(
            run_id=_text(record.get("run_id")), label=str(record.get("label") or ""),
            source_dataset=_text(record.get("source_dataset")),
            model=_text(record.get("model")), dataset=_text(record.get("dataset")),
            split=_text(record.get("split")), mapping=read_mapping(record, "mapping"),
            class_names=read_strings(record.get("class_names")),
            positive_index=_count(record.get("positive_index")), task=_text(record.get("task")),
            n_external=_count(record.get("n_external")),
            left_out_unreadable=_count(record.get("left_out_unreadable")),
            overlap=read_mapping(record, "overlap"),
            overlapping=bool(record.get("overlapping")),
            has_groups=bool(record.get("has_groups")),
            synthetic_data=bool(record.get("synthetic_data")),
            predict_seconds=float(seconds) if isinstance(seconds, (int, float)) else None,
            summary=read_mapping(record, "summary"), _source=copy.deepcopy(dict(record)))

    @classmethod
    def of(cls, record: EvaluationRecord | Mapping[str, Any]) -> EvaluationRecord:
        """``record`` itself when it is a view already, else its view."""
        return record if isinstance(record, EvaluationRecord) else cls.from_dict(record)

    @property
    def is_multiclass(self) -> bool:
        """A K-class run's evaluation: its numbers are the K x K ones, not a binary AUC."""
        return self.task == "multiclass" or len(self.class_names) > 2 \
            or self.positive_index is None

    @property
    def all_images(self) -> bool:
        """Every image of the target was evaluated, not only its test split."""
        return self.split == "all"

    def as_dict(self) -> dict[str, Any]:
        """A fresh copy of the record dict the view was built from."""
        return copy.deepcopy(self._source)

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # Read-only mappings cannot be pickled; rebuilding from the source dict can.
        return (EvaluationRecord.from_dict, (self._source,))
