"""Embedded ``demo`` dataset: SYNTHETIC breast-histology-like patches, generated on first use.

THE IMAGES ARE SYNTHETIC. No patient, slide or real tissue is behind any of them; the "patient
ids" are random numbers. They exist so that Lesionlab opens on a fresh machine, without any
download, with a dataset that behaves like the Kaggle "Breast Histopathology Images" (IDC)
dataset: same folder layout and file names, 50x50 RGB PNG patches, patient ids, about one
malignant (IDC-positive, class 1) patch for three benign (class 0) patches, some patients with
no malignant patch at all. Results obtained on it say nothing about real tissue.

How the patches are made (numpy + Pillow only, fully deterministic for a given seed):

* Plan. Each patient gets a numeric id, a virtual slide (a grid of 50 px cells) and a number of
  malignant patches. The malignant counts are spread unevenly over patients (about a quarter of
  the patients have none) and then scaled so that the whole dataset is 1 malignant : 3 benign.
  Malignant patches are the cells nearest a "tumour centre" on the slide, benign patches are
  drawn from the rest, so the ``x``/``y`` offsets in the names are spatially coherent.
* Stain model. A patch is painted as two stain concentration maps, hematoxylin (nuclei) and
  eosin (stroma, cytoplasm), mixed with the Beer-Lambert law using standard H&E optical-density
  vectors (Ruifrok & Johnston 2001): ``rgb = I0 * exp(-(h * H + e * E))``. Every patient gets
  its own perturbed stain vectors and stain strengths (inter-slide stain variation); every patch
  gets brightness jitter, a slight blur and sensor-like noise.
* Tissue. Eosin-pink stroma with smooth and fibrous (anisotropic) texture; white fat vacuoles;
  benign ducts (a lumen ringed by regular nuclei); spindle-shaped fibroblast nuclei aligned with
  the fibres; small dark round lymphocytes.
* Atypia. Each patch has a latent atypia score ``s`` in [0, 1]. Benign patches mostly have a low
  ``s``, malignant ones a high ``s``, but the two distributions OVERLAP on purpose (atypical
  benign patches, e.g. hyperplasia or inflamed tissue, and mild low-grade tumour patches).
  ``s`` drives the nuclear count (density), size, pleomorphism (variable size and shape),
  hyperchromasia (darker nuclei), crowding into clusters and the amount of fat. Benign nuclei
  are few, small, regular and evenly spread; malignant ones dense, large, irregular and dark.
  The overlap keeps a small CNN well above 0.9 test AUC but away from a trivial 1.0
  (see ``benchmarks/check_demo_learnability.py``).

Writing is atomic: everything goes into a temporary sibling directory, the completion marker
``DEMO_COMPLETE.json`` (parameters, :data:`DEMO_VERSION`, checksum) is written last, and the
directory is renamed into place. A later call with the same parameters finds the marker and
does nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image

__all__ = [
    "DEMO_VERSION",
    "DEFAULT_SEED",
    "DEFAULT_N_PATIENTS",
    "DEFAULT_PATCHES_PER_PATIENT",
    "MALIGNANT_FRACTION",
    "MARKER_NAME",
    "PATCH_SIZE",
    "PATCH_NAME_RE",
    "DemoPatch",
    "plan_demo",
    "render_patch",
    "generate_demo",
    "is_demo_complete",
    "read_marker",
    "verify_demo",
]

#: Bump whenever the generator's output changes (it is part of the completion marker, so an
#: existing dataset made by an older generator is regenerated).
DEMO_VERSION = 1

DEFAULT_SEED = 0
DEFAULT_N_PATIENTS = 40
DEFAULT_PATCHES_PER_PATIENT = 50

#: Overall share of malignant (class 1) patches: 1 malignant : 3 benign, as in IDC.
MALIGNANT_FRACTION = 0.25
PATCH_SIZE = 50
MARKER_NAME = "DEMO_COMPLETE.json"
_MARKER_FORMAT = "lesionlab-demo"

#: A patch path relative to the dataset root, exactly as in the IDC dataset.
PATCH_NAME_RE = re.compile(
    r"^(?P<pid>\d+)/(?P<label>[01])/(?P=pid)_idx5_x(?P<x>\d+)_y(?P<y>\d+)_class(?P=label)\.png$"
)

_SALT = 0x1E510A  # separates our random streams from anyone else's seeds
_PATIENT_ID_RANGE = (8863, 16897)  # the id range of the real IDC dataset
_PNG_COMPRESS_LEVEL = 9
_STALE_TMP_SECONDS = 3600.0

# Standard H&E optical-density vectors (RGB), Ruifrok & Johnston 2001.
_H_OD = np.array([0.650, 0.704, 0.286])
_E_OD = np.array([0.072, 0.990, 0.105])


# --------------------------------------------------------------------------------------------
# Plan: patients, positions, labels (cheap, no pixels)
# --------------------------------------------------------------------------------------------


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


def _check_params(seed: int, n_patients: int, patches_per_patient: int) -> None:
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


def _rng(seed: int, *stream: int) -> np.random.Generator:
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
    _check_params(seed, n_patients, patches_per_patient)
    master = _rng(seed, 0)
    lo, hi = _PATIENT_ID_RANGE
    ids = np.sort(master.choice(np.arange(lo, hi), size=n_patients, replace=False))
    n_malignant = _allocate_malignant(master, n_patients, patches_per_patient)

    side = math.ceil(math.sqrt(patches_per_patient * 3.0))
    plan: list[DemoPatch] = []
    for index, (pid, n_mal) in enumerate(zip(ids.tolist(), n_malignant)):
        rng = _rng(seed, 1, index)
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


# --------------------------------------------------------------------------------------------
# Rendering: one 50x50 RGB patch from a stain model
# --------------------------------------------------------------------------------------------

_N = PATCH_SIZE
_YY, _XX = np.mgrid[0:_N, 0:_N].astype(np.float64)
_FY = np.fft.fftfreq(_N)[:, None]
_FX = np.fft.rfftfreq(_N)[None, :]


def _smooth_noise(rng: np.random.Generator, sigma: float, angle: float | None = None,
                  stretch: float = 1.0) -> np.ndarray:
    """Zero-mean, unit-std Gaussian-filtered noise (optionally anisotropic: fibres)."""
    white = rng.standard_normal((_N, _N))
    if angle is None:
        f2 = _FX**2 + _FY**2
        filt = np.exp(-2 * (math.pi * sigma) ** 2 * f2)
    else:
        c, s = math.cos(angle), math.sin(angle)
        along = _FX * c + _FY * s
        across = -_FX * s + _FY * c
        filt = np.exp(-2 * (math.pi * sigma) ** 2 * (stretch**2 * along**2 + across**2))
    out = np.fft.irfft2(np.fft.rfft2(white) * filt, s=(_N, _N))
    return (out - out.mean()) / (out.std() + 1e-9)


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur with periodic edges via FFT (image-wise, channels last allowed)."""
    filt = np.exp(-2 * (math.pi * sigma) ** 2 * (_FX**2 + _FY**2))
    if img.ndim == 3:
        filt = filt[..., None]
        return np.fft.irfft2(np.fft.rfft2(img, axes=(0, 1)) * filt, s=(_N, _N), axes=(0, 1))
    return np.fft.irfft2(np.fft.rfft2(img) * filt, s=(_N, _N))


