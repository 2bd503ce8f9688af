"""The budget planner's choices on a fake throughput table (no TensorFlow: pure arithmetic)."""

from __future__ import annotations

import dataclasses

import pytest

from core.errors import LesionlabError
from core.training.budget import (
    AVERAGE_SPANS,
    MAX_PLANNED_EPOCHS,
    MIN_AVERAGED_UPDATES,
    MIN_EPOCHS,
    PLAN_FRACTION,
    BudgetError,
    Rates,
    Workload,
    expected_seconds,
    least_epochs,
    parse_budget,
    plan,
)
from core.training.budget_sizes import candidate_sizes, interpolate


def table(**train_rates: float) -> dict[int, Rates]:
    """Rates per size, prediction three times faster than training (as on a CPU)."""
    return {int(k[1:]): Rates(train=v, predict=3 * v, source="probe")
            for k, v in train_rates.items()}


WORK = Workload(n_train=1000, n_val=200, n_test=200, overhead_s=20.0)
RATES = table(s64=400.0, s96=180.0, s128=100.0, s224=30.0)


def test_a_generous_budget_buys_the_largest_size_with_all_images():
    chosen = plan(3600.0, WORK, RATES)
    assert chosen.input_size == 224 and chosen.train_images == 1000
    # 224 px: an epoch is 1000/30 + 200/90 = 35.6 s; (0.85*3600 - 20 - 400/90) / 35.6 = 85
    assert chosen.epochs == 85  # what the budget fits, not the recipe's own count (planner 4)
    assert chosen.expected_s <= 3600 * PLAN_FRACTION
    assert chosen.recipe_changes(1000)["max_train_images"] is None


def test_a_shorter_budget_steps_down_to_the_largest_size_that_fits_ten_epochs():
    chosen = plan(600.0, WORK, RATES)
    # usable 510 s - 20 s overhead - final predictions: at 224 px (35.6 s an epoch) 13 fit,
    # at least the 10 wanted, so 224 px is kept
    assert chosen.input_size == 224
    assert chosen.epochs == 13
    assert expected_seconds(WORK, RATES[224], chosen.epochs, 1000) <= 510
    # five minutes: usable 255 s; at 224 px only 6 epochs fit; at 128 px an epoch is
    # 1000/100 + 200/300 = 10.67 s and (255 - 20 - 400/300) / 10.67 = 21.9 -> 21 epochs
    shorter = plan(300.0, WORK, RATES)
    assert (shorter.input_size, shorter.epochs, shorter.train_images) == (128, 21, 1000)


def test_a_tight_budget_takes_the_smallest_size_and_fewer_images():
    chosen = plan(60.0, WORK, RATES)
    # 51 s usable: at 96 px an epoch is 1000/180 + 200/540 = 5.9 s, so only 5 fit; at 64 px
    # it is 1000/400 + 200/1200 = 2.67 s: (51 - 20 - 400/1200) / 2.67 = 11.5 -> 11 epochs
    assert chosen.input_size == 64 and chosen.train_images == 1000 and chosen.epochs == 11
    chosen = plan(45.0, WORK, RATES)
    assert chosen.input_size == 64 and chosen.epochs == MIN_EPOCHS
    assert 500 <= chosen.train_images < 1000
    assert chosen.expected_s <= 45.0 * PLAN_FRACTION + 1e-9
    assert chosen.recipe_changes(1000)["max_train_images"] == chosen.train_images


def test_a_users_image_cap_is_planned_and_said_as_the_cap_not_as_all_images():
    """``max_train_images`` = 600 of 1,000: the plan works on the 600 and its reason says they
    are the user's cap (before, it said "all 600 training images")."""
    capped = dataclasses.replace(WORK, n_train=600, in_split=1000)
    chosen = plan(3600.0, capped, RATES, fixed={"max_train_images": 600})
    assert chosen.train_images == 600 and chosen.input_size == 224
    assert chosen.recipe_changes(1000)["max_train_images"] == 600
    assert chosen.reasons[0].startswith(
        "the 600 training images asked for (max_train_images; 1000 in the split) at 224 px")
    # a tight budget takes fewer still, and says of how many
    tight = plan(42.0, capped, RATES, fixed={"max_train_images": 600})
    assert tight.train_images < 600 and "of the 600 training images asked for" in \
        tight.reasons[0]
    assert "all 1000 training images" in plan(3600.0, WORK, RATES).reasons[0]


