"""A training process for the kill tests: ``python -m tests.hardening.trainer STORE EVENTS HOLD``.

It trains the tiny demo run of ``tests.support.trained`` (the same spec as the ``trained_store``
fixture's first run, so an uninterrupted twin exists) with the real engine and store, and
appends every progress event to ``EVENTS`` as one JSON line (its serialised form). ``HOLD`` (JSON) names a moment at
which the process writes ``{"held": ...}`` and then sleeps until it is killed, so the test can
SIGKILL it at exactly that moment rather than at whatever moment a timer happens to hit:

* ``{"event": "building"}`` / ``{"event": "predicting"}``: on that event;
* ``{"event": "batch", "epoch": E, "batch": B}``: on the first batch event at or after batch
  ``B`` of epoch ``E`` (0-based), i.e. in the middle of an epoch (batch events are throttled to
  two a second, so "at or after" is what can be promised);
* ``{"event": "epoch"}``: when the first epoch this process trains has ended (``"epoch": N``:
  epoch ``N``, 1-based); the engine emits this after the checkpoint callbacks ran;
* ``{"event": "publish"}``: during the store commit, after every artifact is written and
  fsynced, before the rename that publishes the run;
* ``null``: never; train to the end.

Holding only stops the training thread where it is: nothing is written or skipped on its behalf.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from core.store import ResultsStore
from core.training import RunSpec, train_run
from core.training.events import ProgressEvent
from tests.support.trained import DEMO_GRID

SPEC: RunSpec = DEMO_GRID[0]


def _matches(hold: dict | None, event: dict) -> bool:
    if not hold or hold["event"] != event["event"]:
        return False
    if event["event"] == "batch":
        return (event["epoch"], event["batch"]) >= (hold["epoch"], hold["batch"])
    if event["event"] == "epoch":
        return event["epoch"] == hold.get("epoch", event["epoch"])
    return True


def main(store_root: str, events_path: str, hold_json: str) -> None:
    hold = json.loads(hold_json)
    events = Path(events_path)

    def write(record: dict) -> None:
        with events.open("a") as fh:
            fh.write(json.dumps(record, default=str) + "\n")

    def held(what: dict) -> None:
        write({"held": what})
        time.sleep(3600)  # the test kills us here

    def progress(event: ProgressEvent) -> None:
        event = event.to_dict()
        write({k: v for k, v in event.items() if k != "summary"})
        if _matches(hold, event):
            held(event)

    class Store(ResultsStore):
        def _publish(self, folder, target):
            if hold and hold["event"] == "publish":
                held({"event": "publish", "folder": str(folder)})
            return super()._publish(folder, target)

    stored = train_run(SPEC, Store(Path(store_root)), progress=progress)
    write({"finished": stored.run_id})


if __name__ == "__main__":
    main(*sys.argv[1:4])
