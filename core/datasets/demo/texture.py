"""Rendering one 50 x 50 RGB demo patch from a stain model (numpy only).

See :mod:`core.datasets.demo` for the model: stroma, fat, ducts and nuclei painted as
hematoxylin and eosin concentration maps, mixed with the Beer-Lambert law. The random draws
happen in a fixed order per patch, so a seed always gives the same pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.datasets.demo.plan import PATCH_SIZE, DemoPatch, rng_for

# Standard H&E optical-density vectors (RGB), Ruifrok & Johnston 2001.
_H_OD = np.array([0.650, 0.704, 0.286])
_E_OD = np.array([0.072, 0.990, 0.105])
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


@dataclass
class _Layers:
    """A patch being painted: stain concentrations and the empty (fat, lumen) mask."""

    eosin: np.ndarray
    hema: np.ndarray
    empty: np.ndarray


class _Nuclei:
    """Elliptic nuclei collected from every cell type, painted together at the end."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, points, a, b, theta, dark, wobble) -> None:
        self.parts.append((points[:, 0], points[:, 1], a, b, theta, dark, wobble))

    def __len__(self) -> int:
        return sum(len(part[0]) for part in self.parts)

    def joined(self) -> list[np.ndarray]:
        return [np.concatenate(column) for column in zip(*self.parts)]


def _render(rng: np.random.Generator, label: int, style: _PatientStyle) -> np.ndarray:
    """One patch. The random draws happen in a fixed order (the steps below, in turn), so a
    seed always gives the same pixels."""
    s = _atypia(rng, label, style)
    fibre_angle = float(rng.uniform(0, math.pi))
    layers = _stroma(rng, s, fibre_angle)
    _add_fat(rng, s, style, layers)
    duct_nuclei = _add_duct(rng, s, fibre_angle, layers)
    pts, n_clustered = _tumour_points(rng, s, style, layers)
    nuclei = _Nuclei()
    _add_cells(rng, s, style, fibre_angle, pts, duct_nuclei, layers, nuclei)
    if nuclei.parts:
        x, y, a, b, theta, dark, wobble = nuclei.joined()
        painted = _max_ellipses(dark, x, y, a, b, theta, edge=0.8, wobble=wobble,
                                phase=rng.uniform(0, 6.3, len(nuclei)))
        chromatin = 1 + (0.10 + 0.15 * s) * _smooth_noise(rng, 0.7)
        layers.hema = layers.hema + painted * chromatin
        layers.eosin = layers.eosin * (1 - 0.5 * np.clip(painted, 0, 1))
    return _to_rgb(rng, layers, style)


def _stroma(rng: np.random.Generator, s: float, fibre_angle: float) -> _Layers:
    """Eosin stroma with smooth and fibrous texture, a faint hematoxylin counterstain."""
    eosin = (
        0.55
        + 0.10 * _smooth_noise(rng, 5.0)
        + 0.09 * _smooth_noise(rng, 1.2, angle=fibre_angle, stretch=5.0)
    )
    hema = np.zeros((_N, _N)) + 0.04 + 0.03 * s  # faint background counterstain
    empty = np.zeros((_N, _N))  # fat/lumen: where nuclei do not go
    return _Layers(eosin, hema, empty)


def _add_fat(rng: np.random.Generator, s: float, style: _PatientStyle, layers: _Layers) -> None:
    """Fat vacuoles: many in benign, rare in dense tumour."""
    n_fat = rng.poisson(style.fat * 2.2 * (1 - s) ** 2)
    if n_fat:
        r = rng.uniform(4, 14, n_fat)
        m = _ellipses(rng.uniform(0, _N, n_fat), rng.uniform(0, _N, n_fat),
                      r * rng.uniform(0.8, 1.2, n_fat), r, rng.uniform(0, math.pi, n_fat),
                      edge=1.2).max(axis=0)
        layers.empty = np.maximum(layers.empty, m)


def _add_duct(rng: np.random.Generator, s: float, fibre_angle: float,
              layers: _Layers) -> np.ndarray:
    """Sometimes a benign duct: a lumen ringed by regular epithelial nuclei (their centres)."""
    duct_nuclei = np.empty((0, 2))
    if rng.random() < 0.35 * (1 - s) ** 1.5:
        dc = rng.uniform(12, _N - 12, 2)
        dr = rng.uniform(4, 8)
        lumen = _ellipses([dc[0]], [dc[1]], [dr * 1.2], [dr], [fibre_angle], edge=1.0)[0]
        layers.empty = np.maximum(layers.empty, lumen)
        ring = _ellipses([dc[0]], [dc[1]], [dr * 1.2 + 4.5], [dr + 4.5], [fibre_angle],
                         edge=1.5)[0]
        layers.eosin = layers.eosin - 0.25 * (ring - lumen).clip(0, 1)  # paler cytoplasm
        layers.hema = layers.hema + 0.08 * (ring - lumen).clip(0, 1)
        k = int(2 * math.pi * (dr + 2.5) / 3.2)
        ang = np.linspace(0, 2 * math.pi, k, endpoint=False) + rng.uniform(0, 1)
        duct_nuclei = np.stack([dc[0] + (dr * 1.2 + 2.3) * np.cos(ang),
                                dc[1] + (dr + 2.3) * np.sin(ang)], axis=1)
        duct_nuclei += rng.normal(0, 0.4, duct_nuclei.shape)
    return duct_nuclei


