"""Bring your own predictions: every broken rule is one message naming the first bad row, and
nothing is stored; a good file is stored once, as an imported run readers can evaluate.

The files are written here as text from the demo dataset's real split (split seed 0), so each
test breaks exactly one thing in an otherwise valid file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.imports import SUM_TOLERANCE, ImportRejected, import_predictions, stores_model
from core.imports.target import load_target
from core.store import ResultsStore


@pytest.fixture(scope="module")
def target():
    return load_target("demo", split_seed=0)


@pytest.fixture(scope="module")
def good(target) -> pd.DataFrame:
    """A valid file's rows as text: val and test images, P(malignant) from the label."""
    table, splits = target.dataset.table, target.splits
    rows = table[splits.isin(["val", "test"])]
    rng = np.random.default_rng(0)
    p = np.clip(0.3 * rows["target"].to_numpy() + 0.7 * rng.random(len(rows)), 0.0, 1.0)
    negative, positive = target.dataset.class_names
    return pd.DataFrame({"sample_id": rows["sample_id"].to_numpy(),
                         "split": splits[rows.index].to_numpy(),
                         negative: [repr(float(1.0 - v)) for v in p],
                         positive: [repr(float(v)) for v in p]}).astype(str)


def write(frame: pd.DataFrame, tmp_path, name="preds.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def rejected(path, tmp_path, **kwargs) -> str:
    store = ResultsStore(tmp_path / "store")
    with pytest.raises(ImportRejected) as caught:
        import_predictions(path, "demo", "elsewhere", store=store, **kwargs)
    assert store.list_runs().empty  # nothing stored
    assert not list((tmp_path / "store" / "runs").iterdir())
    return str(caught.value)


def broken(good: pd.DataFrame, rows: list[int], column: str, value: str) -> pd.DataFrame:
    bad = good.copy()
    for row in rows:
        bad.loc[row, column] = value
    return bad


# --- one bad-input case each: the first bad row (1-based, after the header) is named ----------

def test_unknown_sample_id_names_the_first_bad_row(good, tmp_path):
    message = rejected(write(broken(good, [6, 2], "sample_id", "no/such.png"), tmp_path),
                       tmp_path)
    assert message.startswith("Row 3 of preds.csv (sample_id 'no/such.png'): sample_id "
                              "'no/such.png' is not an image of dataset 'demo'")
    assert "Nothing was stored" in message


def test_split_mismatch_names_the_row_and_both_splits(good, tmp_path):
    bad = good.copy()
    i = int(np.flatnonzero(bad["split"] == "val")[4])
    bad.loc[i, "split"] = "test"
    message = rejected(write(bad, tmp_path), tmp_path)
    assert message.startswith(f"Row {i + 1} of preds.csv (sample_id {bad.loc[i, 'sample_id']!r})")
    assert "is in the val split of dataset 'demo' (split seed 0), the file says test" in message
    assert "--own-split" in message


def test_a_train_image_is_refused(good, target, tmp_path):
    train_id = target.dataset.table["sample_id"][target.splits == "train"].iloc[0]
    bad = good.copy()
    bad.loc[1, "sample_id"] = train_id  # say it is val: Lesionlab's split says train
    message = rejected(write(bad, tmp_path), tmp_path)
    assert message.startswith(f"Row 2 of preds.csv (sample_id {train_id!r}): image {train_id!r} "
                              "is in the train split")


def test_probability_out_of_range(good, tmp_path):
    negative, positive = good.columns[2], good.columns[3]
    bad = broken(broken(good, [9], positive, "1.2"), [9], negative, "-0.2")
    message = rejected(write(bad, tmp_path), tmp_path)
    assert message.startswith("Row 10 of preds.csv")
    assert "a probability lies outside [0, 1] (-0.2, 1.2)" in message


def test_probabilities_not_summing_to_one(good, tmp_path):
    positive = good.columns[3]
    value = float(good.loc[4, positive])
    off = value + 10 * SUM_TOLERANCE if value < 0.5 else value - 10 * SUM_TOLERANCE
    message = rejected(write(broken(good, [4], positive, repr(off)), tmp_path), tmp_path)
    assert message.startswith("Row 5 of preds.csv")
    assert "the probabilities sum to" in message and "not 1 (tolerance 0.001)" in message


def test_a_row_within_the_tolerance_is_accepted(good, tmp_path):
    positive = good.columns[3]
    value = float(good.loc[4, positive])
    nudged = value - SUM_TOLERANCE / 2 if value > 0.01 else value + SUM_TOLERANCE / 2
    store = ResultsStore(tmp_path / "store")
    import_predictions(write(broken(good, [4], positive, repr(nudged)), tmp_path), "demo", "x",
                       store=store)
    assert len(store.list_runs()) == 1


def test_unknown_class_column(good, tmp_path):
    bad = good.rename(columns={good.columns[3]: "melanoma"})
    message = rejected(write(bad, tmp_path), tmp_path)
    assert message.startswith("Column 'melanoma' of preds.csv is neither a class of dataset "
                              "'demo' nor a known column")
    assert "'benign', 'malignant'" in message


def test_non_numeric_probability(good, tmp_path):
    message = rejected(write(broken(good, [11, 3], good.columns[2], "high"), tmp_path), tmp_path)
    assert message.startswith("Row 4 of preds.csv")
    assert "column 'benign' holds 'high', not a number" in message


def test_the_first_bad_row_wins_across_rules(good, tmp_path):
    bad = broken(broken(good, [7], good.columns[2], "x"), [2], "sample_id", "nope")
    assert rejected(write(bad, tmp_path), tmp_path).startswith("Row 3 of preds.csv "
                                                              "(sample_id 'nope')")


def test_duplicate_image_and_shifted_label(good, target, tmp_path):
    bad = broken(good, [5], "sample_id", good.loc[1, "sample_id"])
    bad.loc[5, "split"] = good.loc[1, "split"]
    assert "appears a second time" in rejected(write(bad, tmp_path), tmp_path)
    labels = target.dataset.table.set_index("sample_id")["label"][good["sample_id"]]
    wrong = labels.map({"benign": "malignant", "malignant": "benign"}).to_numpy()
    given = labels.to_numpy().copy()
    given[3] = wrong[3]
    message = rejected(write(good.assign(label=given), tmp_path), tmp_path)
    assert message.startswith("Row 4 of preds.csv")
    assert f"label {wrong[3]!r} differs from the dataset's {labels.iloc[3]!r}" in message


# --- good files ---------------------------------------------------------------------------

def test_good_file_is_stored_once_as_an_imported_run(good, target, tmp_path):
    store = ResultsStore(tmp_path / "store")
    path = write(good, tmp_path)
    first = import_predictions(path, "demo", "siteB", store=store)
    again = import_predictions(path, "demo", "another name", store=store)
    assert first.stored and not again.stored and again.run.run_id == first.run.run_id
    assert len(store.list_runs()) == 1
    run = first.run
    assert run.identity["source"] == run.record["source"] == "imported"
    assert run.identity["file_sha256"] == run.record["import"]["sha256"]
    assert run.record["class_names"] == list(target.dataset.class_names)
    assert run.record["positive_index"] == 1 and not stores_model(run.record)
    assert run.model_path is None
    stored = run.predictions()
    assert stored["prob_1"].tolist() == [float(v) for v in good["malignant"]]  # exact
    row = store.list_runs().iloc[0]
    assert (row["model"], row["strategy"], row["profile"]) == ("siteB", "imported", "predictions")


def test_score_column_is_p_of_the_positive_class(good, tmp_path):
    scored = good[["sample_id", "split", "malignant"]].rename(columns={"malignant": "score"})
    store = ResultsStore(tmp_path / "store")
    run = import_predictions(write(scored, tmp_path), "demo", "scored", store=store).run
    stored = run.predictions()
    assert np.array_equal(stored["prob_1"], good["malignant"].astype(float))
    assert np.array_equal(stored["prob_0"], 1.0 - good["malignant"].astype(float))
    assert run.record["import"]["score_rule"] == "score = P(positive class)"


def test_own_split_is_accepted_and_recorded(good, tmp_path):
    swapped = good.assign(split=good["split"].map({"val": "test", "test": "val"}))
    store = ResultsStore(tmp_path / "store")
    run = import_predictions(write(swapped, tmp_path), "demo", "own", store=store,
                             own_split=True).run
    assert run.identity["split"] == {"own": True} and run.record["import"]["own_split"]
    assert any("the split is the file's own" in note for note in run.record["data"]["notes"])


def test_parquet_and_path_column(good, target, tmp_path):
    paths = target.dataset.table.set_index("sample_id")["path"]
    by_path = good.assign(sample_id=list(paths[good["sample_id"]])).rename(
        columns={"sample_id": "path"})
    by_path["benign"] = by_path["benign"].astype(float)
    by_path["malignant"] = by_path["malignant"].astype(float)
    file = tmp_path / "preds.parquet"
    by_path.to_parquet(file)
    store = ResultsStore(tmp_path / "store")
    run = import_predictions(file, "demo", "pq", store=store).run
    assert run.predictions()["sample_id"].tolist() == good["sample_id"].tolist()
