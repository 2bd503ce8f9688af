"""Home page: the first-run demo button trains in the background; a filled store is listed."""

from __future__ import annotations

import pandas as pd

from core.jobs import DEMO_GRID_ENV, DONE
from core.store import ResultsStore
from tests.pages_manage.conftest import button, open_page, texts


def test_first_run_button_trains_the_demo_in_the_background(app_env, runner, monkeypatch):
    monkeypatch.setenv(DEMO_GRID_ENV, "tiny")  # one short run instead of the full comparison
    at = open_page("pages/home.py")
    assert any("SYNTHETIC" in t for t in texts(at, "markdown"))
    assert not at.dataframe  # nothing stored: no runs table

    button(at, "Train the demo comparison").click().run()
    assert not at.exception, at.exception
    jobs = runner.jobs()
    assert len(jobs) == 1 and "SYNTHETIC" in jobs[0].label
    assert [r.spec.model for r in jobs[0].runs] == ["idc_initial"]
    assert not [b for b in at.button if b.label == "Train the demo comparison"], \
        "the button must not offer a second demo job while one runs"
    assert any("training in the background" in t for t in texts(at, "info"))
    assert at.get("progress"), "the job panel shows progress"
    assert any(" left" in t for t in texts(at, "caption")), "the job panel shows its time left"

    job = runner.get(jobs[0].id)
    assert job.wait(300), "the demo run did not finish"
    run = job.snapshot().runs[0]
    assert run.status == DONE
    assert ResultsStore(app_env["store"]).has(run.run_id)

    at.run()
    assert not at.exception, at.exception
    took = [t for t in texts(at, "caption") if t.startswith("Took ")]
    assert took and took[0].endswith(" s."), texts(at, "caption")  # the job's measured time
    table = at.dataframe[0].value
    assert list(table["run id"]) == [run.run_id]
    assert list(table["data"]) == ["SYNTHETIC"]
    assert at.metric[0].label == "Stored runs" and at.metric[0].value == "1"
    assert not [b for b in at.button if b.label == "Train the demo comparison"]


def test_home_lists_a_filled_store(trained_store, app_env, monkeypatch):
    monkeypatch.setenv("LESIONLAB_STORE", str(trained_store.root))
    at = open_page("pages/home.py")
    runs = trained_store.list_runs()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Stored runs"] == str(len(runs)) == "3"
    assert metrics["Datasets"] == "1" and metrics["Models"] == str(runs["model"].nunique())
    assert metrics["Devices"] == "cpu"
    table: pd.DataFrame = at.dataframe[0].value
    assert set(table["run id"]) == set(runs["run_id"])
    assert (table["data"] == "SYNTHETIC").all()
    expected = runs.set_index("run_id")["test_auc"]
    assert (table.set_index("run id")["test AUC"] == expected.reindex(table["run id"])).all()
    assert len(at.get("page_link")) == 6
    assert not [b for b in at.button if b.label == "Train the demo comparison"]
