"""A damaged store degrades, never crashes a page (real app through AppTest, real stores).

Two kinds of damage, each applied to a copy of the session's trained store:

* a run whose predictions were truncated after it was stored. Before the fix Compare and Errors
  showed a raw ``CorruptRunError`` traceback, and on the next rerun called the run "not in this
  store". Every page must now name the run as damaged with the fix and show the others.
* single bytes flipped inside ``index.sqlite``. Before, every page showed a traceback (and one
  flip made a phantom all-NULL row). The store rebuilds the index from the run folders, so every
  page lists exactly the stored runs.
"""

from __future__ import annotations

import shutil

import pytest

from core.store import ResultsStore
from dashboard.text import as_read
from tests.dashboard.conftest import chart_by_title, no_exception, open_page
from tests.store.test_index_damage import _cell_area, _runs_pages

FIX = "python -m core verify --delete-corrupt"


@pytest.fixture
def damaged(trained_store, tmp_path, monkeypatch):
    """A copy of the trained store whose idc_initial/class_weight run lost half its predictions
    (the index still says "ok": nothing has read the file since)."""
    root = tmp_path / "store"
    shutil.copytree(trained_store.root, root)
    store = ResultsStore(root)
    ids = {(r.model, r.strategy): r.run_id for r in store.list_runs().itertuples()}
    bad = ids[("idc_initial", "class_weight")]
    target = root / "runs" / bad / "predictions.parquet"
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    monkeypatch.setenv("LESIONLAB_STORE", str(root))
    return {"store": store, "ids": ids, "bad": bad, "good": [i for i in ids.values() if i != bad]}


def _said(at, kinds=("error", "warning", "info")) -> str:
    """Every message box on the page, as a reader sees it."""
    return "\n".join(as_read(e.value) for kind in kinds for e in getattr(at, kind))


def _tables(at) -> str:
    return "\n".join(df.value.to_string() for df in at.dataframe)


def test_compare_names_the_damaged_run_and_compares_the_others(damaged):
    ids = [damaged["bad"], *damaged["good"]]
    at = open_page("pages/compare.py", {"runs": ",".join(ids)})
    no_exception(at)
    shown = _said(at) + _tables(at)
    assert "is damaged: predictions.parquet has" in shown and FIX in shown
    at.session_state["view"] = "Curves"  # the ROC curves' tab
    at.run()
    roc = chart_by_title(at, "ROC curves")
    assert len([t for t in roc["data"] if t["meta"]["role"] == "curve"]) == 2

    at.run()  # the rerun the issue saw: the run is now flagged corrupt in the index
    no_exception(at)
    said = _said(at)
    assert "not in this store" not in said
    assert "1 stored run(s) are damaged and left out of this page" in said
    assert damaged["bad"] in said and FIX in said

    again = open_page("pages/compare.py", {"runs": ",".join(ids), "view": "Curves"})  # later
    no_exception(again)
    said = _said(again)
    assert "not in this store" not in said
    assert "1 run(s) in the link are damaged and left out" in said and FIX in said
    roc = chart_by_title(again, "ROC curves")
    assert len([t for t in roc["data"] if t["meta"]["role"] == "curve"]) == 2


def test_errors_names_the_damaged_run_and_the_others_still_work(damaged):
    at = open_page("pages/errors.py", {"run": damaged["bad"]})
    no_exception(at)
    said = _said(at)
    assert f"(run {damaged['bad']}) is damaged: predictions.parquet has" in said and FIX in said
    assert at.selectbox(key="errors.run") is not None  # the picker stays, to choose another
    other = open_page("pages/errors.py", {"run": damaged["good"][0]})
    no_exception(other)
    assert "misclassified at threshold" in other.subheader[0].value
    assert "1 stored run(s) are damaged and left out of this page" in _said(other)


def test_explain_names_the_damaged_run(damaged):
    """Linked with a test image (the Errors page's link): the image list comes from the damaged
    predictions; the run's threshold too."""
    at = open_page("pages/explain.py", {"run": damaged["bad"], "sample": "x.png"})
    no_exception(at)
    said = _said(at)
    assert "is damaged: predictions.parquet has" in said and FIX in said
    at.run()
    no_exception(at)
    said = _said(at)
    assert "not in the results store" not in said
    assert "The link names a damaged run" in said and damaged["bad"] in said


def test_weighting_names_the_damaged_strategy_run(damaged):
    at = open_page("pages/weighting.py", {"dataset": "demo", "model": "idc_initial"})
    no_exception(at)
    shown = _said(at) + _tables(at)
    assert "is damaged: predictions.parquet has" in shown and FIX in shown
    assert "could not be evaluated side by side" in shown


def test_home_lists_the_damaged_run_with_its_problem_once_verified(damaged):
    """Listing does not hash files (fast), so Home learns of damage from a read or from
    ``core verify``; then the run is listed with its problem, the fix, and the date."""
    from core.store.maintenance import verify_store

    verify_store(damaged["store"])
    at = open_page("pages/home.py")
    no_exception(at)
    said = _said(at)
    assert "1 stored run(s) are damaged" in said and damaged["bad"] in said and FIX in said
    table = next(df.value for df in at.dataframe if "run id" in df.value.columns)
    row = table.set_index("run id").loc[damaged["bad"]]
    assert row["status"] == "corrupt" and "predictions.parquet" in row["problem"]
    captions = " ".join(as_read(c.value) for c in at.caption)
    assert "last verified: " in captions and "(3 run(s): 2 ok, 1 corrupt)" in captions


