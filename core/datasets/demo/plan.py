"""The demo dataset's plan: patients, slide positions and labels (cheap, no pixels).

See :mod:`core.datasets.demo` for what the demo is and why it exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np

#: Bump whenever the generator's output changes (it is part of the completion marker, so an
#: existing dataset made by an older generator is regenerated).
DEMO_VERSION = 1

DEFAULT_SEED = 0
DEFAULT_N_PATIENTS = 40
DEFAULT_PATCHES_PER_PATIENT = 50

#: Overall share of malignant (class 1) patches: 1 malignant : 3 benign, as in IDC.
MALIGNANT_FRACTION = 0.25
PATCH_SIZE = 50

_SALT = 0x1E510A  # separates our random streams from anyone else's seeds
_PATIENT_ID_RANGE = (8863, 16897)  # the id range of the real IDC dataset


@dataclass(frozen=True)
class DemoPatch:
    """One planned patch: where it lies on its patient's virtual slide and its label."""

    patient_id: str
    x: int
    y: int
    label: int  # 1 = malignant (IDC positive), 0 = benign

    @property
    def relpath(self) -> PurePosixPath:
        name = f"{self.patient_id}_idx5_x{self.x}_y{self.y}_class{self.label}.png"
        return PurePosixPath(self.patient_id, str(self.label), name)


def check_params(seed: int, n_patients: int, patches_per_patient: int) -> None:
    for name, value in (
        ("seed", seed),
        ("n_patients", n_patients),
        ("patches_per_patient", patches_per_patient),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int, got {value!r}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    lo, hi = _PATIENT_ID_RANGE
    if not 1 <= n_patients <= hi - lo:
        raise ValueError(f"n_patients must be in 1..{hi - lo}, got {n_patients}")
    if not 4 <= patches_per_patient <= 2000:
        raise ValueError(f"patches_per_patient must be in 4..2000, got {patches_per_patient}")


def rng_for(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([_SALT, DEMO_VERSION, int(seed), *stream])


def _allocate_malignant(rng: np.random.Generator, n_patients: int, per_patient: int) -> list[int]:
    """Malignant patch count per patient: uneven, some zero, total = 25 % of all patches."""
    total = round(n_patients * per_patient * MALIGNANT_FRACTION)
    cap = max(1, int(per_patient * 0.85))
    negative = rng.random(n_patients) < 0.25
    weights = np.where(negative, 0.0, rng.beta(1.3, 2.0, n_patients) + 0.05)
    if weights.sum() == 0:
        weights[0] = 1.0
    counts = np.zeros(n_patients, dtype=int)
    remaining = min(total, cap * n_patients)
    # Largest-remainder allocation, repeated while some patients hit the cap.
    while remaining > 0:
        open_ = (counts < cap) & (weights > 0)
        if not open_.any():  # every weighted patient is full: open the negative ones too
            weights = np.where(counts < cap, 1.0, 0.0)
            open_ = counts < cap
        share = np.where(open_, weights, 0.0)
        ideal = share / share.sum() * remaining
        add = np.minimum(np.floor(ideal).astype(int), cap - counts)
        left = remaining - add.sum()
        if left > 0:
            order = np.argsort(-(ideal - np.floor(ideal)), kind="stable")
            for i in order:
                if left == 0:
                    break
                if open_[i] and counts[i] + add[i] < cap:
                    add[i] += 1
                    left -= 1
        if add.sum() == 0:  # cannot progress (all remaining capacity is tiny): fill in order
            for i in np.flatnonzero(counts < cap):
                if remaining == 0:
                    break
                counts[i] += 1
                remaining -= 1
            continue
        counts += add
        remaining -= add.sum()
    return counts.tolist()


def plan_demo(
    seed: int = DEFAULT_SEED,
    n_patients: int = DEFAULT_N_PATIENTS,
    patches_per_patient: int = DEFAULT_PATCHES_PER_PATIENT,
) -> list[DemoPatch]:
    """The patches :func:`generate_demo` writes for these parameters, in writing order.

    Cheap (no pixels): use it to know the labels, ratio or file list without generating.
    """
    check_params(seed, n_patients, patches_per_patient)
    master = rng_for(seed, 0)
    lo, hi = _PATIENT_ID_RANGE
    ids = np.sort(master.choice(np.arange(lo, hi), size=n_patients, replace=False))
    n_malignant = _allocate_malignant(master, n_patients, patches_per_patient)

    side = math.ceil(math.sqrt(patches_per_patient * 3.0))
    plan: list[DemoPatch] = []
    for index, (pid, n_mal) in enumerate(zip(ids.tolist(), n_malignant)):
        rng = rng_for(seed, 1, index)
        rows, cols = np.divmod(np.arange(side * side), side)
        origin_x, origin_y = rng.integers(1, 30, size=2)
        centre = rng.uniform(side * 0.25, side * 0.75, size=2)
        dist = np.hypot(cols - centre[0], rows - centre[1]) + rng.uniform(0, 1.5, side * side)
        order = np.argsort(dist, kind="stable")
        malignant = order[:n_mal]
        # Leave a one-cell margin around the tumour for benign patches when there is room.
        rest = order[n_mal + min(n_mal, side * side - patches_per_patient - n_mal) // 2 :]
        benign = rng.choice(rest, size=patches_per_patient - n_mal, replace=False)
        cells = [(int(c), 1) for c in malignant] + [(int(c), 0) for c in benign]
        cells.sort()
        for cell, label in cells:
            row, col = divmod(cell, side)
            plan.append(
                DemoPatch(
                    patient_id=str(pid),
                    x=int((origin_x + col) * PATCH_SIZE),
                    y=int((origin_y + row) * PATCH_SIZE),
                    label=label,
                )
            )
    return plan
