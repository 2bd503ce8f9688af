"""The sections of a run record's typed view (:mod:`core.store.record`), one frozen dataclass
per section, each read field by field from the stored dict with "missing means None / empty".

Kept apart from :class:`~core.store.record.RunRecord` so that each module stays one screenful
of one idea: here, what each section holds; there, the record as a whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
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
    "SkippedFiles",
    "SpecFacts",
    "StrategyFacts",
    "TrainingFacts",
    "WeightsFacts",
]


_EMPTY: Mapping[str, Any] = MappingProxyType({})


def empty_mapping() -> Any:
    """The default of a mapping field: empty and read-only."""
    return field(default_factory=lambda: _EMPTY)


def read_section(values: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``values[key]`` when it is a mapping, else empty (absent, ``None`` or malformed)."""
    value = values.get(key)
    return value if isinstance(value, Mapping) else _EMPTY


def _frozen(value: Any) -> Any:
    """A read-only copy: mappings become ``MappingProxyType``, lists and tuples tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def read_mapping(values: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    return _frozen(read_section(values, key))


def read_strings(value: Any) -> tuple[str, ...]:
    """A list of texts as a tuple (anything else, e.g. absent, is empty)."""
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else ()


def _plain(cls: Any, section: Mapping[str, Any], **parts: Any) -> Any:
    """``cls`` with each field read from the section's key of that name (absent: ``None``),
    but the ``parts`` given."""
    return cls(**{f.name: section.get(f.name) for f in fields(cls) if f.name not in parts},
               **parts)


@dataclass(frozen=True)
class SpecFacts:
    """What the user asked for (``record["spec"]``): the factors a run varies."""

    dataset: str | None = None
    model: str | None = None
    strategy: str | None = None
    profile: str | None = None
    seed: int | None = None
    fold: int | None = None  #: 0-based cross-validation fold; ``None`` for a plain split
    n_folds: int | None = None
    weights: str | None = None  #: the weights the user asked for (``None``: the model's default)
    overrides: Mapping[str, Any] = empty_mapping()  #: recipe fields the user changed
    split_seed: int | None = None  #: seeds the split, apart from training: runs share a test set
    budget_s: float | None = None  #: the budget profile's seconds per run (asked for)

    @classmethod
    def from_section(cls, spec: Mapping[str, Any]) -> SpecFacts:
        return _plain(cls, spec, overrides=read_mapping(spec, "overrides"))


@dataclass(frozen=True)
class ModelFacts:
    """The architecture (``record["model"]``: its registry entry plus what training measured)."""

    name: str | None = None
    title: str | None = None  #: the human name; the UI falls back to ``name``
    citation: str | None = None  #: the study the architecture comes from
    family: str | None = None
    head: str | None = None  #: output activation, which decides how probabilities are read
    n_params: int | None = None
    input_size: int | None = None  #: pixels per side the model was trained at
    last_conv_layer: str | None = None  #: where Grad-CAM reads (None: found at run time)
    supports_imagenet: bool | None = None  #: the architecture can start from ImageNet weights

    @classmethod
    def from_section(cls, model: Mapping[str, Any]) -> ModelFacts:
        return _plain(cls, model)


@dataclass(frozen=True)
class RecipeFacts:
    """The training recipe (``record["recipe"]``); ``values`` holds every stored field (for a
    full listing), the attributes the ones the pages name."""

    values: Mapping[str, Any] = empty_mapping()
    optimizer: str | None = None
    learning_rate: float | None = None
    schedule: str | None = None
    batch_size: int | None = None
    epochs: int | None = None
    augmentation: str | None = None
    max_train_images: int | None = None
    input_size: int | None = None
    ema_momentum: float | None = None  #: weight averaging (absent from older records: None)

    @classmethod
    def from_section(cls, recipe: Mapping[str, Any]) -> RecipeFacts:
        names = ("optimizer", "learning_rate", "schedule", "batch_size", "epochs",
                 "augmentation", "max_train_images", "input_size", "ema_momentum")
        return cls(values=_frozen(recipe), **{n: recipe.get(n) for n in names})

    def as_dict(self) -> dict[str, Any]:
        """The stored recipe as a new plain dict (for JSON)."""
        return _thawed(self.values)


@dataclass(frozen=True)
class StrategyFacts:
    """How class imbalance was handled (``record["strategy"]``)."""

    name: str | None = None  #: none, class_weight, oversample or undersample
    sampling: str | None = None  #: what the input pipeline did (``none`` unless resampling)
    class_weight: Mapping[str, float] = empty_mapping()  #: class index (as text) -> loss weight used

    @classmethod
    def from_section(cls, strategy: Mapping[str, Any]) -> StrategyFacts:
        return _plain(cls, strategy, class_weight=read_mapping(strategy, "class_weight"))


@dataclass(frozen=True)
class WeightsFacts:
    """Initial weights (``record["weights"]``): asked for, actually used, and why they differ."""

    requested: str | None = None
    used: str | None = None
    note: str | None = None  #: set when the run fell back (e.g. no ImageNet weights offline)

    @classmethod
    def from_section(cls, weights: Mapping[str, Any]) -> WeightsFacts:
        return _plain(cls, weights)


@dataclass(frozen=True)
class SkippedFiles:
    """Unreadable files training left out (``record["data"]["skipped"]``)."""

    count: int = 0
    files: tuple[tuple[str | None, str | None], ...] = ()  #: (sample_id, reason) pairs

    @classmethod
    def from_section(cls, skipped: Mapping[str, Any]) -> SkippedFiles:
        raw = skipped.get("files")
        rows = [f for f in raw if isinstance(f, Mapping)] if isinstance(raw, list) else []
        files = tuple((f.get("sample_id"), f.get("reason")) for f in rows)
        return cls(count=skipped.get("count", len(files)), files=files)


@dataclass(frozen=True)
class DuplicateFacts:
    """Identical images and what the dataset's ``duplicates`` setting did with them
    (``record["data"]["duplicates"]``)."""

    policy: str | None = None  #: refuse, drop or keep
    sets: int = 0
    across_classes: int = 0
    across_splits: int = 0
    dropped_count: int = 0  #: copies left out (policy ``drop``)
    kept: tuple[tuple[str, ...], ...] = ()  #: sets across labels or splits trained on (``keep``)

    @classmethod
    def from_section(cls, info: Mapping[str, Any]) -> DuplicateFacts:
        kept = info.get("kept") or ()
        return cls(policy=info.get("policy"), sets=info.get("sets", 0),
                   across_classes=info.get("across_classes", 0),
                   across_splits=info.get("across_splits", 0),
                   dropped_count=read_section(info, "dropped").get("count", 0),
                   kept=tuple(read_strings(ids) for ids in kept))


@dataclass(frozen=True)
class ImageSizeFacts:
    """The training images' typical size and shape before the resize to the model's input
    (``record["data"]["image_size"]``, :mod:`core.training.image_sizes`): medians in pixels."""

    median_width: float | None = None
    median_height: float | None = None
    median_aspect: float | None = None  #: width / height
    images: int | None = None  #: training images measured

    @classmethod
    def from_section(cls, size: Mapping[str, Any]) -> ImageSizeFacts | None:
        """The facts, or ``None`` when the record lacks a usable width and height."""
        width, height = size.get("median_width"), size.get("median_height")
        if not all(isinstance(v, (int, float)) and v > 0 for v in (width, height)):
            return None
        aspect = size.get("median_aspect")
        return cls(median_width=float(width), median_height=float(height),
                   median_aspect=float(aspect) if isinstance(aspect, (int, float)) and aspect > 0
                   else float(width) / float(height),
                   images=size.get("images"))


@dataclass(frozen=True)
class DataFacts:
    """What the run trained and was tested on (``record["data"]``)."""

    counts: Mapping[str, Mapping[str, int]] = empty_mapping()  #: split -> class name -> images
    images_per_epoch: int | None = None
    notes: tuple[str, ...] = ()  #: the dataset's own notes (e.g. "SYNTHETIC")
    skipped: SkippedFiles | None = None  #: ``None``: not recorded by this engine revision
    duplicates: DuplicateFacts | None = None  #: ``None``: not recorded by this engine revision
    image_size: ImageSizeFacts | None = None  #: ``None``: not recorded by this engine revision

    @classmethod
    def from_section(cls, data: Mapping[str, Any]) -> DataFacts:
        skipped, duplicates = data.get("skipped"), data.get("duplicates")
        return cls(
            counts=read_mapping(data, "counts"), images_per_epoch=data.get("images_per_epoch"),
            notes=read_strings(data.get("notes")),
            skipped=SkippedFiles.from_section(skipped) if isinstance(skipped, Mapping) else None,
            duplicates=(DuplicateFacts.from_section(duplicates)
                        if isinstance(duplicates, Mapping) else None),
            image_size=ImageSizeFacts.from_section(read_section(data, "image_size")))

    def split_counts(self, split: str) -> Mapping[str, int]:
        """Images per class in ``split`` (empty when the split is not recorded)."""
        return read_section(self.counts, split)


@dataclass(frozen=True)
class TrainingFacts:
    """How the fit went (``record["training"]``)."""

    epochs_run: int | None = None
    epochs_planned: int | None = None
    stopped_early: bool = False
    resumed_from_epoch: int | None = None  #: epochs restored from checkpoints after a restart
    eager: bool | None = None
    epoch_seconds: tuple[float, ...] = ()
    global_batch: int | None = None  #: images per step over all devices
    images_left_out_per_epoch: int | None = None  #: by the multi-device batching
    val_blank_padding: int | None = None

    @classmethod
    def from_section(cls, training: Mapping[str, Any]) -> TrainingFacts:
        seconds = training.get("epoch_seconds")
        return _plain(cls, training, stopped_early=bool(training.get("stopped_early")),
                      epoch_seconds=tuple(seconds) if isinstance(seconds, (list, tuple)) else ())


@dataclass(frozen=True)
class BudgetRates:
    """Images per second the budget plan counted on, and where they came from."""

    train: float | None = None
    predict: float | None = None
    source: str | None = None  #: "probe", "earlier runs" or "interpolated"


@dataclass(frozen=True)
class BudgetFacts:
    """A budget-profile run's plan and outcome (``record["budget"]``, written by
    ``core.training.budget_run``): what the planner chose, from which speed, why, and whether
    the run kept to its budget."""

    budget_s: float | None = None
    input_size: int | None = None
    epochs: int | None = None  #: planned; ``TrainingFacts.epochs_run`` says how many ran
    train_images: int | None = None
    early_stopping_patience: int | None = None
    early_stopping_start: int | None = None  #: epochs let pass first (planner 6; None before)
    #: what early stopping watched (planner 3: "val_auc" on binary tasks); None before
    monitor: str | None = None
    #: the weight average's momentum per step (planner 4); None: the plan did not average
    #: (too short a run, the user set ``ema_momentum`` or ``batchnorm_momentum``, or before)
    ema_momentum: float | None = None
    expected_s: float | None = None
    rates: BudgetRates = BudgetRates()
    reasons: tuple[str, ...] = ()
    planner: int | None = None  #: the planner's rules' version
    probe_s: float | None = None  #: measuring speed and planning, before the model was built
    actual_s: float | None = None  #: from the request to the stored run
    within_budget: bool | None = None
    stopped_by_budget_after_epoch: int | None = None  #: ``None``: the guard never stopped it
    #: seconds spent by interrupted attempts before the last one resumed with their plan
    resumed_after_s: float | None = None

    @classmethod
    def from_section(cls, budget: Mapping[str, Any]) -> BudgetFacts:
        return _plain(cls, budget, rates=_plain(BudgetRates, read_section(budget, "rates")),
                      reasons=read_strings(budget.get("reasons")))


@dataclass(frozen=True)
class ImportFacts:
    """What an imported run was made from (``record["import"]``, ``core.imports.stored``)."""

    kind: str | None = None  #: "predictions" or "keras"
    file: str | None = None  #: the imported file's name
    sha256: str | None = None
    own_split: bool | None = None  #: the file's own val/test split, not Lesionlab's
    rows: int | None = None  #: predictions imported

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> ImportFacts:
        return _plain(cls, section)


def read_optional(cls: Any, record: Mapping[str, Any], key: str) -> Any:
    """``cls.from_section`` of ``record[key]``, or ``None`` when the record has no such part."""
    section = record.get(key)
    return cls.from_section(section) if isinstance(section, Mapping) else None


def _thawed(value: Any) -> Any:
    """A plain, mutable copy of a :func:`_frozen` value (dicts and lists again)."""
    if isinstance(value, Mapping):
        return {k: _thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thawed(v) for v in value]
    return value
