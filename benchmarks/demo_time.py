"""How long the Home page's one-click demo takes, as a user sees it: from the click until the
first run is stored (Compare can show something) and until the whole comparison is done.

The same grid and runner the Home page uses (``core.jobs.demo_grid``, ``JobRunner`` with the
in-process backend), in a fresh store (``LESIONLAB_HOME`` in a temporary folder unless set),
so the demo dataset is generated and TensorFlow imported inside the timed span, as on a first
visit. Prints the two times, each run's, the machine's load average, and what the Home page
promised for this machine before the demo ran (:func:`core.jobs.presets.demo_estimate`).

    python benchmarks/demo_time.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks._common import temporary_home  # noqa: E402


def main() -> None:
    temporary_home("lesionlab-demo-time-")
    load = os.getloadavg()
    started = time.perf_counter()
    from core.jobs import JobRunner, demo_grid
    from core.jobs.presets import demo_estimate
    from core.store import ResultsStore
    from core.training.events import RunDone

    store = ResultsStore()
    promise = demo_estimate(store.root).words()
    landed: list[float] = []
    job = JobRunner(store).submit(demo_grid(), label="demo")
    job.subscribe(lambda i, event: landed.append(time.perf_counter() - started)
                  if isinstance(event, RunDone) else None)
    job.wait()
    total = time.perf_counter() - started
    snap = job.snapshot()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} "
          f"{load[2]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print(f"Home page's promise before the run: {promise}")
    print(f"runs: {len(snap.runs)}, finished {snap.count('done')}, failed "
          f"{snap.count('failed')}")
    first = min(landed) if landed else float("nan")
    print(f"first result after {first:.0f} s (target < 60 s); whole demo {total:.0f} s "
          f"(target < 300 s)")
    print("runs landed at (s): " + ", ".join(f"{t:.0f}" for t in sorted(landed)))


if __name__ == "__main__":
    main()
