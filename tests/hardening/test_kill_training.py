"""SIGKILL a real training process at several moments; the store never shows a partial run, and
the next start resumes from the last finished epoch until the run is stored complete.

One run is killed five times in a row, each restart resuming the previous one's work:
in the middle of an epoch (a seeded batch), right after an epoch's checkpoint, at a seeded
random moment (no hold: wherever the timer lands), during prediction, and inside the store
commit (all files written, before the publishing rename). A sixth start finishes it. The
finished run is compared with its uninterrupted twin, trained by the ``trained_store`` fixture
from the same spec: same run id, same split counts, same number of epochs in its history.

The processes are fresh interpreters (``tests/hardening/trainer.py``) using the real engine,
Keras and store; the kill is a real SIGKILL, so no ``finally`` or ``atexit`` of ours runs.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.store import ResultsStore
from core.training.resume import read_history
from tests.hardening.trainer import SPEC

REPO = Path(__file__).resolve().parents[2]
SEED = 20261122
START_TIMEOUT_S = 240  # TensorFlow's import and graph tracing on a loaded 2-core machine


class Trainer:
    """One training process and the events it has written so far."""

    def __init__(self, store_root: Path, events: Path, hold: dict | None, log: Path) -> None:
        self.events_path = events
        events.write_text("")
        self.log = log.open("wb")
        env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.hardening.trainer", str(store_root), str(events),
             json.dumps(hold)], cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def events(self) -> list[dict]:
        lines = self.events_path.read_text().splitlines()
        return [json.loads(line) for line in lines if line.endswith("}")]

    def wait_for(self, predicate, what: str, timeout: float = START_TIMEOUT_S) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events():
                if predicate(event):
                    return event
            if self.proc.poll() is not None:
                raise AssertionError(f"trainer exited ({self.proc.returncode}) before {what}:\n"
                                     + self._log_tail())
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"timed out waiting for {what}:\n{self._log_tail()}")
            time.sleep(0.02)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def finish(self, timeout: float = START_TIMEOUT_S) -> None:
        try:
            self.proc.wait(timeout=timeout)
        finally:
            self.log.close()
        assert self.proc.returncode == 0, self._log_tail()

    def resumed_from(self) -> int:
        return self.wait_for(lambda e: e.get("event") == "training", "training")[
            "resumed_from_epoch"]

    def _log_tail(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_bytes()[-3000:].decode(errors="replace")


def assert_no_run(root: Path) -> None:
    """Nothing in runs/, nothing in the SQLite index, nothing listed."""
    assert [p.name for p in (root / "runs").iterdir()] == []
    index = root / "index.sqlite"
    if index.exists():
        with sqlite3.connect(index) as db:
            assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    assert ResultsStore(root).list_runs().empty


def finished_epochs(root: Path, run_id: str) -> int:
    return len(read_history(root / "work" / run_id))


def test_sigkill_at_five_moments_then_resume_to_a_complete_run(trained_store, tmp_path):
    rng = random.Random(SEED)
    root = tmp_path / "store"
    reference = trained_store.get(next(
        r.run_id for r in trained_store.list_runs().itertuples()
        if (r.model, r.strategy) == (SPEC.model, SPEC.strategy)))
    steps = 19  # 600 training images / batch 32; checked against the trainer's own event below
    epochs = SPEC.overrides["epochs"]
    holds = [
        ("mid-epoch 1", {"event": "batch", "epoch": 0, "batch": rng.randint(2, steps // 2)}),
        # The first epoch this start finishes: epoch 1, unless a fast machine let the first
        # hold land in epoch 2 (batch events are throttled to two a second).
        ("after an epoch's checkpoint", {"event": "epoch"}),
        ("at a random moment", None),
        ("while predicting", {"event": "predicting"}),
        ("inside the commit", {"event": "publish"}),
    ]
    expected_resume = 0
    run_id = None
    for number, (moment, hold) in enumerate(holds):
        trainer = Trainer(root, tmp_path / f"events{number}.jsonl", hold,
                          tmp_path / f"trainer{number}.log")
        try:
            started = trainer.wait_for(lambda e: e.get("event") == "training", "training")
            assert started["resumed_from_epoch"] == expected_resume, moment
            assert started["steps"] == steps and started["epochs"] == epochs
            run_id = started["run_id"]
            if hold is None:
                # No hold: the kill lands wherever the seeded timer says, anywhere from the
                # start of training to the end of the last epoch (about 2 s per epoch here).
                time.sleep(rng.uniform(0.0, 4.0))
            else:
                trainer.wait_for(lambda e: "held" in e, moment)
        finally:
            trainer.kill()
        assert trainer.proc.returncode == -signal.SIGKILL
        assert not any("finished" in e for e in trainer.events()), moment
        assert_no_run(root)
        # What the next start must resume from: every epoch whose end the killed process
        # reported is on disk (the engine reports an epoch only after its checkpoint). A
        # random kill may also land after an epoch's history row and before its report.
        reported = expected_resume + sum(e.get("event") == "epoch" for e in trainer.events())
        on_disk = finished_epochs(root, run_id)
        assert on_disk == reported or (hold is None and on_disk == reported + 1), moment
        expected_resume = on_disk

    assert expected_resume == epochs  # the commit kill came after every epoch
    leftovers = list((root / "tmp").iterdir())
    assert len(leftovers) == 1 and (leftovers[0] / "manifest.json").is_file()

    last = Trainer(root, tmp_path / "events_final.jsonl", None, tmp_path / "trainer_final.log")
    last.finish()
    assert last.resumed_from() == epochs
    assert any(e.get("finished") == run_id for e in last.events())

    store = ResultsStore(root)
    assert run_id == reference.run_id  # the same run as the uninterrupted twin
    assert list(store.list_runs()["run_id"]) == [run_id]
    assert store.verify(run_id) == []
    run = store.get(run_id)
    training = run.record["training"]
    assert training["resumed_from_epoch"] == epochs
    assert training["epochs_run"] == reference.record["training"]["epochs_run"] == epochs
    assert run.record["data"]["counts"] == reference.record["data"]["counts"]
    history, ref_history = run.history(), reference.history()
    assert list(history["epoch"]) == list(ref_history["epoch"]) == list(range(epochs))
    assert list(history.columns) == list(ref_history.columns)
    predictions, ref_predictions = run.predictions(), reference.predictions()
    assert list(predictions.columns) == list(ref_predictions.columns)
    for column in ("sample_id", "split", "target"):
        assert predictions[column].tolist() == ref_predictions[column].tolist()
    run.load_model()  # the model file is whole and loads (safe_mode)

    assert not (root / "work" / run_id).exists()  # scratch removed after the commit
    assert store.cleanup(max_age_s=0) == leftovers  # the dead writer's folder is removable
