"""Text formatting shared by legends, hover labels, tables and reports.

Why one module: a clinician compares numbers across figures and tables, so an
AUC must read "0.912 (0.880–0.940)" everywhere, an undefined value must read
"n/a" everywhere (never a misleading 0), and a p-value below the shown
precision must read "<0.001" rather than a false "0.000".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

__all__ = [
    "NOT_AVAILABLE",
    "Estimate",
    "as_estimate",
    "format_number",
    "format_ci",
    "format_estimate",
    "format_p",
]

#: Shown wherever a value is undefined (NaN): "cannot be measured here", not "bad".
NOT_AVAILABLE = "n/a"
EN_DASH = "\u2013"


@dataclass(frozen=True)
class Estimate:
    """A point estimate with an optional confidence interval ``(low, high)``.

    The builders accept plain floats and ``(value, (low, high))`` tuples too
    (see :func:`as_estimate`), so callers never need to import this class.
    """

    value: float
    ci: tuple[float, float] | None = None


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, Real) and math.isnan(float(value)))


def as_estimate(item: Any) -> Estimate:
    """Coerce ``Estimate`` / number / ``(value, ci)`` / ``None`` into an :class:`Estimate`.

    Why permissive: the numbers come from several modules (bootstrap, DeLong,
    cross-validation) that the display layer must not depend on.
    """
    if isinstance(item, Estimate):
        return item
    if item is None:
        return Estimate(math.nan)
    if isinstance(item, Real):
        return Estimate(float(item))
    if isinstance(item, (tuple, list)) and len(item) == 2:
        value, ci = item
        if ci is not None:
            low, high = ci
            ci = (float(low), float(high))
        return Estimate(math.nan if value is None else float(value), ci)
    raise TypeError(f"cannot read {item!r} as an estimate: give a number or (value, (low, high))")


def format_number(value: float | None, digits: int = 3) -> str:
    """Fixed decimals; integers stay integers; NaN/None become ``"n/a"``."""
    if _is_missing(value):
        return NOT_AVAILABLE
    if isinstance(value, Integral):
        return str(int(value))
    return f"{float(value):.{digits}f}"


def format_ci(ci: tuple[float, float] | None, digits: int = 3) -> str:
    """``"(0.880–0.940)"``; empty when there is no interval."""
    if ci is None:
        return ""
    low, high = ci
    if _is_missing(low) or _is_missing(high):
        return f"(CI {NOT_AVAILABLE})"
    return f"({format_number(float(low), digits)}{EN_DASH}{format_number(float(high), digits)})"


def format_estimate(value: Any, ci: tuple[float, float] | None = None, digits: int = 3) -> str:
    """``"0.912 (0.880–0.940)"``; ``value`` may also be anything :func:`as_estimate` reads."""
    if ci is None and not isinstance(value, Real):
        est = as_estimate(value)
        value, ci = est.value, est.ci
    text = format_number(value, digits)
    if text == NOT_AVAILABLE or ci is None:
        return text
    return f"{text} {format_ci(ci, digits)}"


def format_p(p: float | None, digits: int = 3) -> str:
    """p-value text that never shows a false zero: ``"<0.001"`` below the precision."""
    if _is_missing(p):
        return NOT_AVAILABLE
    floor = 10.0 ** (-digits)
    if float(p) < floor:
        return f"<{floor:.{digits}f}"
    return f"{float(p):.{digits}f}"
