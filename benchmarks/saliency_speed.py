"""Seconds per saliency map, per method and model, on this machine.

Run: ``python benchmarks/saliency_speed.py [--models idc_initial:50 breakhis_resnet50:224]``.
Prints, for each (model, size, method): the time to build the explainer, the first ("cold") map,
and the median of the following ("warm") maps, i.e. what the Explain page costs once the
explainer is cached, as wall seconds and as this process's CPU seconds (the machine may be
shared: the load average is printed first). One image per map; models have random weights (speed does not depend on
them). Targets from the issue: Grad-CAM and vanilla < 0.1 s on the small networks and < 1 s on
ResNet50 at 224 px. This prints measurements only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_MODELS = ["idc_initial:50", "idc_own:50", "breakhis_resnet50:224"]
OPTIONS = {"smoothgrad": {"samples": 20}, "scorecam": {"max_n": 64}}


def _timed(call) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process). On a shared machine the wall time includes
    waiting for a core; CPU time does not, but counts every TensorFlow thread."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_model(name: str, size: int, methods: list[str], repeats: int) -> list[str]:
    import numpy as np

    from core.saliency import METHODS
    from models.registry import get_entry

    entry = get_entry(name)
    model = entry.build((size, size, 3), 2, weights=None)
    image = np.random.default_rng(0).uniform(0, 255, (1, size, size, 3)).astype(np.float32)
    rows = []
    for method in methods:
        explainer = None

        def build():
            nonlocal explainer
            explainer = METHODS[method](model, head=entry.head,
                                        penultimate_layer=entry.last_conv_layer)

        build_s, _ = _timed(build)
        options = OPTIONS.get(method, {})
        cold, _ = _timed(lambda: explainer.explain(image, **options))
        n = 1 if METHODS[method].slow else repeats
        warm = [_timed(lambda: explainer.explain(image, **options)) for _ in range(n)]
        warm_wall = statistics.median(w for w, _ in warm)
        warm_cpu = statistics.median(c for _, c in warm)
        label = method + "".join(f" {k}={v}" for k, v in options.items())
        rows.append(f"{name:<22} {size:>4} {label:<22} {build_s:>8.3f} {cold:>8.3f} "
                    f"{warm_wall:>8.3f} {warm_cpu:>8.3f}")
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS,
                        help="registry_name:input_size pairs")
    parser.add_argument("--methods", nargs="+", default=None, help="default: all")
    parser.add_argument("--repeats", type=int, default=5, help="warm calls for fast methods")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from core.saliency import METHODS

    methods = args.methods or list(METHODS)
    print(f"{'model':<22} {'px':>4} {'method':<22} {'build s':>8} {'cold s':>8} "
          f"{'warm s':>8} {'warm cpu':>8}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    for spec in args.models:
        name, _, size = spec.partition(":")
        bench_model(name, int(size or 50), methods, args.repeats)


if __name__ == "__main__":
    main()
