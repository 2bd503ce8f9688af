"""Training recipes: the settings a study trained with.

A :class:`Recipe` is plain data (no TensorFlow import) so it can be shown, stored with a run and
edited in the dashboard; :mod:`models.keras_parts` turns one into the optimizer, loss and
callbacks the trainer passes to ``compile``/``fit``.

Loss and head: a softmax head trains on one-hot targets with categorical cross-entropy, a sigmoid
head on float 0/1 targets with binary cross-entropy. The IDC and BreakHis reports say "binary
cross-entropy" over a 2-unit softmax; on one-hot targets, Keras' binary cross-entropy averaged
over the two complementary units equals categorical cross-entropy term for term, so using the
categorical loss reproduces them exactly and also works for more than two classes.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import typing
from dataclasses import asdict, dataclass, fields
from typing import Any

from models.errors import RecipeError
from models.vocab import (
    AUGMENTATIONS,
    CYCLICAL_MODES,
    LOSSES,
    MONITORS,
    OPTIMIZERS,
    SAMPLINGS,
    SCHEDULES,
)


#: Upper bounds of the sizes a typo would turn into a run that never ends or never fits in
#: memory (``--set epochs=100000``, ``input_size=9600``); the registry's largest are 180
#: epochs, 500 px and batch 128.
MAX_VALUES = {"epochs": 10_000, "input_size": 2048, "batch_size": 4096}
MAX_REASONS = {"epochs": "a typo, not a plan",
               "input_size": "one image would take more memory than any device has",
               "batch_size": "a batch would not fit in memory"}


#: Fields added after runs were first stored, with the default that leaves them out of
#: :meth:`Recipe.to_dict` (and so out of every earlier run's identity).
LATER_FIELDS = {"ema_momentum": None, "early_stopping_start": None}


@dataclass(frozen=True)
class Recipe:
    """How one model is trained. Units: epochs, images and optimizer steps, as named."""

    optimizer: str
    learning_rate: float
    loss: str
    batch_size: int
    epochs: int
    input_size: int
    momentum: float = 0.0
    schedule: str = "constant"
    #: exponential/inverse-time decay: rate per ``decay_steps`` optimizer steps
    #: (None = one epoch's worth of steps, known only when the dataset is).
    decay_rate: float | None = None
    decay_steps: int | None = None
    plateau_factor: float = 0.5
    plateau_patience: int = 3
    plateau_monitor: str = "val_loss"
    min_learning_rate: float = 0.0
    #: cyclical: the rate swings between ``learning_rate`` and this bound; a half cycle
    #: (Smith's "step size") lasts ``cyclical_half_cycle_epochs`` epochs.
    cyclical_max_learning_rate: float | None = None
    cyclical_half_cycle_epochs: float = 3.0
    cyclical_mode: str = "triangular"
    early_stopping_patience: int | None = None
    #: Epochs early stopping lets pass before it watches (Keras' ``start_from_epoch``): a
    #: from-scratch network's first epochs say little, and one lucky early epoch would set
    #: the bar. None = from the first epoch.
    early_stopping_start: int | None = None
    monitor: str = "val_loss"
    augmentation: str = "none"
    sampling: str = "none"
    max_train_images: int | None = None
    #: Momentum of every BatchNormalization layer's moving mean/variance during this run
    #: (None = the architecture's own: 0.99 in Keras, 0.999 in MobileNetV2). The quick
    #: profile lowers it because its runs are too short for the default averages to catch
    #: up with the weights; see ``make_callbacks``.
    batchnorm_momentum: float | None = None
    #: Keep an exponential moving average of the weights (Polyak averaging, Keras'
    #: ``use_ema``) with this momentum per optimizer step, and validate, stop early and save
    #: with the averaged weights (None = no averaging). See :mod:`core.training.averaging`.
    ema_momentum: float | None = None
    #: Where each value comes from and where it departs from the study (shown in the UI).
    notes: str = ""

    def __post_init__(self) -> None:
        _check_types(self)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("schedule", self.schedule, SCHEDULES)
        _check_choice("loss", self.loss, LOSSES)
        _check_choice("augmentation", self.augmentation, AUGMENTATIONS)
        _check_choice("sampling", self.sampling, SAMPLINGS)
        _check_choice("cyclical_mode", self.cyclical_mode, CYCLICAL_MODES)
        _check_choice("monitor", self.monitor, MONITORS)
        _check_choice("plateau_monitor", self.plateau_monitor, MONITORS)
        _check_positive("learning_rate", self.learning_rate)
        _check_positive("cyclical_half_cycle_epochs", self.cyclical_half_cycle_epochs)
        for name, most in MAX_VALUES.items():
            check_positive_int(name, getattr(self, name), most)
        for name in ("plateau_patience", "max_train_images", "early_stopping_patience",
                     "early_stopping_start", "decay_steps"):
            if getattr(self, name) is not None:
                check_positive_int(name, getattr(self, name))
        for name in ("decay_rate", "cyclical_max_learning_rate"):
            if getattr(self, name) is not None:
                _check_positive(name, getattr(self, name))
        if not 0.0 <= self.momentum < 1.0:
            raise RecipeError(f"Recipe momentum must be in [0, 1), got {self.momentum!r}.")
        if self.min_learning_rate < 0:
            raise RecipeError(f"Recipe min_learning_rate must be >= 0, got "
                              f"{self.min_learning_rate!r}.")
        if not 0.0 < self.plateau_factor < 1.0:
            raise RecipeError(f"plateau_factor must be in (0, 1), got {self.plateau_factor!r}.")
        if self.ema_momentum is not None and not 0.0 < self.ema_momentum < 1.0:
            raise RecipeError(
                f"Recipe ema_momentum must be in (0, 1) or None, got {self.ema_momentum!r}."
            )
        if self.batchnorm_momentum is not None and not 0.0 < self.batchnorm_momentum < 1.0:
            raise RecipeError(
                f"Recipe batchnorm_momentum must be in (0, 1) or None, got "
                f"{self.batchnorm_momentum!r}."
            )
        self._check_schedule()

    def _check_schedule(self) -> None:
        """What a schedule needs besides the fields every recipe has."""
        if self.schedule in ("exponential_decay", "inverse_time_decay") and self.decay_rate is None:
            raise RecipeError(
                f"Schedule {self.schedule!r} needs a positive decay_rate, got None; set "
                "decay_rate (and optionally decay_steps)."
            )
        if self.schedule == "cyclical" and self.cyclical_max_learning_rate is None:
            raise RecipeError(
                "Schedule 'cyclical' needs cyclical_max_learning_rate (the other bound of "
                "the cycle), got None."
            )

    def to_dict(self) -> dict[str, Any]:
        """Every field, except those added after runs were first stored while they hold their
        default (``LATER_FIELDS``): the dict is part of a run's content address, so a new
        field must not give every stored run a new id."""
        return {k: v for k, v in asdict(self).items()
                if not (k in LATER_FIELDS and v == LATER_FIELDS[k])}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recipe:
        """Rebuild a stored recipe; unknown keys are an error so a typo never goes unnoticed."""
        _check_field_names(data)
        return cls(**data)

    def replace(self, **changes: Any) -> Recipe:
        """A copy with some fields changed (validated like a new recipe)."""
        _check_field_names(changes)
        return dataclasses.replace(self, **changes)

    def images_per_epoch(self, n_train: int) -> int:
        """The training images an epoch is planned on: the split's, or fewer where
        ``max_train_images`` caps them (the pipeline draws that many, stratified). The demo's
        promise and the Train page's grid ask here, so that the rule is written once; a job's
        time estimate counts what a resampling strategy adds or drops as well
        (:func:`core.datasets.pipeline.epoch_size`, which applies the same cap)."""
        return min(n_train, self.max_train_images or n_train)


def _check_field_names(data: dict[str, Any]) -> None:
    known = {f.name for f in fields(Recipe)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise RecipeError(
            f"Unknown recipe field(s) {', '.join(unknown)}; recipe fields are: "
            f"{', '.join(sorted(known))}."
        )


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise RecipeError(f"Recipe {name} {_shown(value)} is not one of: {', '.join(allowed)}.")


def _check_positive(name: str, value: object) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0:
        raise RecipeError(f"Recipe {name} must be a positive number, got {_shown(value)}.")


def check_positive_int(name: str, value: object, most: int | None = None) -> None:
    """Refuse anything but a whole number >= 1 (and <= ``most``): recipe fields, and the
    epoch length :func:`models.keras_parts.make_learning_rate` is given."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RecipeError(f"Recipe {name} must be a whole number >= 1, got {_shown(value)}.")
    if most is not None and value > most:
        raise RecipeError(f"Recipe {name} must be at most {most:,}, got {value:,} "
                          f"({MAX_REASONS[name]}).")


