"""Run details of imported runs: the import section (file, sha256, kind, split, rows) in place
of training rows, which an imported run does not have (they read "None px", "None of None")."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest

from core.imports import import_model, import_predictions
from core.imports.target import load_target
from core.store import ResultsStore, RunRecord
from dashboard.details import details_table, run_facts
from dashboard.evaluations import Selection

TRAINING_ROWS = ("weights", "imbalance strategy", "recipe", "epochs run", "device",
                 "wall time", "training speed", "peak memory", "files left out (unreadable)",
                 "identical images")


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("import_details")
    store = ResultsStore(folder / "store")
    target = load_target("demo")
    rows = target.dataset.table[target.splits.isin(["val", "test"])]
    p = 0.2 + 0.6 * rows["target"].to_numpy()
    pd.DataFrame({"sample_id": rows["sample_id"], "split": target.splits[rows.index],
                  "score": p}).to_csv(folder / "site b.csv", index=False)
    preds = import_predictions(folder / "site b.csv", "demo", "site_b", store=store).run
    keras.utils.set_random_seed(0)
    image = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(2, 3, name="conv")(image)
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.GlobalAveragePooling2D()(x))
    keras.Model(image, out).save(folder / "m.keras")
    model = import_model(folder / "m.keras", "demo", "colleague", store=store).run
    return preds, model, len(rows)


def test_imported_predictions_show_the_import_and_no_training(imported):
    preds, _, n_rows = imported
    facts = run_facts(RunRecord.from_dict(preds.record))
    sha = preds.record["import"]["sha256"]
    assert facts["imported file"] == "site b.csv"
    assert facts["file sha256"] == f"{sha[:16]}…"
    assert facts["import kind"] == "imported predictions"
    assert facts["imported split"] == "Lesionlab's split of the dataset"
    assert facts["rows imported"] == f"{n_rows:,}"
    assert not set(TRAINING_ROWS) & set(facts) and "input size" not in facts
    assert not any("None" in str(v) for v in facts.values()), facts


def test_an_imported_model_shows_its_input_size_and_the_table_mixes_runs(imported):
    preds, model, _ = imported
    facts = run_facts(RunRecord.from_dict(model.record))
    assert facts["input size"] == "16 px" and facts["import kind"] == "imported Keras model"
    assert facts["imported file"] == "m.keras" and facts["parameters"] == "59"  # 3·3·3·2+2, 2+1
    records = {r.run_id: r.record for r in (preds, model)}
    sel = Selection(ids=list(records), names={k: k[:8] for k in records},
                    colours=dict.fromkeys(records, "#000"), records=records)
    table = details_table(sel)
    assert not set(TRAINING_ROWS) & set(table.index)
    assert table.loc["input size"].isna().tolist() == [True, False]  # shown as '–'
    assert table.loc["imported file"].tolist() == ["site b.csv", "m.keras"]
