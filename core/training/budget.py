"""The ``budget`` profile's planner: what to train so that a run ends within the user's minutes.

A user who gives a time budget wants the best model that time can buy on *their* machine, not
a recipe sized for someone else's GPU (paper) or a fixed CPU sketch (quick). What makes a small
convolutional network better, in the order this planner buys it:

1. enough optimizer updates: below ``MIN_UPDATES`` (and ``MIN_EPOCHS`` passes) a network has
   barely left its initialisation, whatever the input size. Counted in updates, not epochs,
   because a small dataset makes few updates per epoch: 545 images at batch 32 are 17 updates,
   so planner 1's "10 epochs" bought 170 updates at 224 px and a model near chance (measured
   on BUSI: AUC 0.54, where a 96 px plain script trained for 60 epochs reached 0.69);
2. all the training images (a random subset throws information away for good);
3. larger inputs (lesion texture and margins are lost at 50 px), up to the largest candidate
   and never above the images' own size (planner 5,
   :func:`core.training.budget_sizes.candidate_sizes`);
4. more epochs, up to what the budget fits (planner 4; planners 1-3 stopped at the recipe's
   own count, sized for the study's data and hardware, and left three quarters of a 10-minute
   budget unused on a small dataset). Early stopping ends a run that has stopped improving, so
   a generous count costs nothing when the model converges sooner, and its patience grows with
   the count: a quarter of the planned epochs, so a larger budget also buys a longer look at a
   noisy validation curve before giving up on it; it starts watching after the epochs of the
   first ``MIN_UPDATES`` updates (at most half the plan, planner 6, see :func:`_stopping`).

Planner 4 also averages the weights (:mod:`core.training.averaging`): an exponential moving
average over the last ``max(MIN_AVERAGED_UPDATES, one epoch)`` optimizer steps, which validation,
early stopping and the saved model use. A longer look at a noisy validation curve picks its
luckiest epoch more often; averaged weights make neighbouring epochs differ by what the network
learnt rather than by the last steps' noise; BatchNorm's statistics follow the same window.
Runs too short to average (fewer than ``AVERAGE_SPANS`` averaging windows of updates) and runs
whose user set ``ema_momentum`` or ``batchnorm_momentum`` are left as they are.

The time model is plain arithmetic on measured rates: ``overhead + epochs * (m / train_rate +
passes * n_val / predict_rate) + (n_val + n_test) / predict_rate``, planned to
``PLAN_FRACTION`` of the budget (``passes`` = 2 when each epoch also computes the validation
AUC, see below); :class:`~core.training.budget_guard.BudgetGuard` stops training when the next epoch
would not fit, so a rate measured too optimistically still ends near the budget.

Early stopping (planner 3) watches the validation AUC of the positive class on a binary task
whose validation split holds both classes (:mod:`core.training.val_auc`: the number runs are
ranked by), the validation loss otherwise (planner 2 watched the loss everywhere).

This module is pure (no TensorFlow): rates come in as numbers, so the choices are tested on a
fake throughput table, and measured rates come from :mod:`core.training.throughput`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

from core.errors import LesionlabError

#: Below this many passes over the data a run is a sketch, whatever else the budget buys.
MIN_EPOCHS = 10
#: Below this many optimizer updates a from-scratch network is still near its initialisation
#: and early stopping has nothing to judge. Order of magnitude, not a tuned value: the plain
#: CNN scripts our users compare against run ~1,000 updates (60 epochs of 17 batches), and
#: an ImageNet fine-tune's first epoch on a few thousand images is a few hundred. On a large
#: dataset ``MIN_EPOCHS`` binds first (10 epochs of 10,000 images at batch 32 are 3,000).
MIN_UPDATES = 1000
#: The planner aims here, leaving room for rates that drift (a loaded machine, a slower epoch).
PLAN_FRACTION = 0.85
#: A subset smaller than this is not worth a budget run: the planner says the budget is too
#: small instead (unless the dataset itself is smaller).
MIN_TRAIN_IMAGES = 500
#: The most epochs a plan asks for: past a thousand passes over the same images a from-scratch
#: network has long converged or overfitted, and the cap keeps early stopping's patience (a
#: quarter of the epochs) finite on a tiny dataset with a long budget.
MAX_PLANNED_EPOCHS = 1000
#: The shortest averaging window (optimizer steps): ~100 steps cancel the step-to-step noise of
#: small batches while the network still changes little within them. Order of magnitude, not a
#: tuned value (momentum 0.99, Keras' default for ``use_ema``); on a large dataset the window is
#: one epoch's steps instead.
MIN_AVERAGED_UPDATES = 100
#: A run shorter than this many windows is not averaged: its average would still carry the
#: random initialisation.
AVERAGE_SPANS = 4
#: The recipe fields a plan sets unless the user overrode them (``max_train_images``: the plan
#: takes at most the user's number of images).
PLANNED_FIELDS = ("input_size", "epochs", "max_train_images", "early_stopping_patience",
                  "early_stopping_start", "monitor", "ema_momentum", "batchnorm_momentum")
#: Bumped when the planner's rules change, so a budget run planned by other rules is another run.
PLANNER_VERSION = 6
#: What early stopping watches, and how it is said in the plan's reasons and Run details.
MONITOR_WORDS = {"val_auc": "validation AUC", "val_loss": "validation loss",
                 "val_accuracy": "validation accuracy", "loss": "training loss",
                 "accuracy": "training accuracy"}


class BudgetError(LesionlabError, ValueError):
    """The budget cannot buy a useful run (or was not a positive number of minutes)."""


@dataclass(frozen=True)
class Rates:
    """Images per second of one model at one input size on this device."""

    train: float
    predict: float
    #: "probe" (a few timed batches), "earlier runs" (stored runs on this device),
    #: or "interpolated" (between two probed sizes).
    source: str


@dataclass(frozen=True)
class Workload:
    """What the run must get through, independent of the plan."""

    n_train: int
    n_val: int
    n_test: int
    #: Seconds spent outside the epochs: building the model, the first step's graph
    #: tracing, saving. Measured by the probe.
    overhead_s: float = 0.0
    #: What early stopping watches: ``"val_auc"`` costs a second prediction pass over the
    #: validation images each epoch (:mod:`core.training.val_auc`).
    monitor: str = "val_loss"
    #: The learning-rate plateau watches ``val_auc`` (the same extra pass).
    plateau_auc: bool = False
    #: Images an epoch goes through per training image: the recipe's ``sampling`` resamples
    #: (undersampling the majority class makes an epoch smaller, oversampling larger), so
    #: time and optimizer updates are counted on the epoch, images on the distinct ones.
    epoch_factor: float = 1.0
    #: The training split's images when the user's ``max_train_images`` override kept fewer
    #: (``n_train`` is then the override): the reasons must not call the override "all".
    in_split: int | None = None

    def images_words(self) -> str:
        """"all 545 training images", or the user's cap when an override set ``n_train``."""
        if self.in_split is None or self.in_split <= self.n_train:
            return f"all {self.n_train} training images"
        return (f"the {self.n_train} training images asked for (max_train_images; "
                f"{self.in_split} in the split)")

    def epoch_images(self, images: int) -> float:
        """Images one epoch goes through when ``images`` distinct ones are trained on."""
        return images * self.epoch_factor

    @property
    def val_per_epoch(self) -> int:
        """Validation images predicted in each epoch."""
        return self.n_val * (2 if self.monitor == "val_auc" or self.plateau_auc else 1)


