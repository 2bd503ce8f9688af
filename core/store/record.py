"""A stored run's record as a typed, read-only view: every reader asks the same attribute.

The record (``record.json``) is a plain dict written by the training engine
(``core/training/engine.py``), and its shape grew with the engine: records written by an older
revision lack sections a newer one adds (``data.skipped``, ``data.duplicates``, ``training``
details). Readers that each walked it with ``record.get("a", {}).get("b")`` repeated both the
key names and the "missing means None" rule in every page. :class:`RunRecord` states them
once: a missing or malformed section reads as ``None`` / empty, exactly what those chains gave.

The view copies what it keeps (nested dicts become read-only mappings, lists become tuples), so
neither the stored dict nor a cached copy of it can be changed through the view. Values are kept
as stored (an ``int`` stays an ``int``): pages format them, and must show what was recorded.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
__all__ = [
    "BudgetFacts",
    "BudgetRates",
    "DataFacts",
    "DuplicateFacts",
    "ImageSizeFacts",
    "ImportFacts",
    "ModelFacts",
    "RecipeFacts",
    "RunRecord",
    "SkippedFiles",
    "SpecFacts",
    "StrategyFacts",
    "TrainingFacts",
    "WeightsFacts",
]

from core.store.record_parts import (
    BudgetFacts,
    BudgetRates,
    DataFacts,
    DuplicateFacts,
    ImageSizeFacts,
    ImportFacts,
    ModelFacts,
    RecipeFacts,
    SkippedFiles,
    SpecFacts,
    StrategyFacts,
    TrainingFacts,
    WeightsFacts,
    read_mapping,
    empty_mapping,
    read_optional,
    read_section,
    read_strings,
)


@dataclass(frozen=True)
class RunRecord:
    """One run's record, read once (:meth:`from_dict`) and typed; see the module docstring.

    Sections are always present (empty when the record lacks them), except those whose
    absence itself means something: two parts of ``data`` (:class:`DataFacts`), ``budget``
    (not a budget run) and ``imported`` (trained here, not imported).
    """

    run_id: str | None = None
    created_at: str | None = None  #: when training finished (ISO 8601, UTC)
    class_names: tuple[str, ...] = ()  #: in target order: ``prob_i`` is class ``i``
    positive_index: int | None = None  #: ``None`` for a multiclass run
    task: str | None = None  #: "binary" or "multiclass"
    synthetic_data: bool = False  #: trained on generated demo data, not on patients
    spec: SpecFacts = SpecFacts()
    model: ModelFacts = ModelFacts()
    recipe: RecipeFacts = RecipeFacts()
    strategy: StrategyFacts = StrategyFacts()
    weights: WeightsFacts = WeightsFacts()
    data: DataFacts = DataFacts()
    training: TrainingFacts = TrainingFacts()
    budget: BudgetFacts | None = None  #: the budget profile's plan; ``None`` for other runs
    imported: ImportFacts | None = None  #: the ``import`` section; ``None`` for trained runs
    wall_time_s: float | None = None  #: the whole run, data loading and saving included
    train_time_s: float | None = None  #: ``model.fit`` alone
    images_per_s: float | None = None  #: training speed
    predict_images_per_s: float | None = None
    peak_memory_mb: float | None = None  #: host memory
    gpu_peak_memory_mb: float | None = None  #: ``None`` on a CPU
    device: str | None = None  #: "cpu" or "gpu"
    device_info: Mapping[str, Any] = empty_mapping()  #: the devices, precision and distribution used
    environment: Mapping[str, str] = empty_mapping()  #: versions that can change a result
    summary: Mapping[str, float] = empty_mapping()  #: headline numbers, e.g. ``test_auc``
    _source: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> RunRecord:
        """The view of a stored record dict (never changed; the view keeps its own copy)."""
        names = record.get("class_names")
        timing = ("wall_time_s", "train_time_s", "images_per_s", "predict_images_per_s",
                  "peak_memory_mb", "gpu_peak_memory_mb")
        return cls(
            run_id=record.get("run_id"), created_at=record.get("created_at"),
            class_names=read_strings(names), positive_index=record.get("positive_index"),
            task=record.get("task"), synthetic_data=bool(record.get("synthetic_data")),
            spec=SpecFacts.from_section(read_section(record, "spec")),
            model=ModelFacts.from_section(read_section(record, "model")),
            recipe=RecipeFacts.from_section(read_section(record, "recipe")),
            strategy=StrategyFacts.from_section(read_section(record, "strategy")),
            weights=WeightsFacts.from_section(read_section(record, "weights")),
            data=DataFacts.from_section(read_section(record, "data")),
            training=TrainingFacts.from_section(read_section(record, "training")),
            budget=read_optional(BudgetFacts, record, "budget"),
            imported=read_optional(ImportFacts, record, "import"),
            **{name: record.get(name) for name in timing},
            device=record.get("device"), device_info=read_mapping(record, "device_info"),
            environment=read_mapping(record, "environment"), summary=read_mapping(record, "summary"),
            _source=copy.deepcopy(dict(record)))

    @classmethod
    def of(cls, record: RunRecord | Mapping[str, Any]) -> RunRecord:
        """``record`` itself when it is a view already, else its view: for functions that are
        handed either while callers move from the dict to the view."""
        return record if isinstance(record, RunRecord) else cls.from_dict(record)

    @property
    def is_multiclass(self) -> bool:
        """More than two classes, or declared multiclass: such a run gets the K x K views."""
        return self.task == "multiclass" or len(self.class_names) > 2

    def as_dict(self) -> dict[str, Any]:
        """A fresh copy of the record dict the view was built from (for JSON and old code)."""
        return copy.deepcopy(self._source)

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # Read-only mappings cannot be pickled; rebuilding from the source dict can (a cache
        # that pickles, e.g. ``st.cache_data``, gets an equal view back).
        return (RunRecord.from_dict, (self._source,))