def _ellipses(cx, cy, a, b, theta, edge=0.7, wobble=None, phase=None,
              box=(0, _N, 0, _N)) -> np.ndarray:
    """Soft masks (k, N, N) in [0, 1] of k rotated ellipses; optional irregular outline.
    ``box`` (y0, y1, x0, x1) restricts the frame to a window of it."""
    cx, cy, a, b, theta = (np.asarray(v, dtype=np.float64)[:, None, None]
                           for v in (cx, cy, a, b, theta))
    y0, y1, x0, x1 = box
    dx = _XX[None, y0:y1, x0:x1] - cx
    dy = _YY[None, y0:y1, x0:x1] - cy
    c, s = np.cos(theta), np.sin(theta)
    u = (dx * c + dy * s) / a
    v = (-dx * s + dy * c) / b
    r = np.sqrt(u * u + v * v)
    if wobble is not None:
        w = np.asarray(wobble, dtype=np.float64)[:, None, None]
        p = np.asarray(phase, dtype=np.float64)[:, None, None]
        ang = np.arctan2(v, u)
        r = r / (1 + w * (0.6 * np.sin(3 * ang + p) + 0.4 * np.sin(5 * ang + 2 * p)))
    size = np.sqrt(a * b)
    return np.clip((1 - r) * size / edge + 0.5, 0.0, 1.0)


