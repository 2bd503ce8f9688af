"""Train page: the grid says what is stored, a launch trains in the background with visible
progress, the panel's Cancel stops a run, and runs that cannot start say why."""

from __future__ import annotations

import threading

from core.jobs import CANCELLED, DONE
from core.store import ResultsStore
from tests.pages_manage.conftest import button, open_page, texts


class PauseAtFirstBatch:
    """A job listener that holds the training thread at run ``index``'s first batch event
    until the test has looked at the page (so "progress shows" is not a race)."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.reached = threading.Event()
        self.release = threading.Event()

    def __call__(self, index: int, event: dict) -> None:
        if index == self.index and event.kind == "batch" and not self.reached.is_set():
            self.reached.set()
            self.release.wait(120)  # never hang a test run for good


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_launch_shows_progress_stores_runs_and_cancel_stops_one(app_env, runner):
    at = open_page("pages/train.py")
    at.multiselect(key="train_strategies").set_value(["none", "class_weight"])
    at.number_input(key="train_epochs").set_value(1).run()
    assert not at.exception, at.exception
    assert _metrics(at) == {"Runs in the grid": "2", "Stored already": "0", "To train": "2",
                            "Cannot run": "0"}

    button(at, "Train 2 runs in the background").click().run()
    assert not at.exception, at.exception
    (snap,) = runner.jobs()
    job = runner.get(snap.id)
    first, second = PauseAtFirstBatch(0), PauseAtFirstBatch(1)
    job.subscribe(first)
    job.subscribe(second)

    assert first.reached.wait(300), "the first run never started training"
    at.run()  # the page while run 1 is held at its first batch
    assert not at.exception, at.exception
    assert any(t.startswith("Now: idc_initial on demo [none") for t in texts(at, "text"))
    bars = at.get("progress")
    assert any("epoch 1/1 · batch 1/" in p.text.replace("\\", "") for p in bars)
    assert any(0 < p.value < 100 for p in bars)
    assert [b for b in at.button if b.label == "Cancel"]
    first.release.set()

    assert second.reached.wait(300), "the second run never started training"
    at.run()
    button(at, "Cancel").click().run()  # the panel's button, while run 2 trains
    assert not at.exception, at.exception
    second.release.set()
    assert job.wait(300)
    done, cancelled = job.snapshot().runs
    assert done.status == DONE and cancelled.status == CANCELLED
    store = ResultsStore(app_env["store"])
    assert store.has(done.run_id) and len(store.list_runs()) == 1

    at.run()
    assert not at.exception, at.exception
    assert _metrics(at)["Stored already"] == "1" and _metrics(at)["To train"] == "1"
    panel = next(d.value for d in at.dataframe if "progress" in d.value.columns)
    assert panel["status"].tolist() == ["trained", "cancelled"]
    assert panel["run id"].tolist()[0] == done.run_id


def test_runs_that_cannot_start_say_why_and_paper_on_cpu_warns(app_env):
    at = open_page("pages/train.py")
    at.radio(key="train_weights").set_value("a local file").run()
    at.text_input(key="train_weights_path").input("/nowhere/model.weights.h5").run()
    assert not at.exception, at.exception
    assert _metrics(at)["Cannot run"] == "1"
    errors = texts(at, "error")
    assert len(errors) == 1 and "Weights file /nowhere/model.weights.h5 does not exist" in errors[0]
    assert button(at, "Train 0 runs in the background").disabled

    at.radio(key="train_weights").set_value("imagenet")
    at.radio(key="train_profile").set_value("paper").run()
    assert any("falls back" in t or "fails within seconds" in t for t in texts(at, "info"))
    from dashboard.jobs.grid import has_gpu

    if not has_gpu():
        (warning,) = texts(at, "warning")
        assert warning.startswith("Paper profile without a GPU")


def test_train_page_on_a_filled_store(trained_store, app_env, monkeypatch):
    monkeypatch.setenv("LESIONLAB_STORE", str(trained_store.root))
    at = open_page("pages/train.py")
    assert _metrics(at)["Runs in the grid"] == "1"
    assert any("No training job" in t for t in texts(at, "caption"))
