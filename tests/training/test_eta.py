"""Time left and time taken (core.training.eta), against numbers worked out by hand.

The demo-like plan used throughout: 1400 training images per epoch, 300 validation and 300
test images, 5 epochs, remembered from earlier runs at 400 images/s training (training steps
alone: a run's epoch clock stops when validation begins) and 300 images/s predicting. By hand:
one epoch = 1400/400 + 300/300 = 4.5 s; the final predictions = 600/300 = 2 s; the whole run =
5 * 4.5 + 2 = 24.5 s.
"""

from __future__ import annotations

import pytest

from core.training.budget import Rates
from core.training.eta import (RUN_OVERHEAD_S, JobRemaining, RunPlan, about, job_remaining,
                               newest_overhead_s, newest_rates, overhead_of,
                               overhead_or_default, run_remaining_s, took, typical_epoch_s)

RATES = Rates(train=400.0, predict=300.0, source="earlier runs")
PLAN = RunPlan(images_per_epoch=1400, epochs=5, n_val=300, n_test=300, rates=RATES)


def test_a_planned_run_at_measured_rates():
    assert PLAN.epoch_s == pytest.approx(4.5)
    assert PLAN.final_s == pytest.approx(2.0)
    assert PLAN.total_s == pytest.approx(24.5)
    with_overhead = RunPlan(1400, 5, 300, 300, RATES, overhead_s=8.0)
    assert with_overhead.total_s == pytest.approx(32.5)


def test_a_probed_rate_adds_validation_to_the_epoch_too():
    # a probe times training steps alone, as a run's rate does: 1400/400 + 300/300 = 4.5 s
    probed = RunPlan(1400, 5, 300, 300, Rates(train=400.0, predict=300.0, source="probe"))
    assert probed.epoch_s == pytest.approx(4.5)
    assert probed.total_s == pytest.approx(5 * 4.5 + 2.0)


def test_an_unmeasured_plan_has_no_time():
    plan = RunPlan(images_per_epoch=1400, epochs=5, n_val=300, n_test=300)
    assert plan.epoch_s is None and plan.total_s is None and plan.final_s == 0.0
    assert run_remaining_s(plan, epochs_done=1) is None
    assert run_remaining_s(None, epochs_done=0) is None


def test_before_the_first_epoch_the_rates_give_the_time_left():
    # half-way through epoch 3: 2.5 epochs left * 4.5 s + 2 s of predictions
    assert run_remaining_s(PLAN, epochs_done=2.5) == pytest.approx(13.25)
    assert run_remaining_s(PLAN, epochs_done=5) == pytest.approx(2.0)  # predicting


def test_after_an_epoch_the_runs_own_epochs_replace_the_rates():
    # first epoch 12 s (graph tracing), then 3 and 5: an epoch to come takes 4 s;
    # 2 epochs left * 4 s + 2 s of predictions at the measured predict rate
    assert typical_epoch_s([12.0, 3.0, 5.0]) == pytest.approx(4.0)
    assert typical_epoch_s([12.0]) == pytest.approx(12.0)
    assert typical_epoch_s([]) is None
    assert run_remaining_s(PLAN, epochs_done=3, epoch_seconds=(12.0, 3.0, 5.0)) \
        == pytest.approx(10.0)
    # no plan at all (a budget run): its own first epoch of 6 s, 3 of 4 epochs left
    assert run_remaining_s(None, epochs_done=1, epoch_seconds=(6.0,), epochs=4) \
        == pytest.approx(18.0)


def test_a_job_sums_its_known_runs_and_counts_the_unknown():
    assert job_remaining([10.0, None, 5.0]) == JobRemaining(seconds=15.0, unknown_runs=1)
    assert job_remaining([]) == JobRemaining(seconds=0.0, unknown_runs=0)


@pytest.mark.parametrize("seconds, words", [
    (0, "less than a minute"), (59, "less than a minute"), (60, "about 1 min"),
    (61, "about 2 min"), (19.5 * 20, "about 7 min")])
def test_time_left_in_words_rounds_up_to_minutes(seconds, words):
    assert about(seconds) == words


@pytest.mark.parametrize("seconds, words", [
    (42.4, "42 s"), (59.6, "1 min 00 s"), (185, "3 min 05 s"), (3725, "1 h 02 min")])
def test_time_taken_in_words(seconds, words):
    assert took(seconds) == words


def test_the_newest_measurement_of_a_model_size_and_batch_wins():
    table = {
        "cpu:x86_64x2r1|idc_initial|50|32|tf2.19": {"train": 100, "predict": 90, "at": 1.0},
        "cpu:x86_64x2r1|idc_initial|50|32|tf2.20": {"train": 400, "predict": 300, "at": 2.0},
        "cpu:x86_64x2r1|idc_initial|50|64|tf2.20": {"train": 999, "predict": 999, "at": 3.0},
        "cpu:x86_64x2r1|idc_own|50|32|tf2.20": {"train": 999, "predict": 999, "at": 3.0},
        "gpu:H100x1r1|idc_initial|50|32|tf2.20": {"train": "fast", "at": 9.0},  # damaged
    }
    assert newest_rates(table, "idc_initial", 50, 32) == RATES
    assert newest_rates(table, "idc_initial", 64, 32) is None
    assert newest_rates({}, "idc_initial", 50, 32) is None


