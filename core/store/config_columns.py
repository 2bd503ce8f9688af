"""The index columns that tell configurations apart beyond dataset, model, strategy and
profile: recipe overrides, weights, the split's seed and folds, the budget and the rules of the
planner that spent it, the augmentation trained with, and the source.

Why they are in the index: the Compare page groups runs identical except for the seed into one
configuration (:func:`core.training.runsets.seed_groups`) from the run index alone, without
opening every record. Without these columns, two runs that differ only in recipe overrides (or
in the split's seed, or in ImageNet vs random weights) were taken for seeds of one
configuration, and an imported run was told from a trained one only by its strategy.

Each value is derived from what every stored run already has (its identity and record), so an
index of an older schema is simply rebuilt from the run folders (``SCHEMA_VERSION`` in
:mod:`core.store.index`); no run folder changes. A value a record cannot give (an imported run
has no recipe overrides, a file's own split has no seed) is ``None``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["CONFIG_INDEX_COLUMNS", "TRAINED", "config_fields"]

#: The columns, in index order.
CONFIG_INDEX_COLUMNS = ("overrides", "weights", "split_seed", "n_folds", "budget_s", "planner",
                        "augmentation", "source")
#: The source of a run trained here (an imported run's identity names its own, "imported").
TRAINED = "trained"


def _section(mapping: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = mapping.get(key)
    return value if isinstance(value, Mapping) else {}


def _whole(value: Any) -> int | None:
    """An integer setting as stored, or None (a bool or a damaged value is not one)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def config_fields(identity: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration columns of one run (SQLite scalars): ``overrides`` as canonical JSON
    text (``"{}"`` for a trained run without any), None where the run cannot say."""
    spec = _section(record, "spec")
    split = _section(identity, "split")
    overrides = spec.get("overrides")
    weights = identity.get("weights")
    budget = _section(identity, "budget")
    seconds = budget.get("seconds")
    source = identity.get("source")
    augmentation = _section(identity, "recipe").get("augmentation")
    return {
        "overrides": json.dumps(overrides, sort_keys=True, default=str)
        if isinstance(overrides, Mapping) else None,
        "weights": weights if isinstance(weights, str) else None,
        "split_seed": _whole(split.get("seed")),
        "n_folds": _whole(split.get("n_folds")),
        "budget_s": float(seconds) if isinstance(seconds, (int, float))
        and not isinstance(seconds, bool) else None,
        # planners choose differently (planner 4 trains up to 4x longer than 3): seeds of one
        # budget configuration come from one planner
        "planner": _whole(budget.get("planner")),
        # the trained recipe's augmentation: a budget run on a dataset that declares its
        # modality augments for it (core.training.resolve), so seeds trained before and after
        # the declaration are two configurations; a user's choice is in ``overrides`` too
        "augmentation": augmentation if isinstance(augmentation, str) else None,
        "source": source if isinstance(source, str) else (TRAINED if identity else None),
    }
