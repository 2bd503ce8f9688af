"""Every page on a store that holds only imported runs (one predictions file, one Keras model):
no page fails, Compare evaluates both like trained runs, Explain offers the one with a model
and names the other in one sentence.
"""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest

from core.evaluation import RunEvaluation
from core.imports import import_model, import_predictions
from core.imports.target import load_target
from core.store import ResultsStore
from tests.dashboard.conftest import no_exception, open_page


@pytest.fixture(scope="module")
def imported_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("imported_pages")
    store = ResultsStore(folder / "store")
    target = load_target("demo")
    rows = target.dataset.table[target.splits.isin(["val", "test"])]
    p = np.clip(0.35 + 0.3 * rows["target"].to_numpy()
                + np.random.default_rng(1).normal(0, 0.2, len(rows)), 0, 1)
    pd.DataFrame({"sample_id": rows["sample_id"], "split": target.splits[rows.index],
                  "score": p}).to_csv(folder / "scores.csv", index=False)
    preds = import_predictions(folder / "scores.csv", "demo", "site_b_scores", store=store).run
    keras.utils.set_random_seed(0)
    image = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(2, 3, name="conv")(image)
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.GlobalAveragePooling2D()(x))
    keras.Model(image, out).save(folder / "m.keras")
    model = import_model(folder / "m.keras", "demo", "colleague", store=store).run
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
