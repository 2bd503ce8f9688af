"""Train / validation / test assignment without patient leakage.

Images of one patient (or lesion, or slide) are near-duplicates of each other; if they land in
both train and test, the test score measures memory, not diagnosis. Every split here therefore
moves whole ``group`` values, stratified by ``target`` so that a rare malignant class is present
in every split in about its overall proportion, and is reproducible from ``SplitConfig.seed``.

The data's own split wins when it has one: a complete official train/val/test split (MedMNIST,
pre-split folders, a CSV split column) is used as is, so that scores stay comparable with
published ones; a partial one (BreakHis ``Folds.csv`` has train/test only) is completed by
carving the missing part from its train part, grouped the same way.

Fractions are approximate by nature: whole groups move, and scikit-learn's
``StratifiedGroupKFold`` cuts the data into ``k`` folds of which ``m`` are taken, with ``m/k``
chosen as close to the requested fraction as the number of groups allows.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from core.datasets.errors import DatasetError
from core.datasets.labels import named
from core.datasets.table import LoadedDataset

SPLITS = ("train", "val", "test")

#: Most folds a carve uses; 20 gives 5 % steps, finer than group sizes make meaningful.
MAX_FOLDS = 20
#: Above this many groups, StratifiedGroupKFold's greedy search (about 1 ms per group and
#: fold count) gets slow; groups are then stratified as units by their main class instead.
#: Singleton groups (no patient ids) always take that route: for them it is the same problem.
EXACT_GROUP_LIMIT = 1000


@dataclass(frozen=True)
class SplitConfig:
    """How to split a dataset that has no complete official split.

    ``val_fraction`` and ``test_fraction`` are shares of the whole dataset. With ``n_folds``
    (k-fold cross-validation), fold ``fold`` (0-based, ``0 <= fold < n_folds``) is the test part
    and ``test_fraction`` is unused; validation is carved from the remaining folds.
    """

    seed: int = 0
    val_fraction: float = 0.15
    test_fraction: float = 0.15
    n_folds: int | None = None
    fold: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        for name in ("val_fraction", "test_fraction"):
            value = getattr(self, name)
            if not 0.0 < float(value) < 1.0:
                raise ValueError(f"{name} must be between 0 and 1 (exclusive), got {value!r}")
        if (self.n_folds is None) != (self.fold is None):
            raise ValueError("set n_folds and fold together (fold 0..n_folds-1), or neither")
        if self.n_folds is not None:
            if self.n_folds < 2:
                raise ValueError(f"n_folds must be at least 2, got {self.n_folds}")
            if not 0 <= int(self.fold) < self.n_folds:  # type: ignore[arg-type]
                raise ValueError(f"fold must be in 0..{self.n_folds - 1}, got {self.fold}")
            if self.val_fraction >= 1.0 - 1.0 / self.n_folds:
                raise ValueError("val_fraction leaves no training data next to the test fold")
        elif self.val_fraction + self.test_fraction >= 1.0:
            raise ValueError("val_fraction + test_fraction must leave data for training (< 1)")

    @property
    def cross_validation(self) -> bool:
        return self.n_folds is not None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the run identity (JSON/TOML friendly)."""
        return dataclasses.asdict(self)


def assign_splits(ds: LoadedDataset, config: SplitConfig | None = None) -> pd.Series:
    """'train' / 'val' / 'test' for every row of ``ds.table`` (same index), without leakage.

    Raises :class:`DatasetError` when the data cannot give every split every class: too few
    groups of a class, an incomplete or partial official split, or cross-validation requested
    on data whose official split must be kept.
    """
    config = config or SplitConfig()
    table = ds.table
    official = table["official_split"].astype(str)
    present = set(official.unique()) - {""}
    if present:
        splits = _complete_official(ds, official, present, config)
    else:
        splits = _random_split(ds, config)
    _require_every_class(ds, splits)
    return pd.Series(splits, index=table.index, name="split")


def split_counts(ds: LoadedDataset, splits: pd.Series) -> pd.DataFrame:
    """Images per class (rows, in ``class_names`` order) and split (train/val/test, total)."""
    classes = pd.Categorical.from_codes(ds.table["target"].to_numpy(), categories=ds.class_names)
    frame = pd.crosstab(pd.Series(classes, index=ds.table.index, name="class"),
                        splits.rename("split"), dropna=False)
    frame = frame.reindex(index=list(ds.class_names), columns=list(SPLITS), fill_value=0)
    frame.columns.name = None
    frame["total"] = frame.sum(axis=1)
    return frame.astype("int64")