def test_too_small_a_budget_is_refused_with_the_time_one_epoch_takes():
    with pytest.raises(BudgetError, match="cannot train even one epoch") as caught:
        plan(20.0, WORK, RATES)
    assert isinstance(caught.value, LesionlabError)


def test_early_stopping_patience_scales_with_epochs():
    assert plan(3600.0, WORK, RATES).early_stopping_patience == 21  # 85 epochs // 4
    assert plan(60.0, WORK, RATES).early_stopping_patience == 3


def test_sizes_respect_the_model_minimum_the_images_and_a_user_override():
    from models import REGISTRY

    # the useful minimum: the model's own, and two positions of its last map per side
    assert REGISTRY["idc_own"].useful_min_size == 8
    assert REGISTRY["mobilenet_v2"].useful_min_size == 64
    assert REGISTRY["efficientnet_b0"].useful_min_size == 64
    assert candidate_sizes(8) == (64, 96, 128, 160, 192, 224)
    assert candidate_sizes(94) == (96, 128, 160, 192, 224)
    assert candidate_sizes(8, native_side=28) == (28,)  # the images' own size, not 64 px
    assert candidate_sizes(64, native_side=28) == (64,)  # e.g. MobileNetV2: a 2x2 last map
    assert candidate_sizes(94, native_side=50) == (94,)
    assert candidate_sizes(8, native_side=150.4) == (64, 96, 128, 150)
    assert candidate_sizes(8, native_side=256) == (64, 96, 128, 160, 192, 224)
    assert candidate_sizes(248) == (248,)
    assert candidate_sizes(8, native_side=500, fixed=50) == (50,)


def test_interpolation_follows_the_measured_power_law():
    measured = table(s64=400.0, s256=25.0)  # rate ~ size**-2 exactly
    rates = interpolate(measured, (64, 128, 256))
    assert rates[128].train == pytest.approx(100.0)
    assert rates[128].source == "interpolated" and rates[64].source == "probe"
    one = interpolate(table(s64=400.0), (64, 128))
    assert one[128].train == pytest.approx(100.0)


@pytest.mark.parametrize("text, seconds", [("10m", 600), ("1h", 3600), ("90s", 90),
                                           ("2.5", 150), (" 30M ", 1800)])
def test_budgets_are_read_in_minutes_hours_or_seconds(text, seconds):
    assert parse_budget(text) == seconds


@pytest.mark.parametrize("text", ["", "ten", "-5m", "0", "nanm", "infm"])
def test_a_budget_that_is_not_a_positive_time_is_refused(text):
    with pytest.raises(BudgetError):
        parse_budget(text)


def test_an_epochs_override_is_planned_as_given_even_below_the_minimum():
    chosen = plan(3600.0, WORK, RATES, fixed={"epochs": 3})
    assert chosen.epochs == 3 and chosen.input_size == 224 and chosen.train_images == 1000
    # 34 s usable: at 96 px (34 - 20 - 0.74) / 5.93 = 2.2 epochs fit, fewer than the 3 asked;
    # at 64 px (34 - 20 - 0.33) / 2.67 = 5.1 do
    tight = plan(40.0, WORK, RATES, fixed={"epochs": 3})
    assert tight.epochs == 3 and tight.input_size == 64


def test_an_epochs_override_that_cannot_fit_is_refused_not_shortened():
    """The user's epochs are planned as given: when even 500 images at the smallest size do
    not fit them, the budget is refused with what it would need (planners 1-6 quietly trained
    fewer epochs)."""
    # 51 s usable at 64 px: 40 epochs leave (51 - 20 - 0.33) / 40 = 0.77 s an epoch, 240
    # images; 500 images need 20 + 40 * (500/400 + 200/1200) + 0.33 = 77 s: a 1.5 min budget
    with pytest.raises(BudgetError, match="cannot train the 40 epochs asked for") as caught:
        plan(60.0, WORK, RATES, fixed={"epochs": 40})
    assert "about 2 min" in str(caught.value)
    fitted = plan(60.0, WORK, RATES, fixed={"epochs": 20})  # 546 images an epoch fit
    assert fitted.epochs == 20 and 500 <= fitted.train_images < 1000


