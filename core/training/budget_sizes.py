"""Which input sizes a budget run considers, and their rates from the sizes measured.

Split from :mod:`core.training.budget` (the planner's rules): the planner chooses among the
sizes this module offers, at the rates it interpolates; both are pure (no TensorFlow).
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

from core.training.budget import Rates

__all__ = ["CANDIDATE_SIZES", "MAX_SIZE", "candidate_sizes", "interpolate"]

#: Input sizes the planner considers (px); each model keeps those between its minimum and
#: ``MAX_SIZE``. 224 px is where the ImageNet backbones were designed to work.
CANDIDATE_SIZES = (64, 96, 128, 160, 192, 224)
MAX_SIZE = 224


def candidate_sizes(min_size: int, native_side: float | None = None,
                    fixed: int | None = None) -> tuple[int, ...]:
    """The sizes to consider for a model whose smallest useful input is ``min_size`` px
    (:attr:`models.ModelEntry.useful_min_size`: its minimum, and at least a 2x2 last map).

    One size when the user fixed ``input_size`` with an override (the planner never overrules
    a user). When the images (their median shorter side, ``native_side``) are smaller than the
    largest candidate, their own size is the largest (or the model's useful minimum, if that is
    larger): upsampling adds no detail, only cost, where the network keeps a spatial map.
    Planners 1-4 took the first candidate at or above the images' size instead, so 28 px
    images trained at 64 px: five times the pixels per image, so a fifth of the epochs a
    budget buys, for the same information.
    """
    if fixed is not None:
        return (int(fixed),)
    sizes = [s for s in CANDIDATE_SIZES if s >= min_size]
    if native_side is not None:
        own = max(int(min_size), round(native_side))
        if own < max(sizes, default=0):
            sizes = [s for s in sizes if s < own] + [own]
    return tuple(sizes) if sizes else (int(min_size),)


def interpolate(measured: Mapping[int, Rates], sizes: Sequence[int]) -> dict[int, Rates]:
    """Rates at ``sizes`` from rates measured at two or more of them, by a power law in the
    input side (a convolution's cost grows with the pixel count, so rate ~ a * size**-b with b
    near 2; fitted on the measured sizes, not assumed). Measured sizes keep their own rates."""
    known = sorted(measured)
    if len(known) == 1:
        only = measured[known[0]]
        return {s: (only if s == known[0] else _scaled(only, (known[0] / s) ** 2)) for s in sizes}
    lo, hi = known[0], known[-1]
    out: dict[int, Rates] = {}
    for s in sizes:
        if s in measured:
            out[s] = measured[s]
            continue
        out[s] = Rates(train=_power_law(s, lo, hi, measured[lo].train, measured[hi].train),
                       predict=_power_law(s, lo, hi, measured[lo].predict, measured[hi].predict),
                       source="interpolated")
    return out


def _scaled(rates: Rates, factor: float) -> Rates:
    return Rates(train=rates.train * factor, predict=rates.predict * factor,
                 source="interpolated")


def _power_law(s: int, lo: int, hi: int, r_lo: float, r_hi: float) -> float:
    slope = math.log(r_hi / r_lo) / math.log(hi / lo)
    return r_lo * (s / lo) ** slope