# ----------------------------------------------------------------------------------------------
# Official splits
# ----------------------------------------------------------------------------------------------


def _complete_official(
    ds: LoadedDataset, official: pd.Series, present: set[str], config: SplitConfig
) -> np.ndarray:
    where = ds.spec.path or ds.name
    blank = official == ""
    if blank.any():
        example = ds.table.loc[blank, "sample_id"].iloc[0]
        raise DatasetError(
            f"{int(blank.sum())} of {len(official)} images of dataset {ds.name!r} have no "
            f"official split (e.g. {example!r}) while the others have one.",
            where=where,
            fix="give every image a split (train/val/test), or remove the split setting "
            f"({named('split_column')} / {named('folds_csv')}) to let Lesionlab split the "
            "data",
        )
    if config.cross_validation:
        raise DatasetError(
            f"Dataset {ds.name!r} comes with an official {'/'.join(sorted(present))} split; "
            "cross-validation would ignore it and make scores incomparable with published ones.",
            where=where,
            fix="train without cross-validation (n_folds), or declare the dataset without its "
            "official split",
        )
    splits = official.to_numpy(dtype=object).copy()
    if present == set(SPLITS):
        return splits
    targets = ds.table["target"].to_numpy()
    groups = ds.table["group"].to_numpy()
    if present == {"train", "test"}:
        missing = "val"
        fraction = config.val_fraction
    elif present == {"train", "val"}:
        missing = "test"
        fraction = config.test_fraction
    else:
        raise DatasetError(
            f"The official split of dataset {ds.name!r} has only {', '.join(sorted(present))}; "
            "a train part plus val or test is needed.",
            where=where,
            fix="add the missing parts to the split, or remove the split setting to let "
            "Lesionlab split the data",
        )
    train = np.flatnonzero(splits == "train")
    share = fraction * len(splits) / len(train)  # the fraction is of the whole dataset
    _require_groups_per_class(ds, train, 2, f"carving {missing} from the official train part")
    chosen = _carve(targets[train], groups[train], min(share, 0.5), _seed(config.seed, 1))
    splits[train[chosen]] = missing
    return splits


# ----------------------------------------------------------------------------------------------
# Random, grouped, stratified splits
# ----------------------------------------------------------------------------------------------


def _random_split(ds: LoadedDataset, config: SplitConfig) -> np.ndarray:
    targets = ds.table["target"].to_numpy()
    groups = ds.table["group"].to_numpy()
    everything = np.arange(len(targets))
    splits = np.full(len(targets), "train", dtype=object)
    if config.cross_validation:
        n_folds = int(config.n_folds)  # type: ignore[arg-type]
        _require_groups_per_class(ds, everything, max(3, n_folds),
                                  f"{n_folds}-fold cross-validation")
        folds = _fold_of_rows(targets, groups, n_folds, _seed(config.seed, 0))
        is_test = folds == config.fold
    else:
        _require_groups_per_class(ds, everything, 3, "a train/val/test split")
        is_test = _carve(targets, groups, config.test_fraction, _seed(config.seed, 0))
    splits[is_test] = "test"
    rest = np.flatnonzero(~is_test)
    share = config.val_fraction * len(targets) / len(rest)
    is_val = _carve(targets[rest], groups[rest], min(share, 0.5), _seed(config.seed, 1))
    splits[rest[is_val]] = "val"
    return splits