def test_time_spent_before_planning_is_planned_around_and_named_in_a_refusal():
    """What reading the images and measuring the speed took is gone from the budget: the plan
    fits the rest, keeps the budget asked for, and a refusal speaks of both."""
    later = plan(90.0, WORK, RATES, spent_s=30.0)
    now = plan(60.0, WORK, RATES)
    assert (later.input_size, later.epochs, later.train_images) == \
        (now.input_size, now.epochs, now.train_images)
    assert later.budget_s == 90.0
    with pytest.raises(BudgetError, match="cannot train even one epoch") as caught:
        plan(60.0, WORK, RATES, spent_s=42.0)
    assert "A budget of 1 min 00 s (18 s of it left after" in str(caught.value)


def test_a_small_dataset_buys_updates_before_pixels():
    """545 images at batch 32 make 18 updates an epoch: MIN_UPDATES (1000) needs 56 epochs,
    so the planner steps down from 224 px (13 epochs fit) to the largest size where 56 do."""
    small = Workload(n_train=545, n_val=78, n_test=156, overhead_s=10.0)
    assert least_epochs(545, 32) == 56
    chosen = plan(600.0, small, RATES, batch_size=32)
    # usable 510 - 10 - final (234/300 at 128 px): an epoch at 128 px is 545/100 + 78/300 =
    # 5.71 s -> 87 epochs fit; at 224 px 545/30 + 78/90 = 19.0 s -> 26 (< 56).
    assert chosen.input_size == 128 and chosen.train_images == 545
    assert chosen.epochs == 87  # all that fit: at least the 56 the updates need


def test_large_dataset_min_epochs_binds_not_updates():
    assert least_epochs(10_000, 32) == MIN_EPOCHS
    assert least_epochs(545, None) == MIN_EPOCHS


def test_too_few_updates_anywhere_keeps_all_images_at_the_smallest_size():
    small = Workload(n_train=545, n_val=78, n_test=156, overhead_s=10.0)
    chosen = plan(60.0, small, RATES, batch_size=32)
    # usable 51 - 10 - 234/1200: at 64 px an epoch is 545/400 + 78/1200 = 1.43 s -> 28 epochs
    assert chosen.input_size == 64 and chosen.train_images == 545
    assert MIN_EPOCHS <= chosen.epochs == 28 < least_epochs(545, 32)
    assert "weaker model" in chosen.reasons[0]


def test_watching_the_validation_auc_costs_a_second_validation_pass_per_epoch():
    """monitor="val_auc" predicts the validation images twice per epoch (Keras' own pass and
    core.training.val_auc's), and the time model counts it; the plan says what it watches."""
    auc = dataclasses.replace(WORK, monitor="val_auc")
    rate = RATES[96]
    assert expected_seconds(auc, rate, 10, WORK.n_train) - expected_seconds(
        WORK, rate, 10, WORK.n_train) == pytest.approx(10 * WORK.n_val / rate.predict)
    chosen = plan(1800, auc, RATES)
    assert chosen.monitor == "val_auc" and chosen.recipe_changes(WORK.n_train)["monitor"] == \
        "val_auc"
    assert any("early stopping on validation AUC" in why for why in chosen.reasons)
    assert plan(1800, WORK, RATES).monitor == "val_loss"


def test_a_plateau_on_the_validation_auc_costs_the_same_second_pass():
    assert dataclasses.replace(WORK, plateau_auc=True).val_per_epoch == 2 * WORK.n_val
    assert WORK.val_per_epoch == WORK.n_val


def test_weights_are_averaged_over_a_hundred_steps_or_one_epoch_whichever_is_longer():
    """545 images at batch 32 are 18 steps an epoch: the window is MIN_AVERAGED_UPDATES
    (momentum 0.99); 10,000 images are 313 steps an epoch, which become the window."""
    small = Workload(n_train=545, n_val=78, n_test=156, overhead_s=10.0)
    chosen = plan(600.0, small, RATES, batch_size=32)
    assert MIN_AVERAGED_UPDATES == 100 and chosen.ema_momentum == pytest.approx(0.99)
    assert chosen.recipe_changes(545)["ema_momentum"] == chosen.ema_momentum
    assert any("weights and BatchNorm statistics averaged over the last ~100 optimizer steps"
               in why for why in chosen.reasons)
    large = Workload(n_train=10_000, n_val=1000, n_test=1000, overhead_s=10.0)
    chosen = plan(36_000.0, large, RATES, batch_size=32)
    assert chosen.ema_momentum == pytest.approx(1 - 1 / 313, abs=1e-6)