@dataclass(frozen=True)
class BudgetPlan:
    """The chosen settings, the numbers they were chosen from, and why."""

    budget_s: float
    input_size: int
    epochs: int
    train_images: int
    early_stopping_patience: int
    expected_s: float
    rates: Rates
    reasons: tuple[str, ...] = field(default=())
    monitor: str = "val_loss"
    #: The weight average's momentum per step (None = the plan does not average).
    ema_momentum: float | None = None
    #: Epochs early stopping lets pass before it watches (planner 6).
    early_stopping_start: int = 0

    def recipe_changes(self, n_train: int) -> dict:
        """The recipe fields this plan sets (``max_train_images`` None = all images)."""
        return {"input_size": self.input_size, "epochs": self.epochs,
                "max_train_images": None if self.train_images >= n_train else self.train_images,
                "early_stopping_patience": self.early_stopping_patience,
                "early_stopping_start": self.early_stopping_start or None,
                "monitor": self.monitor,
                **({"ema_momentum": self.ema_momentum, "batchnorm_momentum": self.ema_momentum}
                   if self.ema_momentum is not None else {})}

    def to_record(self) -> dict:
        """What the run record keeps, so Run details can say what was chosen and why."""
        return {**asdict(self), "reasons": list(self.reasons), "planner": PLANNER_VERSION}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> BudgetPlan:
        """The plan :meth:`to_record` wrote (``KeyError``/``TypeError``/``ValueError`` when it
        is not one)."""
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in record.items() if k in fields}
        return cls(**{**values, "rates": Rates(**record["rates"]),
                      "reasons": tuple(record.get("reasons", ()))})


