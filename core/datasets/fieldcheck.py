"""Type and range checks for a dataset declaration, driven by the dataclass's own field types.

A declaration comes from hand-written TOML or from a form, so any value can have any type:
``path = 5``, ``name = 3``, ``fold = 1e400`` (TOML's infinity), a nested table where text was
meant. Checked one field at a time by hand, each new field would need its own if-chain and the
ones forgotten would surface later as a raw ``TypeError`` or ``OverflowError``. Instead every
field is checked against its annotation (``str``, ``int``, ``bool``, ``float``, ``X | None``,
``tuple[str, ...]``, ``dict[str, str]``), plus two optional entries of the field's
``metadata``: ``range`` (inclusive bounds of a number) and ``choices`` (allowed values). The
first wrong field raises one :class:`DatasetError` naming the dataset, the field, what was
expected and (safely shortened) what was found.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
import unicodedata
from typing import Any

from core.datasets.errors import DatasetError
from core.datasets.quoting import shown

#: Longest text accepted in any setting: longer than any real path, short enough to show.
MAX_TEXT = 4096
#: Unicode categories refused in settings: control characters (NUL would reach the OS as an
#: "embedded null byte" error, ESC would recolour a terminal) and lone surrogates (which
#: cannot be encoded to a file name at all).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs"})

_EXPECTED = {str: "text (a quoted string)", int: "a whole number", bool: "true or false",
             float: "a finite number"}
_PLURAL = {str: "quoted texts", int: "whole numbers", bool: "true or false values",
           float: "finite numbers"}
_EXAMPLE = {str: '"..."', int: "1", bool: "true", float: "0.5"}


def check_fields(obj: Any, owner: str) -> None:
    """Raise :class:`DatasetError` for the first field of dataclass ``obj`` whose value does
    not fit its annotation, range or choices. ``owner`` names the declaration in the message."""
    hints = _hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        problem = _problem(hints[f.name], value, f.metadata)
        if problem:
            raise DatasetError(f"Dataset {owner}: setting {f.name} must be {problem}.",
                               fix=f"write it as {f.name} = {_example(hints[f.name], f)}")


def owner_label(name: object) -> str:
    """How a declaration is named in messages, even when its name is itself the error."""
    if isinstance(name, str) and name.strip() and not _bad_text(name):
        return shown(name)
    return "(without a valid name)"


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _problem(hint: Any, value: Any, meta: typing.Mapping[str, Any]) -> str:
    """What is wrong with ``value`` for this annotation, or '' when it fits."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return ""
        (inner,) = [a for a in args if a is not type(None)]
        return _problem(inner, value, meta)
    if origin is tuple:
        if not isinstance(value, tuple):
            return f"a list of {_PLURAL[args[0]]}, not {shown(value)}"
        bad = [v for v in value if _problem(args[0], v, {})]
        return f"a list of {_PLURAL[args[0]]}; {shown(bad[0])} is not" if bad else ""
    if origin is dict:
        if not isinstance(value, dict):
            return f"a table of raw label = class name, not {shown(value)}"
        for k, v in value.items():
            if _problem(args[0], k, {}) or _problem(args[1], v, {}):
                return f"a table of text = text; the entry {shown(k)} = {shown(v)} is not"
        return ""
    return _scalar_problem(hint, value, meta)


def _scalar_problem(hint: type, value: Any, meta: typing.Mapping[str, Any]) -> str:
    expected = _EXPECTED[hint]
    if hint is str:
        if not isinstance(value, str):
            return f"{expected}, not {shown(value)}"
        bad = _bad_text(value)
        if bad:
            return f"{expected} {bad}"
    elif hint is bool:
        if not isinstance(value, bool):
            return f"{expected}, not {shown(value)}"
    elif isinstance(value, bool) or not isinstance(value, (int, float) if hint is float else int):
        return f"{expected}, not {shown(value)}"
    elif hint is float and not math.isfinite(value):
        return f"{expected}, not {shown(value)}"
    if "range" in meta:
        low, high = meta["range"]
        if not low <= value <= high:
            return f"{expected} from {low} to {high}, not {shown(value)}"
    if "choices" in meta and value not in meta["choices"]:
        return f"one of {', '.join(map(str, meta['choices']))}, not {shown(value)}"
    return ""


def _bad_text(value: str) -> str:
    """Why a text cannot be a setting ('' when it can)."""
    if len(value) > MAX_TEXT:
        return f"of at most {MAX_TEXT} characters, not {len(value)}"
    bad = next((c for c in value if unicodedata.category(c) in _REFUSED_CATEGORIES), None)
    if bad is not None:
        return f"without control characters (found U+{ord(bad):04X})"
    return ""


def _example(hint: Any, f: dataclasses.Field) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _example(next(a for a in args if a is not type(None)), f)
    if origin is tuple:
        return '["first", "second"]'
    if origin is dict:
        return '{ "raw label" = "class name" }'
    if "choices" in f.metadata:
        return _EXAMPLE[hint] if hint is not str else f'"{f.metadata["choices"][0]}"'
    if "range" in f.metadata:
        return str(f.metadata["range"][0])
    return _EXAMPLE[hint]


def normalize_lists(obj: Any) -> None:
    """Lists in ``tuple[...]`` fields become tuples (TOML and forms give lists; a frozen
    declaration must stay hashable and compare equal to the one it was saved from)."""
    hints = _hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if typing.get_origin(hints[f.name]) is tuple and isinstance(value, list):
            object.__setattr__(obj, f.name, tuple(value))


def lone_names(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with a lone text in a list field made a one-name list: iterating
    ``metadata_columns = "age"`` would otherwise split it into columns a, g, e."""
    hints = _hints(cls)
    return {k: [v] if isinstance(v, str) and typing.get_origin(hints.get(k)) is tuple else v
            for k, v in data.items()}
