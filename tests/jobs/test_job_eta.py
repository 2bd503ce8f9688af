"""A job's time left and time taken, driven through the reporting API backends use.

Plans are the demo-like one of tests/training/test_eta.py (one run = 24.5 s at the measured
rates: 5 epochs of 3.5 s training + 1 s validation, and 2 s of final predictions). Epoch times
are given explicitly to the state machine (``_apply_event``'s clock), so the numbers are exact.
"""

from __future__ import annotations

import pytest

from core.jobs import QUEUED, Job
from core.jobs.job import _apply_event
from core.jobs.states import RUNNING, RunState
from core.store import ResultsStore
from core.training.budget import Rates
from core.training.eta import RunPlan
from core.training.events import BatchEnded, EpochEnded, TrainingStarted
from tests.jobs.conftest import tiny

RATES = Rates(train=400.0, predict=300.0, source="earlier runs")
PLAN = RunPlan(images_per_epoch=1400, epochs=5, n_val=300, n_test=300, rates=RATES)


def _job(n: int = 2) -> Job:
    return Job([tiny(strategy=s) for s in ("none", "class_weight", "oversample")[:n]], "t")


def test_a_planned_job_knows_its_time_before_it_starts():
    job = _job(3)
    assert job.snapshot().time_words() == "Time left: not known yet; 3 runs not timed yet " \
        "on this machine (each known after its first epoch)."
    for i in range(3):
        job.run_planned(i, PLAN)
    snap = job.snapshot()
    assert snap.remaining.seconds == pytest.approx(3 * 24.5) and snap.remaining.unknown_runs == 0
    assert snap.time_words() == "About 2 min left."  # 73.5 s, rounded up
    job.run_planned(2, RunPlan(1400, 5, 300, 300, RATES, overhead_s=50.0))
    assert job.snapshot().time_words() == "About 3 min left."  # 123.5 s, rounded up
    assert snap.runs[0].time_words() == "less than a minute left"


def test_runs_not_measured_yet_are_named_beside_the_known_time():
    job = _job(2)
    job.run_planned(0, PLAN)
    assert job.snapshot().time_words() == ("Less than a minute left, plus 1 run not timed yet "
                                           "on this machine (each known after its first epoch).")


def test_the_running_run_uses_the_rates_then_its_own_epochs():
    run = RunState(index=0, spec=tiny(), status=RUNNING, plan=PLAN)
    started, _ = _apply_event(run, TrainingStarted(run_id="a" * 20, epochs=5, steps=44), 100.0)
    run = RunState(index=0, spec=tiny(), status=RUNNING, plan=PLAN, **started)
    half, _ = _apply_event(run, BatchEnded(epoch=0, epochs=5, batch=22, steps=44, loss=0.5), 101.0)
    run = RunState(**{**run.__dict__, **half})
    assert run.remaining_s == pytest.approx(4.5 * 4.5 + 2.0)  # rates: 4.5 epochs left
    ended, _ = _apply_event(run, EpochEnded(epoch=1, epochs=5), 112.0)  # 12 s (tracing)
    run = RunState(**{**run.__dict__, **ended})
    ended, _ = _apply_event(run, EpochEnded(epoch=2, epochs=5), 115.0)  # 3 s
    run = RunState(**{**run.__dict__, **ended})
    assert run.epoch_seconds == (12.0, 3.0)
    assert run.remaining_s == pytest.approx(3 * 3.0 + 2.0)  # its own 3 s epochs now


def test_a_budget_runs_time_left_is_at_most_what_is_left_of_its_budget():
    """A budget run plans every epoch its budget fits (and usually stops early): 40 planned
    epochs of 3 s would be 2 min more, but only 50 s of its 90 s budget are left."""
    import dataclasses
    import time

    spec = dataclasses.replace(tiny(), profile="budget", budget_s=90.0)
    run = RunState(index=0, spec=spec, status=RUNNING, started_at=time.time() - 40.0,
                   epochs=50, epoch=10, fraction=10 / 50 * 0.9, epoch_seconds=(3.0,) * 10)
    assert run.remaining_s == pytest.approx(50.0, abs=1.0)
    plain = dataclasses.replace(run, spec=tiny())
    assert plain.remaining_s > 100  # the same run without a budget: its own epochs' time


def test_a_queued_budget_run_counts_its_whole_budget():
    """A budget run is planned only when it starts, but its budget bounds it already."""
    import dataclasses

    budget = dataclasses.replace(tiny(), profile="budget", budget_s=600.0)
    job = Job([budget, tiny()], "t")
    job.run_planned(1, PLAN)
    snap = job.snapshot()
    assert snap.runs[0].remaining_s == 600.0 and snap.remaining.unknown_runs == 0
    assert snap.remaining.seconds == pytest.approx(600.0 + 24.5)
    assert snap.runs[0].time_words() == "about 10 min left"