def _carve(targets: np.ndarray, groups: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """A boolean mask of whole groups holding about ``fraction`` of the rows, stratified."""
    n_groups = len(pd.unique(groups))
    k_max = min(MAX_FOLDS, n_groups, _min_groups_per_class(targets, groups))
    k, m = _folds_for_fraction(fraction, max(2, k_max))
    folds = _fold_of_rows(targets, groups, k, seed)
    return _covering_window(folds, targets, k, m)


def _covering_window(folds: np.ndarray, targets: np.ndarray, k: int, m: int) -> np.ndarray:
    """Rows of ``m`` consecutive folds (cyclically) such that both the carved part and the rest
    hold every class; the first window from fold 0 that does, else folds ``0..m-1``.

    With few groups per class the greedy fold assignment can leave a class out of folds
    ``0..m-1`` although another window holds it; trying the ``k`` windows in a fixed order
    keeps the result a pure function of the seed.
    """
    classes = np.unique(targets)
    for start in range(k):
        chosen = np.isin(folds, [(start + i) % k for i in range(m)])
        if (np.isin(classes, targets[chosen]).all()
                and np.isin(classes, targets[~chosen]).all()):
            return chosen
    return folds < m


def _folds_for_fraction(fraction: float, k_max: int) -> tuple[int, int]:
    """``(k, m)`` with ``m/k`` nearest ``fraction`` for ``2 <= k <= k_max``, ``1 <= m < k``.

    Ties (to 0.5 %) go to the smaller ``k``: fewer, larger folds stratify better.
    """
    best: tuple[float, int, int] | None = None
    for k in range(2, k_max + 1):
        m = min(max(round(fraction * k), 1), k - 1)
        key = (round(abs(m / k - fraction) / 0.005), k, m)
        if best is None or key < best:
            best = key
    assert best is not None
    return best[1], best[2]


def _fold_of_rows(targets: np.ndarray, groups: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold number (0..k-1) of every row; all rows of a group share one fold."""
    codes, uniques = pd.factorize(groups)
    folds = np.empty(len(targets), dtype=np.int64)
    with warnings.catch_warnings():
        # "The least populated class has only n members": the callers check the group counts
        # themselves and raise a DatasetError a user can act on.
        warnings.simplefilter("ignore", UserWarning)
        if len(uniques) == len(targets) or len(uniques) > EXACT_GROUP_LIMIT:
            main = _main_class_per_group(targets, codes, len(uniques))
            splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
            group_fold = np.empty(len(uniques), dtype=np.int64)
            for i, (_, test) in enumerate(splitter.split(np.zeros(len(uniques)), main)):
                group_fold[test] = i
            folds[:] = group_fold[codes]
        else:
            splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
            for i, (_, test) in enumerate(splitter.split(np.zeros(len(targets)), targets, codes)):
                folds[test] = i
    return folds


def _main_class_per_group(targets: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Each group's most frequent target; a group's rarer class then rides along with it."""
    frame = pd.DataFrame({"g": codes, "t": targets})
    counts = frame.groupby(["g", "t"]).size().unstack(fill_value=0)
    return counts.idxmax(axis=1).reindex(range(n_groups)).to_numpy()


def _min_groups_per_class(targets: np.ndarray, groups: np.ndarray) -> int:
    return int(pd.DataFrame({"t": targets, "g": groups}).groupby("t")["g"].nunique().min())


def _seed(seed: int, stream: int) -> int:
    """Independent random streams for the test and the val carve from one user seed."""
    return int(np.random.SeedSequence([int(seed), stream]).generate_state(1)[0])


# ----------------------------------------------------------------------------------------------
# Validation with messages a user can act on
# ----------------------------------------------------------------------------------------------


def _require_groups_per_class(ds: LoadedDataset, rows: np.ndarray, needed: int,
                              purpose: str) -> None:
    part = ds.table.iloc[rows]
    per_class = part.groupby("target")["group"].nunique()
    unit = "patient group(s)" if ds.has_groups else "image(s)"
    for target in sorted(ds.table["target"].unique()):
        have = int(per_class.get(target, 0))
        if have < needed:
            name = ds.class_names[int(target)]
            raise DatasetError(
                f"Class {name!r} of dataset {ds.name!r} has only {have} {unit} available for "
                f"{purpose}; at least {needed} are needed so that every split holds the class "
                f"(whole groups move together). The dataset has "
                f"{ds.table['group'].nunique()} group(s) in all.",
                where=ds.spec.path or ds.name,
                fix="add images of more patients for that class, use fewer folds, or provide "
                "an official split",
            )


def _require_every_class(ds: LoadedDataset, splits: np.ndarray) -> None:
    table = ds.table
    for split in SPLITS:
        in_split = splits == split
        present = set(table.loc[in_split, "target"].unique())
        for target in sorted(table["target"].unique()):
            if target not in present:
                name = ds.class_names[int(target)]
                groups = table.loc[table["target"] == target, "group"].nunique()
                raise DatasetError(
                    f"The {split} split of dataset {ds.name!r} would hold no image of class "
                    f"{name!r} ({groups} group(s) of that class in all, "
                    f"{int(in_split.sum())} image(s) in the split).",
                    where=ds.spec.path or ds.name,
                    fix="add images of that class (to the official split if there is one), "
                    "change val_fraction / test_fraction, or try another seed",
                )