def test_rates_measured_with_the_same_augmentation_win_over_newer_ones_without():
    table = {
        "cpu:x|idc_own|64|32|tf2.20|aug=light": {"train": 400, "predict": 300, "at": 1.0},
        "cpu:x|idc_own|64|32|tf2.20|aug=histology": {"train": 50, "predict": 300, "at": 2.0},
        "cpu:x|idc_own|64|32|tf2.20": {"train": 70, "predict": 300, "at": 3.0},  # older format
    }
    assert newest_rates(table, "idc_own", 64, 32, "light").train == 400
    assert newest_rates(table, "idc_own", 64, 32, "histology").train == 50
    assert newest_rates(table, "idc_own", 64, 32, "none").train == 70  # none: the newest
    assert newest_rates(table, "idc_own", 64, 32).train == 70


def test_a_recipe_watching_the_validation_auc_predicts_the_val_images_twice_per_epoch():
    import dataclasses

    twice = dataclasses.replace(PLAN, val_passes=2)
    assert twice.epoch_s - PLAN.epoch_s == pytest.approx(PLAN.n_val / PLAN.rates.predict)


def test_a_runs_overhead_is_its_wall_time_less_what_the_plan_counts():
    # by hand: 3 epochs that ran (not the 5 planned) of 1400/700 + 300/600 = 2.5 s, then
    # (300 + 300)/600 = 1 s of final predictions: 8.5 s counted; the run took 20 s. The
    # plan's own overhead (16 s here) is what is being measured, so it is not counted.
    own = Rates(train=700.0, predict=600.0, source="this run")
    planned = RunPlan(1400, 5, 300, 300, RATES, overhead_s=16.0)
    assert overhead_of(planned, wall_s=20.0, epochs_run=3, rates=own) == pytest.approx(11.5)
    # the next plan of the same run, with that overhead, comes out at the run's time
    again = RunPlan(1400, 3, 300, 300, own, overhead_s=11.5)
    assert again.total_s == pytest.approx(20.0)
    # never negative: a run faster than its own rates say is no negative cost
    assert overhead_of(planned, wall_s=5.0, epochs_run=3, rates=own) == 0.0


def test_a_kept_overhead_is_read_from_the_entry_newest_rates_chose_and_for_its_sizes_only():
    sizes = [1400, 300, 300]
    table = {
        "cpu:x|idc_own|64|32|tf2.20|aug=light": {"train": 90, "predict": 90, "at": 1.0,
                                                 "overhead_s": 30.0, "overhead_sizes": sizes},
        "cpu:x|idc_own|64|32|tf2.21|aug=light": {"train": 400, "predict": 300, "at": 2.0,
                                                 "overhead_s": 6.5, "overhead_sizes": sizes},
        "cpu:x|idc_own|64|32|tf2.21|aug=none": {"train": 400, "predict": 300, "at": 9.0,
                                                "overhead_s": 1.0, "overhead_sizes": sizes},
        "cpu:x|idc_own|50|32|tf2.21|aug=light": {"train": 400, "predict": 300, "at": 3.0},
        "cpu:x|idc_own|96|32|tf2.21|aug=light": {"train": 400, "predict": 300, "at": 3.0,
                                                 "overhead_s": "slow", "overhead_sizes": sizes},
    }
    # the newest entry of the same augmentation, not the first listed nor the newest of all
    assert newest_overhead_s(table, "idc_own", 64, 32, "light", sizes=sizes) == 6.5
    assert newest_overhead_s(table, "idc_own", 64, 32, "none", sizes=sizes) == 1.0
    # measured on a run of other sizes (another dataset): not this run's
    assert newest_overhead_s(table, "idc_own", 64, 32, "light", sizes=[96, 300, 300]) is None
    assert newest_overhead_s(table, "idc_own", 50, 32, "light", sizes=sizes) is None  # none
    assert newest_overhead_s(table, "idc_own", 96, 32, "light", sizes=sizes) is None  # damaged
    assert newest_rates(table, "idc_own", 96, 32, "light").train == 400  # rates still count
    assert overhead_or_default(None) == RUN_OVERHEAD_S and overhead_or_default(0.0) == 0.0


def test_a_run_that_cannot_measure_its_overhead_leaves_the_kept_one(tmp_path):
    from core.training.throughput import remember, remembered_overhead_s

    where = (tmp_path, "cpu:x", "idc_own", 50, 32, "histology")
    remember(*where, 400.0, 300.0, (4.0, [1400, 300, 300]))
    remember(*where, 410.0, 310.0)  # e.g. a resumed run: rates only
    assert remembered_overhead_s(*where, [1400, 300, 300]) == 4.0
    remember(*where, 420.0, 320.0, (9.0, [96, 300, 300]))  # another dataset's run
    assert remembered_overhead_s(*where, [1400, 300, 300]) is None
    assert remembered_overhead_s(*where, [96, 300, 300]) == 9.0
