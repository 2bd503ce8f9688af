"""Imported runs on another dataset: a predictions-only import is refused before anything is
read (it has no model to predict with); an imported Keras model is evaluated with its stored
model and its own preprocessing, and its overlap is "unknown (imported model)", never "none"."""

from __future__ import annotations

import numpy as np
import pytest

from core.cli import main
from core.datasets.images import decode_image, resize_for_model
from core.external import ExternalEvaluationError, evaluate_external, external_result, prepare
from core.external.overlap import FLAG_COLUMN, UNKNOWN_IMPORTED
from core.imports.target import load_target
from core.store.evaluations import EvaluationStore
from tests.external.sites import shifted_site
from tests.imports.stores import SIZE, imported_runs


@pytest.fixture(scope="module")
def imported(lesionlab_home, tmp_path_factory):
    """A store holding one predictions import and one Keras import (scale01), both of demo,
    and a second site to evaluate them on."""
    folder = tmp_path_factory.mktemp("imported_external")
    store, preds, run, model = imported_runs(folder, "scores_only", preprocessing="scale01")
    site = shifted_site(folder / "sites", name="site_imp")
    return store, preds, run, model, site


def test_imported_predictions_are_refused_with_the_reason(imported) -> None:
    store, preds, _, _, site = imported
    with pytest.raises(ExternalEvaluationError,
                       match="imported predictions have no model to predict the other dataset"):
        prepare(store, preds.run_id, site, split="all")
    with pytest.raises(ExternalEvaluationError, match="no model"):
        evaluate_external(store, preds.run_id, site, split="all")
    assert EvaluationStore(store.root).list_evaluations().empty


def test_an_imported_model_predicts_with_its_preprocessing_and_overlap_is_unknown(
        imported) -> None:
    store, _, run, model, site = imported
    stored = evaluate_external(store, run.run_id, site, split="all")
    record = stored.record
    assert record["label"] == f"trained on demo, tested on {site} · {UNKNOWN_IMPORTED}"
    assert record["overlap"]["known"] is False and record["overlap"]["exact"] is None
    assert record["overlapping"] is None and "(overlapping)" not in record["label"]
    pred = stored.predictions()
    external = pred[pred["split"] == "test"]
    assert len(external) == record["n_external"] == 160
    assert set(external[FLAG_COLUMN]) == {"unknown"}
    # the stored probabilities are the model's on [0, 1] inputs (its declared preprocessing)
    table = load_target(site).dataset.table.set_index("sample_id")
    some = external.head(4)
    x = np.stack([resize_for_model(decode_image(table.at[s, "path"]), SIZE)
                  for s in some["sample_id"]])
    np.testing.assert_allclose(some["prob_1"].to_numpy(),
                               model.predict(x / 255.0, verbose=0)[:, 0], atol=1e-4)
    result = external_result(stored, run, n_boot=20)
    assert not result.overlap_known and not result.overlapping
    assert result.excluding_overlap is None  # nothing can be said to be free of overlap


def test_the_cli_says_the_overlap_is_unknown(imported, monkeypatch, capsys) -> None:
    store, preds, run, _, site = imported
    monkeypatch.setenv("LESIONLAB_STORE", str(store.root))
    assert main(["evaluate", "--runs", run.run_id, "--on", site, "--split", "all"]) == 0
    out = capsys.readouterr().out
    assert f"training images: {UNKNOWN_IMPORTED}" in out and "0 exact" not in out
    assert main(["ls"]) == 0
    listed = capsys.readouterr().out
    assert "unknown" in listed and "None exact" not in listed
    assert main(["evaluate", "--runs", preds.run_id, "--on", site, "--split", "all"]) == 2
    assert "no model to predict the other dataset" in capsys.readouterr().err