def test_runs_too_short_to_average_and_users_who_chose_are_left_alone():
    # 3 epochs of 32 steps are 96 updates, fewer than AVERAGE_SPANS windows of 100
    short = plan(3600.0, WORK, RATES, fixed={"epochs": 3}, batch_size=32)
    assert 3 * 32 < AVERAGE_SPANS * MIN_AVERAGED_UPDATES
    assert short.ema_momentum is None and "ema_momentum" not in short.recipe_changes(1000)
    for field in ("ema_momentum", "batchnorm_momentum"):  # the recipe holds the user's value
        mine = plan(3600.0, WORK, RATES, batch_size=32, fixed={field: 0.9})
        changes = mine.recipe_changes(1000)
        assert mine.ema_momentum is None and field not in changes
        assert "ema_momentum" not in changes and "batchnorm_momentum" not in changes
    averaged = plan(3600.0, WORK, RATES, batch_size=32)
    # BatchNorm's statistics follow the same window as the averaged weights
    assert averaged.recipe_changes(1000)["batchnorm_momentum"] == averaged.ema_momentum


def test_a_users_patience_is_kept_and_said():
    chosen = plan(3600.0, WORK, RATES, batch_size=32, fixed={"early_stopping_patience": 7})
    assert chosen.early_stopping_patience == 7
    assert chosen.recipe_changes(1000)["early_stopping_patience"] == 7
    assert any("after 7 epochs without improvement" in why for why in chosen.reasons)


def test_resampling_counts_the_epoch_the_pipeline_makes_not_the_distinct_images():
    """Undersampling to a fifth of the images makes each epoch a fifth as long: five times the
    epochs fit, an epoch makes a fifth of the updates, and the average's window counts those."""
    under = dataclasses.replace(WORK, epoch_factor=0.2)
    assert under.epoch_images(1000) == 200
    rate = RATES[224]
    assert expected_seconds(under, rate, 10, 1000) == pytest.approx(
        expected_seconds(WORK, rate, 10, 200))
    plain, small = plan(600.0, WORK, RATES, batch_size=32), plan(600.0, under, RATES,
                                                                batch_size=32)
    assert small.epochs > 3 * plain.epochs
    # 200 images an epoch at batch 32 are 7 steps: at least 1000 updates need 143 epochs
    assert least_epochs(200, 32) == 143 and small.epochs >= 143
    assert small.ema_momentum == pytest.approx(0.99)  # window 100 steps, not 32 (1000 / 32)


def test_a_long_budget_on_a_tiny_dataset_plans_at_most_the_epoch_cap():
    tiny = Workload(n_train=40, n_val=10, n_test=10, overhead_s=1.0)
    chosen = plan(36_000.0, tiny, RATES, batch_size=8)
    assert chosen.epochs == MAX_PLANNED_EPOCHS
    assert chosen.early_stopping_patience == MAX_PLANNED_EPOCHS // 4


def test_early_stopping_lets_the_first_thousand_updates_pass_at_most_half_the_plan():
    """Planner 6: before MIN_UPDATES updates validation judges the initialisation; a lucky
    early epoch must not set the bar. 1000 images at batch 32 are 32 updates an epoch, so
    the first 32 epochs (1,024 updates) pass unjudged; a plan of fewer than 64 epochs waits
    half of them; a user's value is kept."""
    work = dataclasses.replace(WORK, monitor="val_auc")
    long = plan(3600.0, work, table(s64=2000.0), batch_size=32)
    assert long.epochs > 64 and long.early_stopping_start == least_epochs(1000, 32) == 32
    assert long.recipe_changes(1000)["early_stopping_start"] == 32
    assert any("validation AUC from epoch 33 after" in why for why in long.reasons)
    short = plan(600.0, work, RATES, batch_size=32)
    assert short.early_stopping_start == short.epochs // 2 < 32
    kept = plan(3600.0, work, table(s64=2000.0), batch_size=32,
                fixed={"early_stopping_start": 0})
    assert kept.early_stopping_start == 0 and kept.recipe_changes(1000)[
        "early_stopping_start"] is None
