"""Content addresses for training runs.

A run is stored under the hash of *everything that decides what training produces* (its
identity), so asking for the same experiment twice finds the cached result instead of training
again, and changing anything that matters (a recipe value, the data, the engine code) gives a new
address instead of silently reusing a stale result.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from core.store.errors import StoreError

__all__ = [
    "CODE_VERSION",
    "ENGINE_REVISION",
    "IDENTITY_FIELDS",
    "RUN_ID_LENGTH",
    "canonical_identity",
    "canonical_json",
    "check_run_id",
    "is_run_id",
    "run_id",
]

ENGINE_REVISION = 2
"""Bump this whenever a code change alters what training produces for the same identity.

Examples that need a bump: a different preprocessing or augmentation, a changed default in a
recipe, a new loss or optimizer setting, a fix in the split logic, a change in how predictions
or metrics are computed before they are stored. Examples that do not: dashboard changes, new
plots, refactors that produce bit-identical results, new datasets or architectures (those are
already part of the identity). A bump makes every cached run a cache miss, so the next
comparison retrains instead of mixing results from two versions of the engine.

History: 2 — unreadable files are left out and identical images across labels or splits are
refused by default (``core.datasets.usable``); a run of revision 1 on such data trained on them
silently and must not be served for the same identity.
"""

IDENTITY_FIELDS = (
    "dataset",
    "dataset_fingerprint",
    "split",
    "model",
    "recipe",
    "weights",
    "strategy",
    "profile",
    "seed",
    "fold",
    "code_version",
)
"""The fields the training engine puts into an identity (documentation; not enforced here)."""

RUN_ID_LENGTH = 20
_RUN_ID_RE = re.compile(rf"^[0-9a-f]{{{RUN_ID_LENGTH}}}$")


def _package_version() -> str:
    """The project version, preferring the source checkout's pyproject over installed metadata.

    A source checkout is what developers and the CI run, and its pyproject is the truth there;
    an installed wheel has no pyproject beside it, so metadata is the fallback.
    """
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        with pyproject.open("rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return metadata.version("lesionlab")
    except metadata.PackageNotFoundError:
        return "0+unknown"


CODE_VERSION = f"{_package_version()}+engine{ENGINE_REVISION}"


def _normalise(value: Any, where: str) -> Any:
    """Turn ``value`` into plain JSON types whose serialisation is the same on every machine.

    Rules: dict keys must be strings; tuples become lists; numpy scalars become Python ones;
    floats that are whole numbers become ints (``10`` and ``10.0`` train the same model, and a
    recipe read from a form or TOML may hold either) and ``-0.0`` becomes ``0``; other floats
    keep Python's shortest round-trip ``repr``. NaN and infinities are rejected: they are not
    JSON and ``NaN != NaN`` would make the cache key meaningless.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, np.generic):
        return _normalise(value.item(), where)  # numpy scalar -> Python scalar
    if isinstance(value, bool):
        return value
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise StoreError(
                    f"Run identity key {key!r} at {where or 'top level'} is not a string.",
                    fix="use string keys only in the identity dict",
                )
            out[key] = _normalise(item, f"{where}.{key}" if where else key)
        return out
    if isinstance(value, (list, tuple)):
        return [_normalise(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise StoreError(
                f"Run identity value {where} is {value!r}; NaN/infinity cannot be a cache key.",
                fix="replace it with a finite number or None",
            )
        return int(value) if value.is_integer() else value
    raise StoreError(
        f"Run identity value {where} has type {type(value).__name__}, which has no stable "
        "JSON form.",
        fix="use only str, int, float, bool, None, lists and dicts in the identity",
    )


def canonical_identity(identity: Mapping[str, Any]) -> dict[str, Any]:
    """The identity in the normalised form that is hashed and stored as ``identity.json``."""
    if not isinstance(identity, Mapping) or not identity:
        raise StoreError(
            f"A run identity must be a non-empty dict, got {type(identity).__name__}.",
            fix=f"pass the training engine's identity dict ({', '.join(IDENTITY_FIELDS)})",
        )
    return _normalise(identity, "")


def canonical_json(identity: Mapping[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8 text: the exact bytes the content address is taken of."""
    return json.dumps(
        canonical_identity(identity),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def run_id(identity: Mapping[str, Any]) -> str:
    """Content address of a run: the first 20 hex digits of sha256(canonical JSON).

    80 bits keep collisions out of reach for any realistic number of runs while staying short
    enough to show in a table and type into a folder name.
    """
    digest = hashlib.sha256(canonical_json(identity).encode("utf-8")).hexdigest()
    return digest[:RUN_ID_LENGTH]


def is_run_id(value: object) -> bool:
    """True for a string shaped like a run id (20 lowercase hex digits)."""
    return isinstance(value, str) and bool(_RUN_ID_RE.match(value))


def check_run_id(value: object) -> str:
    """Return ``value`` or raise: ids become folder names, so nothing else may reach a path."""
    if not is_run_id(value):
        raise StoreError(
            f"{value!r} is not a run id (expected {RUN_ID_LENGTH} lowercase hex digits).",
            fix="use an id returned by run_id() or listed by ResultsStore.list_runs()",
        )
    return value  # type: ignore[return-value]
