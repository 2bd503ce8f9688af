"""The job's state machine and snapshots, driven through the reporting API backends use.

No training here: events are the engine's event objects, fed in the order the engine emits them,
so these tests run in milliseconds. The training tests cover the real thing end to end.
"""

from __future__ import annotations

import dataclasses
import threading

import pytest

from core.jobs import CACHED, DONE, FAILED, QUEUED, RUNNING, Job, JobRunner, run_job
from core.jobs.job import MAX_LOG_LINES
from core.jobs.states import TRAIN_SHARE
from core.training.events import (BatchEnded, Building, EpochEnded, Predicting, RunCached,
                                  RunDone, TrainingStarted)
from tests.jobs.conftest import tiny


def _job(n: int = 2) -> Job:
    return Job([tiny(strategy=s) for s in ("none", "class_weight", "oversample")[:n]], "t")


def test_progress_follows_epochs_and_batches():
    job = _job()
    assert job.snapshot().status == "queued" and job.snapshot().fraction == 0.0
    job.run_started(0)
    job.run_event(0, TrainingStarted(run_id="a" * 20, epochs=4, steps=10, resumed_from_epoch=0))
    job.run_event(0, BatchEnded(epoch=1, epochs=4, batch=5, steps=10, loss=0.5))
    run = job.snapshot().runs[0]
    assert run.status == RUNNING
    assert run.fraction == pytest.approx(TRAIN_SHARE * 1.5 / 4)
    assert run.detail == "epoch 2/4 · batch 5/10 · loss 0.5000"
    assert job.snapshot().fraction == pytest.approx(run.fraction / 2)
    job.run_event(0, EpochEnded(epoch=2, epochs=4,
                                logs={"loss": 0.4, "val_loss": 0.45, "learning_rate": 0.01}))
    snap = job.snapshot()
    assert snap.runs[0].epoch == 2
    assert snap.log[-1].endswith("epoch 2/4: loss 0.4000 val_loss 0.4500")
    job.run_event(0, Predicting(run_id="a" * 20))
    assert job.snapshot().runs[0].fraction == TRAIN_SHARE
    job.run_event(0, RunDone(run_id="a" * 20, summary={"test_auc": 0.9}))
    job.run_finished(0, "a" * 20, {"test_auc": 0.9})
    run = job.snapshot().runs[0]
    assert (run.status, run.fraction, run.run_id) == (DONE, 1.0, "a" * 20)
    assert "test AUC 0.900" in run.detail


def test_a_resumed_run_starts_its_bar_at_the_kept_epochs():
    job = _job(1)
    job.run_started(0)
    job.run_event(0, TrainingStarted(run_id="b" * 20, epochs=4, steps=3, resumed_from_epoch=2))
    run = job.snapshot().runs[0]
    assert run.resumed_from_epoch == 2 and run.fraction == pytest.approx(TRAIN_SHARE / 2)
    assert "resuming after epoch 2 of 4" in job.snapshot().log[-1]


def test_a_run_found_in_the_store_is_cached_not_done():
    job = _job(1)
    job.run_started(0)
    job.run_event(0, RunCached(run_id="c" * 20))
    job.run_finished(0, "c" * 20, {})
    job.close()
    snap = job.snapshot()
    assert snap.runs[0].status == CACHED and snap.status == "finished"
    assert snap.headline() == "Finished: 1 run — 0 trained, 1 already stored."


def test_snapshots_are_immutable_and_unaffected_by_later_changes():
    job = _job()
    event = EpochEnded(epoch=1, epochs=2, logs={"loss": 1.0})
    job.run_started(0)
    job.run_event(0, event)
    before = job.snapshot()
    event.logs["loss"] = 99.0  # the backend reusing its dict must not change the snapshot
    assert before.runs[0].last_event["logs"]["loss"] == 1.0
    with pytest.raises(TypeError):
        before.runs[0].last_event["logs"]["loss"] = 2.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        before.status = "finished"
    assert job.snapshot() is before  # nothing changed: the same snapshot object
    job.run_failed(0, ValueError("bad"))
    after = job.snapshot()
    assert after is not before and before.runs[0].status == RUNNING
    assert after.runs[0].status == FAILED and after.runs[0].error == "bad"
    assert after.runs[0].traceback.strip().endswith("ValueError: bad")