def _max_ellipses(weight, cx, cy, a, b, theta, edge, wobble, phase) -> np.ndarray:
    """``max_k weight_k * _ellipses(...)_k``, each ellipse evaluated only in its bounding box.

    Equal, pixel for pixel, to the full-frame version (same formula on the same values; the
    mask is exactly 0 outside the box), and several times faster: a patch has up to ~80 nuclei
    of a few pixels each, and the full frames were two thirds of the generation time.
    """
    out = np.zeros((_N, _N))
    for i in range(len(cx)):
        # mask > 0 needs r < 1 + edge / (2 size); the wobble shrinks r by at most 1 + |w|.
        reach = max(a[i], b[i]) * (1 + abs(wobble[i])) * (1 + 0.5 * edge / math.sqrt(a[i] * b[i]))
        x0, x1 = max(int(cx[i] - reach) - 1, 0), min(int(cx[i] + reach) + 2, _N)
        y0, y1 = max(int(cy[i] - reach) - 1, 0), min(int(cy[i] + reach) + 2, _N)
        if x0 >= x1 or y0 >= y1:
            continue
        mask = _ellipses([cx[i]], [cy[i]], [a[i]], [b[i]], [theta[i]], edge=edge,
                         wobble=[wobble[i]], phase=[phase[i]], box=(y0, y1, x0, x1))[0]
        np.maximum(out[y0:y1, x0:x1], mask * weight[i], out=out[y0:y1, x0:x1])
    return out


@dataclass(frozen=True)
class _PatientStyle:
    h_vec: np.ndarray
    e_vec: np.ndarray
    h_strength: float
    e_strength: float
    background_od: np.ndarray
    fat: float
    inflammation: float
    density: float
    grade: float


def _patient_style(rng: np.random.Generator) -> _PatientStyle:
    def perturb(vec: np.ndarray, amount: float) -> np.ndarray:
        v = np.clip(vec + rng.normal(0, amount, 3), 0.02, None)
        return v / np.linalg.norm(v)

    return _PatientStyle(
        h_vec=perturb(_H_OD, 0.07),
        e_vec=perturb(_E_OD, 0.07),
        h_strength=float(rng.uniform(0.75, 1.25)),
        e_strength=float(rng.uniform(0.7, 1.3)),
        background_od=np.abs(rng.normal(0.03, 0.02, 3)),
        fat=float(rng.uniform(0.3, 1.6)),
        inflammation=float(rng.uniform(0.0, 1.0) ** 2),
        density=float(rng.uniform(0.85, 1.15)),
        grade=float(rng.uniform(0.55, 0.85)),
    )


def _atypia(rng: np.random.Generator, label: int, style: _PatientStyle) -> float:
    """Latent atypia score; the class distributions overlap on purpose."""
    if label == 1:
        if rng.random() < 0.12:  # mild, low-grade tumour patch
            return float(rng.uniform(0.2, 0.5))
        return float(np.clip(rng.normal(style.grade, 0.13), 0.3, 1.0))
    if rng.random() < 0.08:  # atypical benign: hyperplasia, reactive or inflamed tissue
        return float(rng.uniform(0.4, 0.75))
    return float(rng.beta(2.0, 7.0))


