"""The Home page's promise of the demo's time comes from measured rates, never a guess: this
machine's (``throughput.json``) when it has them, else the measured constants in presets."""

from __future__ import annotations

import pytest

from core.jobs.presets import (DEMO_OVERRIDES, DEMO_SPLIT, MEASURED_OVERHEAD_S,
                               MEASURED_RATES, START_S, demo_estimate, demo_grid)
from core.training.eta import RUN_OVERHEAD_S
from core.training.throughput import remember
from tests.pages_manage.conftest import open_page, texts


def _measure_everything_at(store, train: float, predict: float,
                           overhead_s: float | None = None) -> None:
    """This machine's rates for every demo model at its demo size (batch 32), and the runs'
    fixed seconds when given."""
    from models.registry import get_entry

    for model, overrides in DEMO_OVERRIDES.items():
        recipe = get_entry(model).recipe("quick", overrides)
        sizes = [DEMO_SPLIT["train"], DEMO_SPLIT["val"], DEMO_SPLIT["test"]]
        remember(store, "cpu:testx2r1", model, recipe.input_size, recipe.batch_size,
                 recipe.augmentation, train, predict,
                 None if overhead_s is None else (overhead_s, sizes))


def test_the_estimate_follows_throughput_json(tmp_path):
    fallback = demo_estimate(tmp_path)  # nothing measured here yet
    assert fallback == demo_estimate(None) and fallback.source.endswith("2026-12-04")
    _measure_everything_at(tmp_path, train=200.0, predict=300.0)
    own = demo_estimate(tmp_path)
    # By hand, per run: the default overhead (these entries kept none) + 5 epochs of
    # (1400 images / 200 + 300 val / 300) = 40 s + (300 + 300) / 300 = 2 s of final predictions.
    run = RUN_OVERHEAD_S + 40 + 2
    assert own.source == "on this machine by its earlier runs" and own.runs == 6
    assert own.first_s == pytest.approx(START_S + run)
    assert own.total_s == pytest.approx(START_S + 6 * run)
    assert own != fallback
    _measure_everything_at(tmp_path, train=200.0, predict=300.0, overhead_s=3.0)
    kept = demo_estimate(tmp_path)  # the runs' own fixed seconds replace the default
    assert kept.total_s == pytest.approx(START_S + 6 * (3.0 + 40 + 2))
    _measure_everything_at(tmp_path, train=200.0, predict=300.0)  # rates only: kept stays
    assert demo_estimate(tmp_path).total_s == pytest.approx(kept.total_s)


def test_the_measured_fallback_is_what_the_constants_say():
    rates = MEASURED_RATES["idc_initial"]
    idc = (MEASURED_OVERHEAD_S["idc_initial"]
           + 5 * (DEMO_SPLIT["train"] / rates.train + DEMO_SPLIT["val"] / rates.predict)
           + (DEMO_SPLIT["val"] + DEMO_SPLIT["test"]) / rates.predict)
    assert demo_estimate(None).first_s == pytest.approx(START_S + idc)
    assert demo_grid()[0].model == "idc_initial"  # the cheapest by the same measurement


def test_home_promises_what_the_measurements_say(app_env):
    at = open_page("pages/home.py")
    before = demo_estimate(app_env["store"]).words()
    assert any(before in t for t in texts(at, "markdown")), texts(at, "markdown")
    _measure_everything_at(app_env["store"], train=200.0, predict=300.0)
    at.run()
    assert not at.exception, at.exception
    after = demo_estimate(app_env["store"]).words()
    assert after != before and "on this machine by its earlier runs" in after
    assert any(after in t for t in texts(at, "markdown")), texts(at, "markdown")
