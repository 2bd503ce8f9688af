"""Every page on a store that holds only imported runs (one predictions file, one Keras model):
no page fails, Compare evaluates both like trained runs, Explain offers the one with a model
and names the other in one sentence.
"""

from __future__ import annotations

import pytest

from core.evaluation import RunEvaluation
from tests.dashboard.conftest import no_exception, open_page
from tests.imports.stores import imported_runs


@pytest.fixture(scope="module")
def imported_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("imported_pages")
    store, preds, model, _ = imported_runs(folder, "site_b_scores")
    mp = pytest.MonkeyPatch()
    mp.setenv("LESIONLAB_STORE", str(store.root))
    yield store, preds, model
    mp.undo()


@pytest.mark.parametrize("page", ["pages/home.py", "pages/weighting.py", "pages/errors.py"])
def test_pages_open_on_imported_runs(imported_store, page):
    no_exception(open_page(page))


def test_compare_evaluates_imported_runs_like_trained_ones(imported_store):
    store, preds, model = imported_store
    at = open_page("pages/compare.py", {"runs": f"{preds.run_id},{model.run_id}"})
    no_exception(at)
    table = next(df.value for df in at.dataframe if "tp" in df.value.columns)
    assert len(table) == 2
    expected = RunEvaluation.from_predictions(preds.predictions(), 1).auc.auc
    assert f"{expected:.3f}" in " ".join(table.astype(str).to_numpy().ravel())


def test_explain_offers_the_model_and_names_the_predictions(imported_store):
    _, preds, model = imported_store
    at = open_page("pages/explain.py")
    no_exception(at)
    chooser = at.multiselect(key="explain.runs")
    assert chooser.value == [model.run_id]
    assert len(chooser.options) == 1 and chooser.options[0].startswith("colleague on demo")
    (note,) = [i.value for i in at.info if i.value.startswith("Imported predictions")]
    assert "site" in note and "colleague" not in note


def test_explain_link_to_imported_predictions_says_there_is_no_model(imported_store):
    """A link from elsewhere (Errors, a colleague) naming the predictions run: Explain says it
    has no model, names the run id as plain text, and offers the run with a model instead."""
    _, preds, model = imported_store
    at = open_page("pages/explain.py", {"run": preds.run_id})
    no_exception(at)
    assert [w.value for w in at.warning if "no model" in w.value] == [
        "The link names imported predictions, which have no model to explain; choose a run "
        "with a model below."]
    assert f"run = {preds.run_id}" in [t.value for t in at.text]
    (offered,) = at.multiselect(key="explain.runs").options
    assert offered.startswith("colleague on demo") and model.run_id[:8] in offered