def _tumour_points(rng: np.random.Generator, s: float, style: _PatientStyle,
                   layers: _Layers) -> tuple[np.ndarray, int]:
    """Epithelial / tumour nucleus centres (clustered ones first) and how many are clustered;
    tumour cells get more (paler, purplish) cytoplasm around them."""
    mean_count = (6 + 36 * s**1.3) * style.density
    n_nuc = int(min(rng.poisson(mean_count), 60))
    n_clustered = int(round(n_nuc * np.clip(s * 1.2 - 0.1, 0, 1)))
    pts = np.concatenate([
        _clustered_points(rng, n_clustered, layers.empty),
        _spread_points(rng, n_nuc - n_clustered, layers.empty, candidates=6),
    ])
    if n_clustered:
        cyto = _blur(np.histogram2d(pts[:n_clustered, 1], pts[:n_clustered, 0],
                                    bins=_N, range=[[0, _N], [0, _N]])[0], 3.0)
        cyto = np.clip(cyto * 6, 0, 1)
        layers.eosin = layers.eosin - 0.18 * cyto
        layers.hema = layers.hema + 0.10 * cyto
    return pts, n_clustered


def _add_cells(rng: np.random.Generator, s: float, style: _PatientStyle, fibre_angle: float,
               pts: np.ndarray, duct_nuclei: np.ndarray, layers: _Layers,
               nuclei: _Nuclei) -> None:
    """Shapes of the tumour and duct nuclei, fibroblasts along the fibres (mostly in benign
    stroma) and lymphocytes (small, round, very dark; some patients are inflamed)."""
    n = len(pts)
    if n:
        radius = (1.9 + 1.9 * s) * np.exp(rng.normal(0, 0.06 + 0.30 * s, n))
        aspect = 1 + np.abs(rng.normal(0, 0.12 + 0.35 * s, n))
        dark = (0.85 + 0.75 * s) * np.exp(rng.normal(0, 0.06 + 0.22 * s, n))
        nuclei.add(pts, radius * np.sqrt(aspect), radius / np.sqrt(aspect),
                   rng.uniform(0, math.pi, n), dark,
                   np.full(n, 0.05 + 0.25 * s) * rng.uniform(0.5, 1.5, n))
    if len(duct_nuclei):
        k = len(duct_nuclei)
        nuclei.add(duct_nuclei, np.full(k, 2.3) * rng.uniform(0.95, 1.05, k), np.full(k, 1.6),
                   np.arctan2(duct_nuclei[:, 1] - duct_nuclei[:, 1].mean(),
                              duct_nuclei[:, 0] - duct_nuclei[:, 0].mean()) + math.pi / 2,
                   np.full(k, 0.95) * rng.uniform(0.9, 1.1, k), np.full(k, 0.03))
    n_fib = rng.poisson(5 * (1 - s))
    if n_fib:
        fib = _spread_points(rng, n_fib, layers.empty, candidates=3)
        nuclei.add(fib, rng.uniform(3.0, 4.5, n_fib), rng.uniform(0.8, 1.1, n_fib),
                   fibre_angle + rng.normal(0, 0.2, n_fib), rng.uniform(0.9, 1.2, n_fib),
                   np.zeros(n_fib))
    n_lym = rng.poisson(style.inflammation * 8 * rng.uniform(0, 1.5))
    if n_lym:
        lym = _clustered_points(rng, n_lym, layers.empty)
        r = rng.uniform(1.3, 1.7, n_lym)
        nuclei.add(lym, r, r, np.zeros(n_lym), rng.uniform(1.3, 1.6, n_lym), np.zeros(n_lym))


def _to_rgb(rng: np.random.Generator, layers: _Layers, style: _PatientStyle) -> np.ndarray:
    """Beer-Lambert mixing of the stains, slight blur, brightness jitter and sensor noise."""
    empty = layers.empty
    eosin = np.clip(layers.eosin, 0.02, None) * (1 - 0.93 * empty)
    hema = layers.hema * (1 - 0.9 * empty)
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
    style = _patient_style(rng_for(seed, 2, patient_index))
    return _render(rng_for(seed, 4, patient_index, patch_index), label, style)


def render_patient(seed: int, patient_index: int, patches: list[DemoPatch]):
    style = _patient_style(rng_for(seed, 2, patient_index))
    rng = rng_for(seed, 3, patient_index)
    for patch in patches:
        yield patch, _render(rng, patch.label, style)