def _spread_points(rng: np.random.Generator, n: int, avoid: np.ndarray, candidates: int):
    """Evenly spread points (best-candidate sampling), avoiding pixels where ``avoid`` > 0.5."""
    pts = np.empty((0, 2))
    for _ in range(n):
        cand = rng.uniform(1, _N - 1, size=(candidates, 2))
        ok = avoid[cand[:, 1].astype(int), cand[:, 0].astype(int)] < 0.5
        if ok.any():
            cand = cand[ok]
        if len(pts):
            d = np.min(np.hypot(cand[:, None, 0] - pts[None, :, 0],
                                cand[:, None, 1] - pts[None, :, 1]), axis=1)
            best = cand[np.argmax(d)]
        else:
            best = cand[0]
        pts = np.vstack([pts, best])
    return pts


def _clustered_points(rng: np.random.Generator, n: int, avoid: np.ndarray) -> np.ndarray:
    k = int(rng.integers(1, 4))
    centres = rng.uniform(8, _N - 8, size=(k, 2))
    which = rng.integers(0, k, size=n * 2)
    spread = rng.uniform(6, 12, size=k)
    pts = centres[which] + rng.normal(0, 1, size=(n * 2, 2)) * spread[which, None]
    pts = np.clip(pts, 0, _N - 1)
    ok = avoid[pts[:, 1].astype(int), pts[:, 0].astype(int)] < 0.5
    pts = np.concatenate([pts[ok], pts[~ok]])[:n]
    return pts