def test_the_train_page_marks_a_damaged_run_of_the_grid(trained_store, tmp_path, monkeypatch):
    """The Train page's default grid (idc_initial, none, quick, demo) finds its run stored but
    damaged: it says so with the fix instead of "stored"."""
    from core.training import RunSpec, resolve
    from tests.store import factories as f

    store = ResultsStore(tmp_path / "store")
    resolved = resolve(RunSpec("demo", "idc_initial", "none"))
    record = {**f.record(), "class_names": list(resolved.dataset.class_names)}
    run = store.commit(resolved.run_id, resolved.identity, record, f.predictions(), f.history(),
                       None)
    (run.path / "predictions.parquet").write_bytes(b"PAR1")
    assert store.verify(run.run_id)
    monkeypatch.setenv("LESIONLAB_STORE", str(store.root))
    at = open_page("pages/train.py")
    no_exception(at)
    status = next(df.value for df in at.dataframe if "status" in df.value.columns)
    assert status["status"].tolist() == ["stored, damaged"]
    assert "predictions.parquet has 4 bytes" in status["note"].iloc[0]
    assert FIX in _said(at) and "stored but damaged" in _said(at)


@pytest.mark.parametrize("where", ["header", "records"])
def test_pages_survive_single_byte_damage_in_the_index(trained_store, tmp_path, monkeypatch,
                                                       where):
    root = tmp_path / "store"
    shutil.copytree(trained_store.root, root)
    expected = sorted(ResultsStore(root).list_runs()["run_id"])
    data = bytearray((root / "index.sqlite").read_bytes())
    # 18: the file header's write-version byte; or inside the first record of the runs table
    records = _cell_area(bytes(data), _runs_pages(root)[0])
    data[18 if where == "header" else records.start + 30] ^= 0xFF
    (root / "index.sqlite").write_bytes(bytes(data))
    monkeypatch.setenv("LESIONLAB_STORE", str(root))
    home = open_page("pages/home.py")
    no_exception(home)
    table = next(df.value for df in home.dataframe if "run id" in df.value.columns)
    assert sorted(table["run id"]) == expected and set(table["status"]) == {"ok"}
    compare = open_page("pages/compare.py", {"runs": ",".join(expected), "view": "Curves"})
    no_exception(compare)
    roc = chart_by_title(compare, "ROC curves")
    assert len([t for t in roc["data"] if t["meta"]["role"] == "curve"]) == 3


def test_a_diverged_run_is_recorded_failed_and_its_scratch_cleaned(tmp_path):
    """The real engine, a learning rate that makes the loss infinite in the first batch: the
    run fails, ``work/<id>/failed.json`` says why, and ``core verify --clean`` removes that
    scratch (an interrupted run's checkpoints, without such a record, are kept)."""
    import json

    from core.store.maintenance import FAILED_FILE, clean_store
    from core.training import RunSpec, TrainingFailed, train_run

    store = ResultsStore(tmp_path / "store")
    spec = RunSpec("demo", "idc_initial", "none", overrides={
        "epochs": 1, "max_train_images": 64, "batch_size": 32, "learning_rate": 1e38})
    with pytest.raises(TrainingFailed, match="NaN or infinite"):
        train_run(spec, store)
    (work,) = list(store.work_root.iterdir())
    record = json.loads((work / FAILED_FILE).read_text())
    assert record["error"].startswith("TrainingFailed: ") and record["failed_at"]
    interrupted = store.work_root / ("0" * 20)
    interrupted.mkdir()
    (interrupted / "history.csv").write_text("epoch,loss\n0,0.5\n")
    removed = {e.path for e in clean_store(store) if e.removed}
    assert removed == {work} and interrupted.is_dir() and store.list_runs().empty


def test_weighting_study_table_says_a_damaged_history(trained_store, tmp_path, monkeypatch):
    """Another file of another run: the history the study table reads for "Our Model"'s
    "Overfit" row (idc_own, none), while idc_initial's strategies compare as usual."""
    root = tmp_path / "store"
    shutil.copytree(trained_store.root, root)
    ids = {(r.model, r.strategy): r.run_id for r in ResultsStore(root).list_runs().itertuples()}
    own = ids[("idc_own", "none")]
    target = root / "runs" / own / "history.parquet"
    target.write_bytes(target.read_bytes()[:-10])
    monkeypatch.setenv("LESIONLAB_STORE", str(root))
    at = open_page("pages/weighting.py", {"dataset": "demo", "model": "idc_initial"})
    no_exception(at)
    study = next(df.value for df in at.dataframe if "Original Model" in df.value.columns)
    overfit = study.set_index("Metrics").loc["Overfit"]
    assert overfit["Our Model"].startswith("n/a (damaged: history.parquet has")
    assert overfit["Original Model"].split()[0] in ("Yes", "No")
    at.run()
    no_exception(at)
    said = _said(at)
    assert own in said and "history.parquet" in said and FIX in said
