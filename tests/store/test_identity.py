"""Content addresses: equal identities share an id, any change moves it, key order never does."""

from __future__ import annotations

import re
import tomllib

import numpy as np
import pytest

from core.store import CODE_VERSION, IDENTITY_FIELDS, StoreError, canonical_json, run_id
from tests.store.factories import REPO, identity


def test_same_identity_same_id_and_shape() -> None:
    rid = run_id(identity())
    assert rid == run_id(identity())
    assert re.fullmatch(r"[0-9a-f]{20}", rid)


def test_key_order_is_irrelevant_at_every_level() -> None:
    ident = identity()
    reordered = {k: ident[k] for k in reversed(list(ident))}
    reordered["recipe"] = {k: ident["recipe"][k] for k in reversed(list(ident["recipe"]))}
    assert list(reordered) != list(ident)
    assert run_id(reordered) == run_id(ident)


@pytest.mark.parametrize("field", IDENTITY_FIELDS)
def test_changing_any_field_changes_the_id(field: str) -> None:
    base = identity()
    value = base[field]
    if isinstance(value, dict):
        changed = {**value, "extra": 1}
    elif isinstance(value, int):
        changed = value + 1
    else:
        changed = f"{value}-other"
    assert run_id(identity(**{field: changed})) != run_id(base)


def test_nested_value_change_changes_the_id() -> None:
    base = identity()
    recipe = {**base["recipe"], "lr": 0.0011}
    assert run_id(identity(recipe=recipe)) != run_id(base)
    recipe = {**base["recipe"], "augment": ["rot90", "flip"]}  # list order matters
    assert run_id(identity(recipe=recipe)) != run_id(base)


def test_numbers_are_normalised_stably() -> None:
    base = identity()
    assert run_id(identity(seed=np.int64(1))) == run_id(base)
    assert run_id(identity(recipe={**base["recipe"], "epochs": 3.0})) == run_id(base)
    assert run_id(identity(recipe={**base["recipe"], "lr": np.float64(0.001)})) == run_id(base)
    assert run_id(identity(seed=True)) != run_id(identity(seed=1))
    assert '"lr":0.001' in canonical_json(base) and " " not in canonical_json({"a": [1, 2]})


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), object(), {1: "x"}])
def test_unhashable_values_are_refused(bad: object) -> None:
    with pytest.raises(StoreError, match="identity"):
        run_id(identity(recipe={"lr": bad}))


def test_code_version_is_package_version_plus_engine_revision() -> None:
    with open(REPO / "pyproject.toml", "rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    assert re.fullmatch(rf"{re.escape(version)}\+engine\d+", CODE_VERSION)