def _render(rng: np.random.Generator, label: int, style: _PatientStyle) -> np.ndarray:
    s = _atypia(rng, label, style)
    fibre_angle = float(rng.uniform(0, math.pi))

    # Eosin: stroma with smooth and fibrous texture.
    eosin = (
        0.55
        + 0.10 * _smooth_noise(rng, 5.0)
        + 0.09 * _smooth_noise(rng, 1.2, angle=fibre_angle, stretch=5.0)
    )
    hema = np.zeros((_N, _N)) + 0.04 + 0.03 * s  # faint background counterstain
    empty = np.zeros((_N, _N))  # fat/lumen: where nuclei do not go

    # Fat vacuoles: many in benign, rare in dense tumour.
    n_fat = rng.poisson(style.fat * 2.2 * (1 - s) ** 2)
    if n_fat:
        r = rng.uniform(4, 14, n_fat)
        m = _ellipses(rng.uniform(0, _N, n_fat), rng.uniform(0, _N, n_fat),
                      r * rng.uniform(0.8, 1.2, n_fat), r, rng.uniform(0, math.pi, n_fat),
                      edge=1.2).max(axis=0)
        empty = np.maximum(empty, m)

    # Benign duct: a lumen ringed by regular epithelial nuclei.
    duct_nuclei = np.empty((0, 2))
    if rng.random() < 0.35 * (1 - s) ** 1.5:
        dc = rng.uniform(12, _N - 12, 2)
        dr = rng.uniform(4, 8)
        lumen = _ellipses([dc[0]], [dc[1]], [dr * 1.2], [dr], [fibre_angle], edge=1.0)[0]
        empty = np.maximum(empty, lumen)
        ring = _ellipses([dc[0]], [dc[1]], [dr * 1.2 + 4.5], [dr + 4.5], [fibre_angle],
                         edge=1.5)[0]
        eosin = eosin - 0.25 * (ring - lumen).clip(0, 1)  # paler epithelial cytoplasm
        hema = hema + 0.08 * (ring - lumen).clip(0, 1)
        k = int(2 * math.pi * (dr + 2.5) / 3.2)
        ang = np.linspace(0, 2 * math.pi, k, endpoint=False) + rng.uniform(0, 1)
        duct_nuclei = np.stack([dc[0] + (dr * 1.2 + 2.3) * np.cos(ang),
                                dc[1] + (dr + 2.3) * np.sin(ang)], axis=1)
        duct_nuclei += rng.normal(0, 0.4, duct_nuclei.shape)

    # Epithelial / tumour nuclei.
    mean_count = (6 + 36 * s**1.3) * style.density
    n_nuc = int(min(rng.poisson(mean_count), 60))
    n_clustered = int(round(n_nuc * np.clip(s * 1.2 - 0.1, 0, 1)))
    pts = np.concatenate([
        _clustered_points(rng, n_clustered, empty),
        _spread_points(rng, n_nuc - n_clustered, empty, candidates=6),
    ])
    if n_clustered:  # tumour cells have more (paler, purplish) cytoplasm around them
        cyto = _blur(np.histogram2d(pts[:n_clustered, 1], pts[:n_clustered, 0],
                                    bins=_N, range=[[0, _N], [0, _N]])[0], 3.0)
        cyto = np.clip(cyto * 6, 0, 1)
        eosin = eosin - 0.18 * cyto
        hema = hema + 0.10 * cyto

    parts_x, parts_y, parts_a, parts_b, parts_t, parts_d, parts_w = [], [], [], [], [], [], []

    def add(points, a, b, theta, dark, wobble):
        parts_x.append(points[:, 0])
        parts_y.append(points[:, 1])
        parts_a.append(a)
        parts_b.append(b)
        parts_t.append(theta)
        parts_d.append(dark)
        parts_w.append(wobble)

    n = len(pts)
    if n:
        radius = (1.9 + 1.9 * s) * np.exp(rng.normal(0, 0.06 + 0.30 * s, n))
        aspect = 1 + np.abs(rng.normal(0, 0.12 + 0.35 * s, n))
        dark = (0.85 + 0.75 * s) * np.exp(rng.normal(0, 0.06 + 0.22 * s, n))
        add(pts, radius * np.sqrt(aspect), radius / np.sqrt(aspect), rng.uniform(0, math.pi, n),
            dark, np.full(n, 0.05 + 0.25 * s) * rng.uniform(0.5, 1.5, n))
    if len(duct_nuclei):
        k = len(duct_nuclei)
        add(duct_nuclei, np.full(k, 2.3) * rng.uniform(0.95, 1.05, k), np.full(k, 1.6),
            np.arctan2(duct_nuclei[:, 1] - duct_nuclei[:, 1].mean(),
                       duct_nuclei[:, 0] - duct_nuclei[:, 0].mean()) + math.pi / 2,
            np.full(k, 0.95) * rng.uniform(0.9, 1.1, k), np.full(k, 0.03))
    # Fibroblasts: thin spindles along the fibres, mostly in stroma-rich (benign) tissue.
    n_fib = rng.poisson(5 * (1 - s))
    if n_fib:
        fib = _spread_points(rng, n_fib, empty, candidates=3)
        add(fib, rng.uniform(3.0, 4.5, n_fib), rng.uniform(0.8, 1.1, n_fib),
            fibre_angle + rng.normal(0, 0.2, n_fib), rng.uniform(0.9, 1.2, n_fib),
            np.zeros(n_fib))
    # Lymphocytes: small, round, very dark; some patients are inflamed.
    n_lym = rng.poisson(style.inflammation * 8 * rng.uniform(0, 1.5))
    if n_lym:
        lym = _clustered_points(rng, n_lym, empty)
        r = rng.uniform(1.3, 1.7, n_lym)
        add(lym, r, r, np.zeros(n_lym), rng.uniform(1.3, 1.6, n_lym), np.zeros(n_lym))

    if parts_x:
        nuclei = _max_ellipses(np.concatenate(parts_d), np.concatenate(parts_x),
                               np.concatenate(parts_y), np.concatenate(parts_a),
                               np.concatenate(parts_b), np.concatenate(parts_t), edge=0.8,
                               wobble=np.concatenate(parts_w),
                               phase=rng.uniform(0, 6.3, sum(len(p) for p in parts_x)))
        chromatin = 1 + (0.10 + 0.15 * s) * _smooth_noise(rng, 0.7)
        hema = hema + nuclei * chromatin
        eosin = eosin * (1 - 0.5 * np.clip(nuclei, 0, 1))

    eosin = np.clip(eosin, 0.02, None) * (1 - 0.93 * empty)
    hema = hema * (1 - 0.9 * empty)
    od = (
        (hema * style.h_strength)[..., None] * style.h_vec
        + (eosin * style.e_strength)[..., None] * style.e_vec
        + style.background_od * (1 - 0.7 * empty)[..., None]
    )
    od = _blur(od, 0.55)
    i0 = 248.0 * rng.uniform(0.93, 1.03) * np.exp(rng.normal(0, 0.015, 3))
    rgb = i0 * np.exp(-od) + rng.normal(0, 2.0, (_N, _N, 3))
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def render_patch(seed: int, patient_index: int, patch_index: int, label: int) -> np.ndarray:
    """Render one patch on its own (for previews/tests); not identical to the written files,
    which share one random stream per patient."""
    style = _patient_style(_rng(seed, 2, patient_index))
    return _render(_rng(seed, 4, patient_index, patch_index), label, style)


