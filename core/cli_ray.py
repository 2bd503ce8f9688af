"""``python -m core run ... --backend ray``: a grid as parallel Ray tasks, with its progress.

The in-process CLI draws one progress bar per run because runs come one after another; on Ray
several train at once, so this prints one line per run event that matters (started where,
epochs, stored, failed) and, whenever the counts change, the grid's headline
("Running: 8 runs — 3 trained, 0 already stored, 5 waiting.").
"""

from __future__ import annotations

import sys
from typing import Callable

from core.jobs import DONE, FAILED, JobRunner, JobSnapshot, RayBackend
from core.training.events import ProgressEvent


class GridPrinter:
    """A job listener that prints one line per notable event of any run."""

    def __init__(self, specs: list) -> None:
        self.specs = specs

    def __call__(self, index: int, event: ProgressEvent) -> None:
        if event.worth_a_line:
            head = f"[{index + 1}/{len(self.specs)}] {self.specs[index].label}:"
            print(f"{head} {event.describe()}", flush=True)


def run_on_ray(specs: list, store, address: str | None,
               print_table: Callable[[list[dict]], None],
               gpus_per_run: float | None = None) -> int:
    """Train ``specs`` on Ray; 0 when all are stored, 1 when any failed, 130 on Ctrl-C."""
    # No Ray installed: a RayBackendError, at once.
    backend = RayBackend(address, store=store, gpus_per_run=gpus_per_run)
    resources = backend.connect()
    print(f"Ray: {resources.get('CPU', 0):g} CPU(s), {resources.get('GPU', 0):g} GPU(s); "
          f"store {store.root}", flush=True)
    runner = JobRunner(store, backend=backend)
    job = runner.submit(specs, label=f"{len(specs)} run(s) on Ray",
                        on_event=GridPrinter(specs))
    shown = None
    try:
        while not job.wait(1.0):
            shown = _headline(job.snapshot(), shown)
    except KeyboardInterrupt:
        print("\ninterrupted: cancelling; finished epochs are kept, run the same command to "
              "resume.", flush=True)
        runner.shutdown(cancel=True, timeout=60)
        return 130
    snap = job.snapshot()
    runner.shutdown(cancel=False, timeout=60)
    print(snap.headline(), flush=True)
    print_table([_row(run) for run in snap.runs])
    return 1 if snap.count(FAILED) else 0


def _headline(snap: JobSnapshot, shown: str | None) -> str:
    text = snap.headline()
    if text != shown:
        print(text, file=sys.stdout, flush=True)
    return text


def _row(run) -> dict:
    summary = run.summary or {}
    status = {DONE: "trained"}.get(run.status, run.status)
    return {"run": run.label, "status": status, "run_id": run.run_id or "",
            "test_auc": summary.get("test_auc"), "val_auc": summary.get("val_auc"),
            "seconds": round(run.seconds, 1) if run.seconds is not None else None}
