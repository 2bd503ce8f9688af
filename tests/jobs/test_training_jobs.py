"""The in-process job runner with real training: completion, cancel and resume, failures.

Every run here is trained for real (tiny settings, see conftest); nothing in the engine, the
store or Keras is replaced.
"""

from __future__ import annotations

import time

import pytest

from core.jobs import CACHED, CANCELLED, DONE, FAILED
from tests.jobs.conftest import JOB_TIMEOUT_S, tiny


def test_two_runs_complete_and_land_in_the_store(runner, store):
    specs = [tiny("idc_initial", "none"), tiny("idc_initial", "class_weight")]
    started = time.perf_counter()
    job = runner.submit(specs, label="two runs")
    assert time.perf_counter() - started < 2.0, "submit must not wait for the training"
    early = job.snapshot()
    assert early.label == "two runs" and not early.done

    assert job.wait(JOB_TIMEOUT_S), "the job did not finish"
    snap = job.snapshot()
    assert snap.status == "finished"
    assert [r.status for r in snap.runs] == [DONE, DONE]
    assert snap.fraction == pytest.approx(1.0)
    stored = set(store.list_runs()["run_id"])
    for run in snap.runs:
        assert run.run_id in stored
        assert store.get(run.run_id).record["spec"]["strategy"] == run.spec.strategy
        assert 0.0 <= run.summary["test_auc"] <= 1.0
        assert run.summary["test_auc"] == store.get(run.run_id).record["summary"]["test_auc"]
        assert run.epochs == 2 and run.epoch == 2
    assert len(set(snap.finished_run_ids)) == 2
    assert any("epoch 2/2" in line for line in snap.log)
    assert snap.log[-1].endswith("job finished: 2 of 2 run(s) stored, 0 failed")
    # the snapshot taken at the start is frozen in time, not a view of the live job
    assert not early.done and early.version < snap.version
    # each run kept its rates and fixed seconds (for runs of its sizes) in throughput.json,
    # and the second was planned again with the first's instead of the one-size default
    from core.training.eta import RUN_OVERHEAD_S, overhead_sizes
    from core.training.throughput import read_table

    entry = next(v for k, v in read_table(store.root).items() if "|idc_initial|" in k)
    assert entry["overhead_sizes"] == overhead_sizes(snap.runs[0].plan) == [96, 300, 300]
    assert entry["overhead_s"] >= 0
    assert snap.runs[1].plan.overhead_s != RUN_OVERHEAD_S

    again = runner.submit(specs, label="again")
    assert again.wait(120)
    assert [r.status for r in again.snapshot().runs] == [CACHED, CACHED]
    assert again.snapshot().finished_run_ids == snap.finished_run_ids


@pytest.fixture(scope="module")
def cancel_then_resume(runner, store):
    """Cancel a job after its first run's first epoch, then resubmit that run behind two
    specs that must fail. Returns what was observed along the way."""
    first, second = tiny("idc_own", "none"), tiny("idc_own", "class_weight")
    seen = {}

    def cancel_after_first_epoch(index, event):
        if index == 0 and event.kind == "training":
            seen["run_id"] = event.run_id
        if index == 0 and event.kind == "epoch" and event.epoch == 1:
            seen["epochs_finished_at_cancel"] = 1
            job.cancel()  # in the training thread, before epoch 2's first batch ends

    job = runner.submit([first, second], label="to cancel", on_event=cancel_after_first_epoch)
    assert job.wait(JOB_TIMEOUT_S)
    cancelled = job.snapshot()
    in_store_after_cancel = store.has(seen["run_id"])
    work_files = sorted(p.name for p in store.work_dir(seen["run_id"]).iterdir())

    events = []
    resumed = runner.submit(
        [tiny("no_such_model"), tiny(dataset="gone"), first], label="resume",
        on_event=lambda i, e: events.append((i, e.kind, getattr(e, "resumed_from_epoch", None))))
    assert resumed.wait(JOB_TIMEOUT_S)
    return dict(seen, cancelled=cancelled, in_store_after_cancel=in_store_after_cancel,
                work_files=work_files, resumed=resumed.snapshot(), events=events)


def test_cancel_stops_the_run_and_nothing_half_written_appears(cancel_then_resume, store):
    snap = cancel_then_resume["cancelled"]
    assert snap.status == "cancelled" and snap.cancel_requested
    running, queued = snap.runs
    assert running.status == CANCELLED and "resumes" in running.detail
    assert running.epochs == 2 and running.epoch >= 1
    assert queued.status == CANCELLED and queued.started_at is None
    assert "skipped" in queued.detail
    assert not cancel_then_resume["in_store_after_cancel"]
    assert "history.csv" in cancel_then_resume["work_files"]  # finished epochs kept to resume
    assert any("cancel requested" in line for line in snap.log)


def test_failed_specs_are_reported_and_the_next_run_still_trains(cancel_then_resume, store):
    bad_model, missing_folder, resumed = cancel_then_resume["resumed"].runs
    assert bad_model.status == FAILED and "Unknown model 'no_such_model'" in bad_model.error
    assert bad_model.error_type == "UnknownModelError"
    assert missing_folder.status == FAILED and missing_folder.error_type == "DatasetError"
    assert "gone" in missing_folder.error and "does not exist" in missing_folder.error
    for failed in (bad_model, missing_folder):
        assert failed.traceback.startswith("Traceback (most recent call last)")
        assert failed.error in failed.traceback
    assert resumed.status == DONE and store.has(resumed.run_id)
    assert resumed.run_id == cancel_then_resume["run_id"]
    log = cancel_then_resume["resumed"].log
    assert sum("FAILED" in line for line in log) == 2


def test_resubmitting_a_cancelled_run_resumes_it(cancel_then_resume, store):
    resumed = cancel_then_resume["resumed"].runs[2]
    assert resumed.resumed_from_epoch >= 1
    assert (2, "training", resumed.resumed_from_epoch) in cancel_then_resume["events"]
    record = store.get(resumed.run_id).record
    assert record["training"]["resumed_from_epoch"] == resumed.resumed_from_epoch
    assert not store.work_dir(resumed.run_id).joinpath("history.csv").exists()


def test_a_resumed_run_restarts_after_its_last_fully_finished_epoch(cancel_then_resume):
    resumed = cancel_then_resume["resumed"].runs[2]
    assert resumed.resumed_from_epoch == cancel_then_resume["epochs_finished_at_cancel"]
