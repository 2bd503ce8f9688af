"""Recipe overrides typed as text: ``--set input_size=96`` on the command line, one
``input_size = 96`` line per override in the Train page's Advanced box.

One parser for both, so a value means the same wherever it is typed. Each value is converted by
the recipe field's own annotation (:func:`models.recipes.field_kinds`): a whole number, a finite
number (``1e-3``), text (quotes optional), ``none`` for an optional field, true/false, a
comma-separated list. Whether the value is *allowed* (an optimizer name, a rate above zero, a
loss that fits the model's head) is left to the Recipe's and the registry entry's own checks,
which run when the overrides are applied (:meth:`models.ModelEntry.recipe`); this module only
says what cannot even be read. Problems are returned, not raised, so that the grid check
(core.training.validate) lists them with every other problem of the request in one message.

``notes`` cannot be set: it documents where the recipe's values come from, and changing it would
only make a new run id for the same training.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import fields
from typing import Any, Iterable, Mapping

from models.recipes import Recipe, field_kinds

#: Fields a user may override: every recipe field but its documentation.
SETTABLE = tuple(f.name for f in fields(Recipe) if f.name != "notes")
EXAMPLE = "input_size=96"
NOTES_PROBLEM = ("recipe field notes is the recipe's documentation, not a setting; it cannot be "
                 "overridden")
_NONE = ("none", "null", "")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def parse_overrides(items: Iterable[str]) -> tuple[dict[str, Any], list[str]]:
    """``KEY=VALUE`` texts -> (overrides, problems). Blank items and ``#`` comments are skipped;
    a key given twice with two values is a problem (which one was meant?)."""
    overrides: dict[str, Any] = {}
    problems: list[str] = []
    unknown: list[str] = []
    for item in items:
        text = str(item).strip()
        if not text or text.startswith("#"):
            continue
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(f"recipe override {_shown(text)} must be FIELD=VALUE, e.g. {EXAMPLE}")
            continue
        if key == "notes":
            problems.append(NOTES_PROBLEM)
            continue
        if key not in SETTABLE:
            unknown.append(key)
            continue
        try:
            value = parse_value(key, raw)
        except ValueError as exc:
            problems.append(f"recipe override {_shown(text)}: {exc}")
            continue
        if key in overrides and overrides[key] != value:
            problems.append(f"recipe field {key} is set twice ({overrides[key]!r} and "
                            f"{value!r}); give it once")
        overrides[key] = value
    if unknown:
        problems.append(unknown_fields_problem(unknown))
    return overrides, problems


def check_keys(overrides: Mapping[str, Any]) -> list[str]:
    """The problem with the keys of an overrides mapping given as values (the Python API)."""
    unknown = [key for key in overrides if key not in SETTABLE and key != "notes"]
    return ([NOTES_PROBLEM] if "notes" in overrides else []) + (
        [unknown_fields_problem(unknown)] if unknown else [])


def unknown_fields_problem(keys: list[str]) -> str:
    hints = []
    for key in keys:
        close = difflib.get_close_matches(str(key), SETTABLE, n=1)
        hints.append(f"{_shown(key)}" + (f" (did you mean {close[0]}?)" if close else ""))
    return (f"unknown recipe field(s) {', '.join(hints)}; the fields that can be set are: "
            f"{', '.join(SETTABLE)}")


def parse_value(key: str, raw: str) -> Any:
    """``raw`` as the type of recipe field ``key``; ValueError says what was expected."""
    text = raw.strip()
    kinds = field_kinds(key)
    if type(None) in kinds and text.lower() in _NONE:
        return None
    (kind,) = [k for k in kinds if k is not type(None)]
    if kind is str:
        return _unquoted(text)
    if kind is tuple:
        return tuple(_unquoted(p.strip()) for p in text.split(",") if p.strip())
    if kind is bool:
        if text.lower() in _TRUE + _FALSE:
            return text.lower() in _TRUE
        raise ValueError(f"{key} must be true or false, got {_shown(text)}")
    none = " or none" if type(None) in kinds else ""
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{key} must be a whole number{none}, got {_shown(text)}") from None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{key} must be a finite number (e.g. 1e-3){none}, got {_shown(text)}")
    return value


def format_value(value: Any) -> str:
    """A recipe value as it would be typed back (``none``, ``0.001``, ``adam``). Text that
    could not be typed back as it is (control characters, very long) is quoted: these strings
    reach terminals and pages, and an escape sequence must never act there."""
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return ",".join(map(format_value, value))
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value)
    return text if text.isprintable() and len(text) <= 60 else _shown(text)


def overrides_text(overrides: Mapping[str, Any]) -> str:
    """``input_size=96, optimizer=adam``: how a grid's overrides are named in labels."""
    return ", ".join(f"{k}={format_value(v)}" for k, v in overrides.items())


def _unquoted(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _shown(value: object) -> str:
    """repr (control characters escaped), at most 60 characters: typed text is quoted safely."""
    text = repr(str(value))
    return text if len(text) <= 60 else text[:57] + "..."