def users_planned_fields(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """The user's overrides of fields the planner would choose: kept as given, and part of a
    budget run's identity (an override equal to the quick recipe's value still changes what
    the planner does, so it must not find the run planned without it)."""
    return {k: v for k, v in (overrides or {}).items() if k in PLANNED_FIELDS}


def parse_budget(text: str | float | int) -> float:
    """Seconds from ``"10m"``, ``"1h"``, ``"90s"`` or a number of minutes; refused if not > 0."""
    raw = str(text).strip().lower()
    unit = {"s": 1.0, "m": 60.0, "h": 3600.0}.get(raw[-1:], None)
    number = raw[:-1] if unit is not None else raw
    try:
        seconds = float(number) * (unit or 60.0)
    except ValueError:
        raise BudgetError(f"A budget is a number of minutes such as 10m, 1h or 90s, got "
                          f"{str(text)!r}.") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise BudgetError(f"A budget must be a positive time, got {str(text)!r}.")
    return seconds


def expected_seconds(work: Workload, rates: Rates, epochs: int, images: int) -> float:
    """The time model above, for one choice."""
    epoch = work.epoch_images(images) / rates.train + work.val_per_epoch / rates.predict
    final = (work.n_val + work.n_test) / rates.predict
    return work.overhead_s + epochs * epoch + final


def _epochs_that_fit(work: Workload, rates: Rates, usable_s: float, images: int) -> int:
    epoch = work.epoch_images(images) / rates.train + work.val_per_epoch / rates.predict
    final = (work.n_val + work.n_test) / rates.predict
    return max(0, math.floor((usable_s - work.overhead_s - final) / epoch))


def least_epochs(n_images: int, batch_size: int | None) -> int:
    """The fewest epochs worth planning: ``MIN_EPOCHS``, or more when an epoch of ``n_images``
    at ``batch_size`` makes so few updates that ``MIN_UPDATES`` needs more passes."""
    if not batch_size or n_images <= 0:
        return MIN_EPOCHS
    updates_per_epoch = math.ceil(n_images / batch_size)
    return max(MIN_EPOCHS, math.ceil(MIN_UPDATES / updates_per_epoch))


def plan(budget_s: float, work: Workload, rates: Mapping[int, Rates], *,
         batch_size: int | None = None, fixed: Mapping[str, Any] | None = None,
         spent_s: float = 0.0) -> BudgetPlan:
    """The plan for one run (see the module docstring for the order of preference).

    ``budget_s``: the budget asked for, ``spent_s`` of it gone before planning (so refusals
    and hints speak of the whole budget). ``rates``: each candidate size's; ``batch_size``
    turns ``MIN_UPDATES`` into epochs and sizes the weight average. ``fixed``: the user's
    overrides of :data:`PLANNED_FIELDS`, never overruled: ``epochs`` exactly (fewer than
    ``MIN_EPOCHS`` too; sizes and images chosen to fit, or the budget refused), the patience
    kept, no average over the user's momentum (``input_size`` and ``monitor`` come in through
    the candidate sizes and ``work``). The optimizer, learning rate and batch are never
    planned: a recipe that cannot fit is refused, not trained with another optimizer."""
    fixed = dict(fixed or {})
    fixed_epochs = fixed.get("epochs")
    if not rates:
        raise ValueError("plan() needs the rates of at least one input size.")
    usable = max(0.0, budget_s - spent_s) * PLAN_FRACTION
    asked = _Asked(budget_s, spent_s)
    least = (int(fixed_epochs) if fixed_epochs
             else least_epochs(math.ceil(work.epoch_images(work.n_train)), batch_size))
    most = int(fixed_epochs) if fixed_epochs else max(MAX_PLANNED_EPOCHS, least)
    chosen = None
    for size in sorted(rates, reverse=True):  # largest input first, with all images
        fit = _epochs_that_fit(work, rates[size], usable, work.n_train)
        if fit >= least:
            epochs = min(fit, most)
            why = (f"{work.images_words()} at {size} px, {epochs} epochs fit "
                   f"({_largest_note(size, rates)})")
            chosen = _made(budget_s, work, rates[size], size, epochs, work.n_train, (why,))
            break
    if chosen is None and not fixed_epochs and least > MIN_EPOCHS:
        chosen = _short_of_updates_plan(asked, work, rates, usable, least)
    if chosen is None:
        chosen = _smallest_size_plan(asked, work, rates, usable,
                                     MIN_EPOCHS if not fixed_epochs else least,
                                     epochs_fixed=bool(fixed_epochs))
    warm_up = fixed.get("early_stopping_start")
    if warm_up is None:  # the updates a network needs to leave its initialisation (planner 6)
        warm_up = min(least_epochs(math.ceil(work.epoch_images(chosen.train_images)),
                                   batch_size), chosen.epochs // 2)
    chosen = _stopping(chosen, work, fixed.get("early_stopping_patience"), int(warm_up))
    if "ema_momentum" in fixed or "batchnorm_momentum" in fixed:
        return chosen
    return _averaged(chosen, work, batch_size)


def _stopping(chosen: BudgetPlan, work: Workload, patience: int | None,
              start: int) -> BudgetPlan:
    """Early stopping's patience (the user's, else the plan's: a quarter of its epochs, set by
    :func:`_made`) and the epochs it lets pass first, with the reasons for them and the rates.

    Planner 6 lets pass the epochs of the first ``MIN_UPDATES`` updates (at most half the
    plan): before them validation judges the initialisation, and a lucky early epoch set a bar
    the averaged weights took longer than the patience to pass (BUSI, seed 2: validation AUC
    0.72 at epoch 2, stopped at 18 with test AUC 0.715, where seeds 0-1 peaked after 60)."""
    patience = int(patience) if patience else chosen.early_stopping_patience
    watched = MONITOR_WORDS.get(work.monitor, work.monitor)
    rate = chosen.rates
    wait = f" from epoch {start + 1}" if start else ""
    reasons = chosen.reasons + (
        f"early stopping on {watched}{wait} after {patience} epochs without improvement, best "
        "weights kept", f"rates {rate.train:.1f} train / {rate.predict:.1f} predict images/s "
        f"({rate.source})")
    return dataclasses.replace(chosen, early_stopping_patience=patience,
                               early_stopping_start=start, reasons=reasons)


def _averaged(chosen: BudgetPlan, work: Workload, batch_size: int | None) -> BudgetPlan:
    """``chosen`` with a weight average over ``max(MIN_AVERAGED_UPDATES, one epoch)`` steps,
    when the plan makes at least ``AVERAGE_SPANS`` such windows of updates.

    BatchNorm's moving statistics follow the same window (``batchnorm_momentum`` = the
    average's momentum): Keras averages only trainable weights, and statistics that follow the
    last ~10 steps (the quick recipe's 0.9) would normalise the averaged weights' activations
    with the raw weights' (timm and the TF EfficientNet code average the statistics too)."""
    if not batch_size:
        return chosen
    steps = math.ceil(work.epoch_images(chosen.train_images) / batch_size)
    window = max(MIN_AVERAGED_UPDATES, steps)
    if chosen.epochs * steps < AVERAGE_SPANS * window:
        return chosen
    momentum = round(1.0 - 1.0 / window, 6)
    why = (f"weights and BatchNorm statistics averaged over the last ~{window} optimizer steps "
           f"(momentum {momentum:g}); validation, early stopping and the saved model use the "
           "average")
    return dataclasses.replace(chosen, ema_momentum=momentum, reasons=chosen.reasons + (why,))


@dataclass(frozen=True)
class _Asked:
    """The budget the user asked for and the seconds of it spent before planning: what a
    refusal or a hint is worded from."""

    budget_s: float
    spent_s: float = 0.0

    def minutes_for(self, seconds: float) -> float:
        """The budget, in minutes, that would plan ``seconds`` of training."""
        return (seconds / PLAN_FRACTION + self.spent_s) / 60

    def words(self) -> str:
        """"A budget of 2 min 00 s" (and what was left of it when something was spent)."""
        from core.training.eta import took  # eta imports this module

        left = max(0.0, self.budget_s - self.spent_s)
        spent = (f" ({took(left)} of it left after reading the images and timing the "
                 "model)" if self.spent_s > 0 else "")
        return f"A budget of {took(self.budget_s)}{spent}"


def _short_of_updates_plan(asked: _Asked, work: Workload, rates: Mapping[int, Rates],
                           usable: float, least: int) -> BudgetPlan | None:
    """``least`` epochs (the ``MIN_UPDATES`` count) fit at no size: the smallest size, all
    images, as many epochs as fit if that is at least ``MIN_EPOCHS``. A subset would make the
    same number of updates in that time from fewer distinct images, so all images it is."""
    size = min(rates)
    fit = _epochs_that_fit(work, rates[size], usable, work.n_train)
    if fit < MIN_EPOCHS:
        return None
    wanted = asked.minutes_for(expected_seconds(work, rates[size], least, work.n_train))
    why = (f"{work.images_words()} at {size} px, {fit} epochs fit: fewer than "
           f"the {least} ({MIN_UPDATES} updates) a from-scratch network wants; expect a weaker "
           f"model, or give a budget of about {wanted:.0f} min")
    return _made(asked.budget_s, work, rates[size], size, fit, work.n_train, (why,))


def _smallest_size_plan(asked: _Asked, work: Workload, rates: Mapping[int, Rates],
                        usable: float, least: int = MIN_EPOCHS, *,
                        epochs_fixed: bool = False) -> BudgetPlan:
    """No size fits all images for ``least`` epochs: the smallest size, fewer images, then
    fewer epochs; refused when not even one epoch of the smallest useful subset fits, or when
    ``least`` is the user's own epochs (``epochs_fixed``) and they do not fit."""
    size = min(rates)
    rate = rates[size]
    floor_images = min(work.n_train, MIN_TRAIN_IMAGES)
    per_epoch = (usable - work.overhead_s - (work.n_val + work.n_test) / rate.predict) / least
    images = math.floor((per_epoch - work.val_per_epoch / rate.predict) * rate.train
                        / work.epoch_factor)
    if images >= floor_images:
        why = (f"{least} epochs of {work.images_words()} do not fit at any size; "
               f"{images} of them per epoch at {size} px do")
        return _made(asked.budget_s, work, rate, size, least, min(images, work.n_train), (why,))
    epochs = _epochs_that_fit(work, rate, usable, floor_images)
    wanted = asked.minutes_for(expected_seconds(work, rate, least, floor_images))
    if epochs_fixed:  # the user's epochs do not fit even the smallest useful subset
        raise BudgetError(
            f"{asked.words()} cannot train the {least} epochs asked for (the epochs override) "
            f"on {floor_images} images at {size} px on this machine: that needs a budget of "
            f"about {math.ceil(wanted)} min at {rate.train:.0f} images/s.",
            fix="give a larger budget, or fewer epochs (or none: the plan then fits them)")
    if epochs < 1:
        one = expected_seconds(work, rate, 1, floor_images)
        raise BudgetError(
            f"{asked.words()} cannot train even one epoch of {floor_images} images at {size} "
            f"px on this machine (that takes about {one / 60:.1f} min at "
            f"{rate.train:.0f} images/s).",
            fix="give a larger budget, or use the quick profile")
    why = (f"only {epochs} epoch(s) of {floor_images} images at {size} px fit: expect a "
           f"weak model; a budget of {wanted:.0f} min would buy {least} epochs")
    return _made(asked.budget_s, work, rate, size, epochs, floor_images, (why,))


def _made(budget_s: float, work: Workload, rate: Rates, size: int, epochs: int, images: int,
          reasons: tuple[str, ...]) -> BudgetPlan:
    """The plan's sizes, with early stopping's patience a quarter of its epochs (at least 3;
    :func:`_stopping` keeps a user's instead)."""
    return BudgetPlan(budget_s=budget_s, input_size=size, epochs=epochs, train_images=images,
                      early_stopping_patience=max(3, epochs // 4),
                      expected_s=expected_seconds(work, rate, epochs, images),
                      rates=rate, reasons=reasons, monitor=work.monitor)


def _largest_note(size: int, rates: Mapping[int, Rates]) -> str:
    return ("the largest candidate size" if size == max(rates)
            else f"{min(s for s in rates if s > size)} px would not")
