"""Make 50,000-sample curves light enough for the browser without changing their shape.

Why: a ROC or PR curve of a large test set has tens of thousands of vertices;
sent as-is, every dashboard rerun ships megabytes of JSON and the page lags.
Two steps, both returning *indices* so that per-point data (thresholds for
the hover) stays aligned with the kept points:

1. :func:`drop_redundant` removes points that change nothing: exact
   duplicates and points lying on the straight continuation of their
   neighbours.  The drawn polyline is identical.
2. :func:`simplify_polyline` then caps the number of points with a
   budgeted Ramer-Douglas-Peucker: starting from the end points it
   repeatedly adds the vertex farthest from the current approximation, so
   the points kept are the ones that matter most for the shape.  The area
   error is at most ``max deviation x curve length``, far below what a
   1-2 pixel line can show (tests check the AUC moves by < 1e-3).

Step functions (the PR curve) must be expanded into explicit corners with
:func:`step_vertices` *before* simplifying; otherwise dropping a vertex would
change which corner the step takes.
"""

from __future__ import annotations

import heapq

import numpy as np

__all__ = ["DEFAULT_MAX_POINTS", "drop_redundant", "simplify_polyline", "step_vertices"]

#: Points per trace; enough that a retained vertex is never more than a pixel
#: from the original curve at dashboard sizes.
DEFAULT_MAX_POINTS = 1000
_COLLINEAR_RTOL = 1e-9


def _as_xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    xa = np.asarray(x, dtype=np.float64).ravel()
    ya = np.asarray(y, dtype=np.float64).ravel()
    if xa.shape != ya.shape:
        raise ValueError(f"x and y differ in length: {xa.shape[0]} vs {ya.shape[0]}")
    if not (np.isfinite(xa).all() and np.isfinite(ya).all()):
        raise ValueError("curve coordinates must be finite")
    return xa, ya


def drop_redundant(x, y) -> np.ndarray:
    """Indices of the vertices that shape the polyline (first and last always kept)."""
    xa, ya = _as_xy(x, y)
    n = xa.shape[0]
    if n <= 2:
        return np.arange(n)
    moved = np.ones(n, dtype=bool)
    moved[1:] = (np.diff(xa) != 0) | (np.diff(ya) != 0)
    idx = np.flatnonzero(moved)
    if idx[-1] != n - 1:  # the last point duplicates its predecessor: keep the last index
        idx[-1] = n - 1
    if idx.shape[0] <= 2:
        return idx
    dx, dy = np.diff(xa[idx]), np.diff(ya[idx])
    cross = dx[:-1] * dy[1:] - dy[:-1] * dx[1:]
    dot = dx[:-1] * dx[1:] + dy[:-1] * dy[1:]
    lengths = np.hypot(dx, dy)
    straight = (np.abs(cross) <= _COLLINEAR_RTOL * lengths[:-1] * lengths[1:]) & (dot > 0)
    keep = np.concatenate(([True], ~straight, [True]))
    return idx[keep]


def _farthest(xa: np.ndarray, ya: np.ndarray, a: int, b: int) -> tuple[float, int]:
    """Largest distance of vertices strictly between a and b to the segment a-b."""
    px, py = xa[a + 1 : b], ya[a + 1 : b]
    sx, sy = xa[b] - xa[a], ya[b] - ya[a]
    norm = sx * sx + sy * sy
    if norm > 0:
        t = np.clip(((px - xa[a]) * sx + (py - ya[a]) * sy) / norm, 0.0, 1.0)
    else:
        t = np.zeros_like(px)
    dist = np.hypot(px - (xa[a] + t * sx), py - (ya[a] + t * sy))
    k = int(np.argmax(dist))
    return float(dist[k]), a + 1 + k


def _budgeted_rdp(xa: np.ndarray, ya: np.ndarray, max_points: int) -> np.ndarray:
    n = xa.shape[0]
    keep = np.zeros(n, dtype=bool)
    keep[[0, n - 1]] = True
    heap: list[tuple[float, int, int, int]] = []

    def push(a: int, b: int) -> None:
        if b - a >= 2:
            dist, k = _farthest(xa, ya, a, b)
            if dist > 0:
                heapq.heappush(heap, (-dist, a, b, k))

    push(0, n - 1)
    kept = 2
    while heap and kept < max_points:
        _, a, b, k = heapq.heappop(heap)
        keep[k] = True
        kept += 1
        push(a, k)
        push(k, b)
    return np.flatnonzero(keep)


def simplify_polyline(x, y, *, max_points: int = DEFAULT_MAX_POINTS) -> np.ndarray:
    """Indices of at most ``max_points`` vertices (first and last included) keeping the shape.

    Lossless when the curve has at most ``max_points`` non-redundant vertices.
    """
    if max_points < 2:
        raise ValueError("max_points must be >= 2 (the two end points)")
    xa, ya = _as_xy(x, y)
    idx = drop_redundant(xa, ya)
    if idx.shape[0] <= max_points:
        return idx
    return idx[_budgeted_rdp(xa[idx], ya[idx], max_points)]


def step_vertices(x, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Corners of the step path that holds ``y[k]`` until ``x[k + 1]`` (plotly's ``"hv"``).

    Returns ``(xs, ys, source)`` where ``source[j]`` is the input index whose
    value ``ys[j]`` is, and ``xs[j] == x[source[j]]`` exactly on the input's
    own points (even ``j``); odd ``j`` are the inserted corners.  Drawn as a
    plain polyline the result is the same picture as the step plot, and its
    trapezoidal area equals the step-wise sum (e.g. average precision).
    """
    xa, ya = _as_xy(x, y)
    if xa.shape[0] == 0:
        return xa, ya, np.arange(0)
    xs = np.repeat(xa, 2)[1:]
    ys = np.repeat(ya, 2)[:-1]
    source = np.repeat(np.arange(xa.shape[0]), 2)[:-1]
    return xs, ys, source