def _render_patient(seed: int, patient_index: int, patches: list[DemoPatch]):
    style = _patient_style(_rng(seed, 2, patient_index))
    rng = _rng(seed, 3, patient_index)
    for patch in patches:
        yield patch, _render(rng, patch.label, style)


# --------------------------------------------------------------------------------------------
# Writing: atomic, idempotent
# --------------------------------------------------------------------------------------------


def _png_bytes(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    # Fixed options and no metadata: identical pixels give identical bytes.
    Image.fromarray(pixels, mode="RGB").save(buf, format="PNG", compress_level=_PNG_COMPRESS_LEVEL)
    return buf.getvalue()


def _write_png(path: Path, data: bytes) -> None:
    """Write one image file (a seam for tests that simulate an interruption)."""
    path.write_bytes(data)


def _params(seed: int, n_patients: int, patches_per_patient: int) -> dict:
    return {
        "format": _MARKER_FORMAT,
        "version": DEMO_VERSION,
        "seed": int(seed),
        "n_patients": int(n_patients),
        "patches_per_patient": int(patches_per_patient),
    }


def _checksum(entries: list[tuple[str, str]]) -> str:
    h = hashlib.sha256()
    for rel, digest in sorted(entries):
        h.update(f"{rel}\0{digest}\n".encode())
    return h.hexdigest()


def read_marker(root: Path) -> dict | None:
    """The completion marker of ``root`` as a dict, or None if absent/unreadable."""
    try:
        data = json.loads((Path(root) / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == _MARKER_FORMAT else None


def is_demo_complete(
    root: Path,
    seed: int = DEFAULT_SEED,
    n_patients: int = DEFAULT_N_PATIENTS,
    patches_per_patient: int = DEFAULT_PATCHES_PER_PATIENT,
) -> bool:
    """Cheap check: the marker matches these parameters and the version, and the number of
    PNG files is right. :func:`verify_demo` also checks every file's content."""
    root = Path(root)
    marker = read_marker(root)
    if marker is None:
        return False
    want = _params(seed, n_patients, patches_per_patient)
    if any(marker.get(k) != v for k, v in want.items()):
        return False
    n_files = sum(1 for _ in root.glob("*/[01]/*.png"))
    return n_files == marker.get("n_patches") == n_patients * patches_per_patient


def verify_demo(root: Path) -> bool:
    """Full check: recompute the checksum over every file listed in the plan of the marker."""
    root = Path(root)
    marker = read_marker(root)
    if marker is None:
        return False
    try:
        plan = plan_demo(marker["seed"], marker["n_patients"], marker["patches_per_patient"])
        entries = [(str(p.relpath), hashlib.sha256((root / p.relpath).read_bytes()).hexdigest())
                   for p in plan]
    except (KeyError, TypeError, ValueError, OSError):
        return False
    found = {str(p.relative_to(root).as_posix()) for p in root.glob("*/[01]/*.png")}
    return found == {rel for rel, _ in entries} and _checksum(entries) == marker.get("checksum")


def _looks_like_demo(root: Path) -> bool:
    """True if everything in ``root`` is demo layout (so replacing it loses nothing else)."""
    for entry in root.iterdir():
        if entry.name == MARKER_NAME and entry.is_file():
            continue
        if not (entry.is_dir() and entry.name.isdigit()):
            return False
        for sub in entry.iterdir():
            if not (sub.is_dir() and sub.name in ("0", "1")):
                return False
            for f in sub.iterdir():
                rel = f"{entry.name}/{sub.name}/{f.name}"
                if not (f.is_file() and PATCH_NAME_RE.match(rel)):
                    return False
    return True


def _remove_stale_tmp(root: Path) -> None:
    """Remove temporary siblings left by a killed generation (old enough not to be live)."""
    now = time.time()
    for tmp in root.parent.glob(f".{root.name}.demo-tmp-*"):
        try:
            if now - tmp.stat().st_mtime > _STALE_TMP_SECONDS:
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError:
            pass


def generate_demo(
    root: Path,
    seed: int = DEFAULT_SEED,
    n_patients: int = DEFAULT_N_PATIENTS,
    patches_per_patient: int = DEFAULT_PATCHES_PER_PATIENT,
) -> Path:
    """Write the SYNTHETIC demo dataset into ``root`` (IDC layout) and return ``root``.

    Idempotent: if ``root`` already holds a complete dataset for the same parameters and
    :data:`DEMO_VERSION`, nothing is written. Atomic: the dataset is built in a temporary
    sibling directory, completed by ``DEMO_COMPLETE.json`` (written last), then renamed into
    place, so an interrupted run never leaves a complete-looking half dataset. An existing
    ``root`` is replaced only if it is empty or holds nothing but demo-layout files (e.g. a
    demo of other parameters); otherwise :class:`FileExistsError` is raised.
    """
    root = Path(root)
    _check_params(seed, n_patients, patches_per_patient)
    if is_demo_complete(root, seed, n_patients, patches_per_patient):
        return root
    if root.exists() and not root.is_dir():
        raise FileExistsError(f"{root} exists and is not a directory")
    if root.is_dir() and any(root.iterdir()) and not _looks_like_demo(root):
        raise FileExistsError(
            f"{root} is not empty and does not hold a demo dataset; refusing to overwrite it"
        )

    root.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_tmp(root)
    tmp = root.parent / f".{root.name}.demo-tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        plan = plan_demo(seed, n_patients, patches_per_patient)
        by_patient: dict[str, list[DemoPatch]] = {}
        for patch in plan:
            by_patient.setdefault(patch.patient_id, []).append(patch)
        entries: list[tuple[str, str]] = []
        total_bytes = 0
        for index, (pid, patches) in enumerate(by_patient.items()):
            for label in (0, 1):
                (tmp / pid / str(label)).mkdir(parents=True, exist_ok=True)
            for patch, pixels in _render_patient(seed, index, patches):
                data = _png_bytes(pixels)
                _write_png(tmp / patch.relpath, data)
                entries.append((str(patch.relpath), hashlib.sha256(data).hexdigest()))
                total_bytes += len(data)

        n_mal = sum(p.label for p in plan)
        marker = {
            **_params(seed, n_patients, patches_per_patient),
            "synthetic": True,
            "description": "SYNTHETIC H&E-like breast tissue patches made by "
            "core.datasets.demo; not real patient data.",
            "layout": "<patient_id>/<0|1>/<patient_id>_idx5_x<X>_y<Y>_class<0|1>.png",
            "n_patches": len(plan),
            "n_malignant": n_mal,
            "n_benign": len(plan) - n_mal,
            "image_bytes": total_bytes,
            "checksum_algorithm": "sha256 of sorted '<relpath>\\0<sha256 of file>\\n' lines",
            "checksum": _checksum(entries),
        }
        marker_tmp = tmp / (MARKER_NAME + ".tmp")
        marker_tmp.write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n",
                              encoding="utf-8")
        os.replace(marker_tmp, tmp / MARKER_NAME)

        # Move into place. An old demo (other parameters/version) is moved aside first.
        old = None
        if root.is_dir():
            if is_demo_complete(root, seed, n_patients, patches_per_patient):
                return root  # someone else finished first
            if any(root.iterdir()):
                old = root.parent / f".{root.name}.demo-tmp-old-{uuid.uuid4().hex[:8]}"
                os.replace(root, old)
            else:
                root.rmdir()
        try:
            os.replace(tmp, root)
        except OSError:
            if is_demo_complete(root, seed, n_patients, patches_per_patient):
                return root  # a concurrent generation won the race
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return root
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