def test_a_finished_job_says_how_long_it_took():
    job = _job(1)
    job.run_planned(0, PLAN)
    job.run_started(0)
    job.run_finished(0, "a" * 20, {"test_auc": 0.9})
    job.close()
    snap = job.snapshot()
    assert snap.took_s is not None and snap.took_s >= 0
    assert snap.time_words().startswith("Took ") and snap.time_words().endswith(" s.")
    assert snap.runs[0].time_words().startswith("took ")
    assert snap.runs[0].remaining_s == 0.0


def test_a_run_that_never_started_shows_no_time():
    job = _job(1)
    job.run_skipped(0)
    job.close()
    assert job.snapshot().runs[0].time_words() == ""
    assert job.snapshot().runs[0].status != QUEUED


def test_a_trained_runs_rates_time_the_next_job_of_the_same_run(trained_store, tmp_path):
    """The in-process backend remembers each trained run's real rates (``throughput.json``,
    keyed with its augmentation preset) and plans the next job's time from them."""
    from core.jobs.estimates import plan_run, remember_run_rates
    from tests.support.trained import DEMO_GRID

    spec = DEMO_GRID[0]
    stored = next(trained_store.get(r.run_id) for r in trained_store.list_runs().itertuples()
                  if (r.model, r.strategy) == (spec.model, spec.strategy))
    fresh = ResultsStore(tmp_path)
    assert plan_run(spec, fresh).rates is None  # nothing measured in this store yet
    remember_run_rates(stored, tmp_path)
    rates = plan_run(spec, fresh).rates
    assert rates.train == pytest.approx(stored.view.images_per_s)
    assert rates.predict == pytest.approx(stored.view.predict_images_per_s)


def test_a_trained_runs_fixed_seconds_make_the_next_estimate_come_out_at_its_time(
        trained_store, tmp_path):
    """Kept with its rates, a run's overhead (the seconds the job saw it take less what the
    plan counts at its own rates) replaces the one-size default, so the next estimate of the
    same run on this machine is its time."""
    import dataclasses

    from core.jobs.estimates import plan_run, remember_run_rates, run_overhead_s
    from core.store import RunRecord
    from core.training.eta import RUN_OVERHEAD_S
    from tests.support.trained import DEMO_GRID

    spec = DEMO_GRID[0]
    stored = next(trained_store.get(r.run_id) for r in trained_store.list_runs().itertuples()
                  if (r.model, r.strategy) == (spec.model, spec.strategy))
    view, fresh = stored.view, ResultsStore(tmp_path)
    planned = plan_run(spec, fresh)  # what the job runner plans before the run trains
    assert planned.images_per_epoch == view.data.images_per_epoch  # the engine's count
    remember_run_rates(stored, tmp_path, planned)  # no time seen: rates kept, no overhead
    assert plan_run(spec, fresh).overhead_s == RUN_OVERHEAD_S
    took = 60.0  # as if the job saw it take a minute (a tiny run's epochs count far less)
    remember_run_rates(stored, tmp_path, planned, took)
    again = plan_run(spec, fresh)
    assert again.overhead_s == pytest.approx(run_overhead_s(view, planned, took))
    assert 0 < again.overhead_s < took and again.overhead_s != RUN_OVERHEAD_S
    ran = dataclasses.replace(again, epochs=view.training.epochs_run)
    assert ran.total_s == pytest.approx(took)
    # a resumed run's time covers only its last attempt: no overhead from it
    record = view.as_dict()
    record["training"] = {**record["training"], "resumed_from_epoch": 1}
    assert run_overhead_s(RunRecord.from_dict(record), planned, took) is None
    assert run_overhead_s(view, None, took) is None and run_overhead_s(view, planned, None) is None


def test_a_resampled_run_is_planned_with_the_images_its_epochs_hold(tmp_path):
    """Oversampling adds minority images to every epoch and undersampling drops majority
    ones (the demo is ~1:3): the plan counts what the engine's epochs will hold."""
    from core.jobs.estimates import plan_run
    from core.training import RunSpec

    fresh = ResultsStore(tmp_path)  # the demo's whole training split: no max_train_images
    sizes = {s: plan_run(RunSpec("demo", "idc_initial", s), fresh).images_per_epoch
             for s in ("none", "class_weight", "oversample", "undersample")}
    assert sizes["undersample"] < sizes["none"] == sizes["class_weight"] < sizes["oversample"]


def test_a_run_the_store_holds_is_planned_as_found_there_not_trained(trained_store):
    """Queued behind others, a run already stored takes no time: its training time (or a
    budget run's whole budget) must not count in the job's time left."""
    from core.jobs.estimates import plan_run
    from tests.support.trained import DEMO_GRID

    plan = plan_run(DEMO_GRID[0], trained_store)
    assert plan.stored and plan.total_s == 0.0
    job = _job(1)
    job.run_planned(0, plan)
    assert job.snapshot().runs[0].time_words() == "less than a minute left"