def test_cancel_skips_what_has_not_started_and_is_idempotent():
    job = _job(3)
    job.cancel()
    job.cancel()
    run_job(job)  # the in-process loop: every run is skipped before any import or training
    snap = job.snapshot()
    assert snap.status == "cancelled" and snap.done and job.wait(0)
    assert [r.status for r in snap.runs] == ["cancelled"] * 3
    assert all(r.started_at is None for r in snap.runs)
    assert sum("cancel requested" in line for line in snap.log) == 1


def test_a_listener_that_raises_is_dropped_and_training_state_goes_on():
    job = _job(1)
    calls = []

    def broken(index, event):
        calls.append(event.kind)
        raise RuntimeError("listener bug")

    job.subscribe(broken)
    job.run_started(0)
    job.run_event(0, Building(model="idc_initial"))
    assert calls == ["started"]
    assert any("listener raised RuntimeError" in line for line in job.snapshot().log)
    assert job.snapshot().runs[0].detail == "building idc_initial"


def test_snapshots_stay_consistent_under_concurrent_updates():
    job = _job(1)
    job.run_started(0)
    stop = threading.Event()
    bad = []

    def read():
        while not stop.is_set():
            run = job.snapshot().runs[0]
            if run.status == DONE and run.run_id is None:
                bad.append(run)

    reader = threading.Thread(target=read)
    reader.start()
    for batch in range(2000):
        job.run_event(0, BatchEnded(epoch=0, epochs=1, batch=batch % 10 + 1, steps=10,
                                    loss=0.1))
    job.run_finished(0, "d" * 20, {})
    stop.set()
    reader.join()
    assert not bad and job.snapshot().runs[0].status == DONE


def test_the_log_is_bounded_and_says_what_it_left_out():
    job = _job(1)
    for i in range(MAX_LOG_LINES + 50):
        job.log(f"line {i}")
    log = job.snapshot().log
    assert len(log) == MAX_LOG_LINES + 1
    assert "submitted" in log[0] and log[-1].endswith(f"line {MAX_LOG_LINES + 49}")
    assert any("line(s) left out" in line for line in log)


class SerialBackend:
    """The smallest backend there is: trains in the caller's thread. Shows that the runner
    needs nothing from a backend but ``start`` and ``shutdown`` (what a Ray backend provides)."""

    name = "serial"

    def __init__(self):
        self.started = []

    def start(self, job):
        self.started.append(job.id)
        run_job(job)

    def shutdown(self, wait=True, timeout=None):
        pass


def test_the_runner_works_with_any_backend_and_rejects_empty_jobs():
    backend = SerialBackend()
    runner = JobRunner(backend=backend)
    job = runner.submit([tiny(dataset="no_such_dataset")], label="bad")
    assert backend.started == [job.id] and job.done
    run = job.snapshot().runs[0]
    assert run.status == FAILED and "No dataset named 'no_such_dataset'" in run.error
    assert runner.jobs()[0].id == job.id and runner.active() == []
    runner.forget(job.id)
    assert runner.jobs() == []
    with pytest.raises(ValueError, match="no runs"):
        runner.submit([])
    with pytest.raises(TypeError):
        runner.submit(["demo"])


def test_queued_state_before_the_backend_starts():
    job = _job(2)
    assert [r.status for r in job.snapshot().runs] == [QUEUED, QUEUED]
    assert job.snapshot().headline().startswith("Waiting to start: 2 runs")


def test_headline_counts_the_runs_training_now():
    """Several at once on Ray: the headline must not read as if nothing were happening."""
    job = _job(3)
    job.run_started(0)
    job.run_started(1)
    assert job.snapshot().headline() == ("Running: 3 runs — 0 trained, 0 already stored, "
                                         "2 training, 1 waiting.")
