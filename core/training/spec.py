"""What one training run is: the factors a user varies, and nothing else.

A :class:`RunSpec` names a dataset, a model, an imbalance strategy, a profile and a seed (plus a
fold for cross-validation). Everything else — the recipe, the split, the dataset content — is
derived from those names when the run is resolved, and it is the *derived* values that key the
results store, so editing a dataset or a recipe never returns a stale cached run.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from numbers import Integral

from core.errors import LesionlabError

PROFILES = ("quick", "paper", "budget")
#: The profile a budget run's recipe starts from before the planner sizes it
#: (:mod:`core.training.budget`): quick's optimizer, batch size and BatchNorm momentum.
BUDGET_BASE_PROFILE = "quick"

#: Imbalance strategies: the same split and seed for each, so their effect is attributable.
#: ``class_weight`` is scikit-learn's "balanced" weighting; user-given weights are written
#: ``class_weight:<w0>,<w1>,...`` (one weight per class index).
STRATEGIES = ("none", "class_weight", "oversample", "undersample")
#: Seeds are 0..2**31-1: every random generator seeded from them (Python, NumPy, TensorFlow)
#: takes that range, and a negative seed is refused by NumPy deep inside a run.
MAX_SEED = 2**31 - 1


class RunSpecError(LesionlabError, ValueError):
    """A run cannot be specified this way; the message says which value and what is allowed.
    Still a ``ValueError`` for the callers that catch that."""


@dataclass(frozen=True)
class RunSpec:
    dataset: str
    model: str
    strategy: str = "none"
    profile: str = "quick"
    seed: int = 0  # training randomness: initialisation, shuffling, augmentation, resampling
    fold: int | None = None
    n_folds: int | None = None
    weights: str | None = None  # "imagenet", a local weights file, or None (random init)
    overrides: dict = field(default_factory=dict)  # recipe fields to change, e.g. {"epochs": 3}
    #: The split's seed is separate from the training seed on purpose: runs with different
    #: training seeds share one test set, so they can be compared pairwise (DeLong, McNemar).
    split_seed: int = 0
    #: The budget profile's time budget in seconds (None for the other profiles).
    budget_s: float | None = None

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise RunSpecError(f"Unknown profile {self.profile!r}; use one of {PROFILES}.")
        self._check_budget()
        parse_strategy(self.strategy)
        for name in ("seed", "split_seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Integral) or not 0 <= value <= MAX_SEED:
                raise RunSpecError(f"{name} must be a whole number from 0 to {MAX_SEED}, got "
                                   f"{value!r}.")
        if (self.fold is None) != (self.n_folds is None):
            raise RunSpecError("Give both fold and n_folds for a cross-validation run, or neither.")
        if self.n_folds is not None and not 0 <= int(self.fold) < int(self.n_folds):
            raise RunSpecError(f"fold must be in 0..{self.n_folds - 1}, got {self.fold}.")

    def _check_budget(self) -> None:
        """A budget belongs to the budget profile, and that profile needs one."""
        if self.profile == "budget":
            budget = self.budget_s
            if (isinstance(budget, bool) or not isinstance(budget, (int, float))
                    or not math.isfinite(budget) or budget <= 0):
                raise RunSpecError("The budget profile needs a time budget (e.g. --budget 10m), "
                                   f"got {budget!r}.")
        elif self.budget_s is not None:
            raise RunSpecError(f"A time budget applies only to the budget profile, not to "
                               f"{self.profile!r}.")

    @property
    def profile_label(self) -> str:
        """"quick", "paper" or "budget 10 min"."""
        if self.profile == "budget":
            return f"budget {self.budget_s / 60:g} min"
        return self.profile

    @property
    def label(self) -> str:
        """Short human name used in progress bars and logs."""
        fold = f" fold {self.fold + 1}/{self.n_folds}" if self.n_folds else ""
        return (f"{self.model} on {self.dataset} [{self.strategy}, {self.profile_label}, "
                f"seed {self.seed}{fold}]")

    def to_dict(self) -> dict:
        return asdict(self)


def sampling_of(strategy: str) -> str:
    """The resampling a strategy trains with (``"oversample"``, ``"undersample"``) or
    ``"none"`` (weighting strategies keep the images as they are)."""
    kind, _ = parse_strategy(strategy)
    return kind if kind in ("oversample", "undersample") else "none"


def parse_strategy(strategy: str) -> tuple[str, dict[int, float] | None]:
    """Split a strategy string into its kind and (for user-given class weights) the weights."""
    kind, _, arg = str(strategy).partition(":")
    if kind not in STRATEGIES:
        raise RunSpecError(
            f"Unknown imbalance strategy {strategy!r}; use one of {', '.join(STRATEGIES)} "
            "(or class_weight:<w0>,<w1>,... for your own weights)."
        )
    if not arg:
        return kind, None
    if kind != "class_weight":
        raise RunSpecError(f"Strategy {kind!r} takes no argument (got {strategy!r}).")
    try:
        weights = [float(w) for w in arg.split(",")]
    except ValueError as exc:
        raise RunSpecError(f"Class weights in {strategy!r} must be numbers.") from exc
    if not all(math.isfinite(w) and w > 0 for w in weights):  # nan <= 0 is False: say so
        raise RunSpecError(f"Class weights in {strategy!r} must be positive finite numbers.")
    return kind, dict(enumerate(weights))
