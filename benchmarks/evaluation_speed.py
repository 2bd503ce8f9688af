"""How fast is the evaluation core at dashboard scale?  Prints measured numbers only.

Scenario: 10 runs, each with 50,000 test and 10,000 validation predictions.

1. Full evaluation of every run: sorting, ROC, PR, calibration, DeLong AUC + CI, a validation
   threshold choice and every threshold metric with 1000-resample bootstrap CIs.
   Target: < 2 s for all 10 runs.
2. One threshold move (the dashboard slider) for all 10 runs: metrics + bootstrap CIs +
   ROC/PR marker coordinates.  Target: < 10 ms.
3. For information: pairwise DeLong over the 10 runs and one paired comparison (McNemar +
   1000-resample paired index bootstrap).

Run: ``/work/venv/bin/python benchmarks/evaluation_speed.py``.  Timings are the median and the
minimum of several repeats (the minimum is the least disturbed by other processes on a shared
machine).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.evaluation import RunEvaluation, compare_runs  # noqa: E402

N_RUNS, N_TEST, N_VAL, N_BOOT = 10, 50_000, 10_000, 1000


def make_run(seed: int, y_test: np.ndarray, y_val: np.ndarray) -> pd.DataFrame:
    """One run's predictions on shared samples (binormal scores of varying quality)."""
    rng = np.random.default_rng(seed)
    frames = []
    for split, y in (("val", y_val), ("test", y_test)):
        z = rng.normal(size=y.size) + (1.0 + 0.1 * seed) * y
        p1 = 1.0 / (1.0 + np.exp(-z))
        frames.append(pd.DataFrame({
            "sample_id": [f"{split}{i}" for i in range(y.size)], "group": "g", "split": split,
            "target": y, "label": np.where(y == 1, "malignant", "benign"),
            "prob_0": 1.0 - p1, "prob_1": p1,
        }))
    out = pd.concat(frames, ignore_index=True)
    out["group"] = out["sample_id"]
    return out


def timed(fn, repeats: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), result


def main() -> None:
    rng = np.random.default_rng(0)
    y_test = (rng.random(N_TEST) < 0.3).astype(int)
    y_val = (rng.random(N_VAL) < 0.3).astype(int)
    runs = {f"run{i}": make_run(i, y_test, y_val) for i in range(N_RUNS)}
    print(f"{N_RUNS} runs x {N_TEST:,} test + {N_VAL:,} val samples, {N_BOOT} bootstrap "
          f"resamples; {os.cpu_count()} CPU(s) visible, load {os.getloadavg()[0]:.1f}")

    def evaluate_all():
        evals = {}
        for name, pred in runs.items():
            ev = RunEvaluation.from_predictions(pred, n_boot=N_BOOT, seed=0)
            choice = ev.choose_threshold("youden")
            ev.at(choice.threshold)
            evals[name] = ev
        return evals

    med, best, evals = timed(evaluate_all, repeats=3)
    print(f"full evaluation, 10 runs (curves, calibration, DeLong CI, Youden on val, "
          f"metrics + bootstrap CIs): median {med:.2f} s, min {best:.2f} s  [target < 2 s]")

    thresholds = iter(np.linspace(0.2, 0.8, 1000))

    def slider_move():
        t = next(thresholds)
        return [ev.at(t) for ev in evals.values()]

    med, best, _ = timed(slider_move, repeats=50)
    print(f"one threshold move, 10 runs (metrics + 1000-resample CIs + ROC/PR markers): "
          f"median {med * 1e3:.1f} ms, min {best * 1e3:.1f} ms  [target < 10 ms]")

    med, best, _ = timed(lambda: compare_runs(evals), repeats=3)
    print(f"pairwise DeLong, 45 pairs of 10 runs: median {med:.2f} s, min {best:.2f} s")

    a, b = evals["run0"], evals["run1"]
    med, best, _ = timed(lambda: a.compare(b, 0.5, 0.5), repeats=3)
    print(f"one paired comparison (DeLong + McNemar + 1000-resample paired index bootstrap): "
          f"median {med:.2f} s, min {best:.2f} s")


if __name__ == "__main__":
    main()