def _check_types(recipe: Recipe) -> None:
    """Every field against its annotation, first, so that a value of the wrong type (text where
    a number belongs, from a stored dict or an API caller) is a RecipeError naming the field,
    never a TypeError from a comparison further down. Numbers must be finite: ``inf`` passes
    ``> 0`` and would reach the optimizer."""
    for f in fields(recipe):
        value = getattr(recipe, f.name)
        kinds = field_kinds(f.name)
        if value is None and type(None) in kinds:
            continue
        if not any(_is_a(value, kind) for kind in kinds):
            expected = " or ".join(_EXPECTED[k] for k in kinds)
            raise RecipeError(f"Recipe {f.name} must be {expected}, got {_shown(value)}.")


def field_kinds(name: str) -> tuple[type, ...]:
    """The types a recipe field accepts, from its annotation: ``(int,)``, ``(float, NoneType)``.

    Used by the checks above and by :mod:`models.overrides`, which converts typed text by the
    same annotation."""
    hint = _hints()[name]
    if typing.get_origin(hint) is tuple:
        return (tuple,)
    args = typing.get_args(hint)
    return tuple(args) if args else (hint,)


@functools.cache
def _hints() -> dict[str, Any]:
    return typing.get_type_hints(Recipe)


def _is_a(value: object, kind: type) -> bool:
    if isinstance(value, bool):  # a bool is an int to Python, never a number to a recipe
        return kind is bool
    if kind is float:
        return isinstance(value, (int, float)) and math.isfinite(value)
    return isinstance(value, kind)


_EXPECTED = {int: "a whole number", float: "a finite number", str: "text",
             bool: "true or false", tuple: "a list", type(None): "None"}


def _shown(value: object) -> str:
    """A value as messages quote it: repr (control characters escaped), at most 60 chars."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
