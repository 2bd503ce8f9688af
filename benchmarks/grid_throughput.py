"""Grid throughput: the same small grid in-process and on a local Ray instance, in runs/minute.

In-process trains one run at a time with TensorFlow's threads spread over every core; Ray trains
one run per CPU at once, each held to one TensorFlow thread (see core.jobs.ray_backend). On one
machine the gain can only come from what a single run does not parallelise over cores (graph
building, Python per step, validation, saving); on a cluster it comes from the number of nodes.
Each backend trains into a fresh store, so nothing is cached; the demo dataset is generated and
TensorFlow imported before either is timed. Ray's time includes starting its worker processes
(each imports TensorFlow), a cost every grid pays; starting Ray itself is printed apart.

    python benchmarks/grid_throughput.py [--num-cpus 2] [--models idc_initial,idc_own]
        [--strategies none,class_weight] [--seeds 0,1] [--epochs 2] [--max-train-images 256]
        [--ray-first]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
warnings.filterwarnings("ignore", message=".*shuffle.*")  # Keras on every tf.data fit

from benchmarks._common import temporary_home  # noqa: E402


def _csv(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def time_grid(specs: list, backend_name: str, num_cpus: int) -> tuple[float, float | None, float]:
    """Seconds to train every spec into a fresh store, Ray's start-up seconds, and the median
    seconds one run took inside the engine (from its record: where the time went)."""
    from core.jobs import DONE, JobRunner, RayBackend
    from core.store import ResultsStore

    store = ResultsStore(Path(tempfile.mkdtemp(prefix=f"grid-{backend_name}-")))
    startup = None
    backend = None
    if backend_name == "ray":
        import ray

        begin = time.perf_counter()
        ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
        startup = time.perf_counter() - begin
        backend = RayBackend(store=store)
    runner = JobRunner(store, backend=backend)
    begin = time.perf_counter()
    job = runner.submit(specs, label=f"benchmark on {backend_name}")
    job.wait()
    seconds = time.perf_counter() - begin
    runner.shutdown(cancel=False)
    snap = job.snapshot()
    if snap.count(DONE) != len(specs):
        failed = [f"{r.label}: {r.error}" for r in snap.runs if r.status != DONE]
        raise SystemExit(f"{backend_name}: not every run trained:\n" + "\n".join(failed))
    if backend_name == "ray":
        import ray

        ray.shutdown()
    per_run = statistics.median(store.get(r.run_id).record["wall_time_s"] for r in snap.runs)
    return seconds, startup, per_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--num-cpus", type=int, default=2, help="CPUs of the local Ray instance")
    parser.add_argument("--models", type=_csv, default=["idc_initial", "idc_own"])
    parser.add_argument("--strategies", type=_csv, default=["none", "class_weight"])
    parser.add_argument("--seeds", type=lambda t: [int(v) for v in _csv(t)], default=[0, 1])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-train-images", type=int, default=256)
    parser.add_argument("--ray-first", action="store_true",
                        help="time Ray before in-process (to see whether the order matters)")
    args = parser.parse_args()
    temporary_home("lesionlab-grid-bench-")

    from core.training import expand_grid, resolve
    from core.training.device import configure_device

    specs = expand_grid(["demo"], args.models, args.strategies, profile="quick",
                        seeds=args.seeds, overrides={"epochs": args.epochs, "batch_size": 32,
                                                     "max_train_images": args.max_train_images})
    resolve(specs[0])  # generates the demo dataset, outside the timings
    device = configure_device()  # imports TensorFlow here, as a running app already has
    print(f"machine: {os.cpu_count()} cores, device {device.kind}, load average {_load()}")
    print(f"grid: {len(specs)} runs on demo: {', '.join(args.models)} x "
          f"{', '.join(args.strategies)} x seeds {args.seeds}; quick profile, {args.epochs} "
          f"epochs, <= {args.max_train_images} training images", flush=True)

    rates = {}
    for name in ("ray", "inprocess") if args.ray_first else ("inprocess", "ray"):
        seconds, startup, per_run = time_grid(specs, name, args.num_cpus)
        rates[name] = len(specs) / (seconds / 60)
        label = f"ray ({args.num_cpus} CPUs)" if name == "ray" else "in-process"
        started = f"; Ray started in {startup:.1f} s (not counted)" if startup else ""
        print(f"{label:16s} {len(specs)} runs in {seconds:6.1f} s = {rates[name]:5.2f} runs/min "
              f"(median run {per_run:.1f} s in the engine){started}; load average now {_load()}",
              flush=True)
    print(f"ratio ray / in-process: {rates['ray'] / rates['inprocess']:.2f}")


if __name__ == "__main__":
    main()
