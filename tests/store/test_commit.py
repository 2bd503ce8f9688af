"""Committing runs: round trips, first writer wins, and refusals that name the fix."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import pytest

from core import config
from core.store import ResultsStore, RunNotFound, StoreError, run_id
from tests.store import factories as f


def test_round_trip_multiclass(store: ResultsStore, tmp_path: Path) -> None:
    ident, preds, hist, rec = f.identity(), f.predictions(k=3), f.history(), f.record(3)
    notes = tmp_path / "notes.txt"
    notes.write_text("confusion matrix notes")
    rid = run_id(ident)
    assert not store.has(rid)
    committed = store.commit(rid, ident, rec, preds, hist, None, {"notes.txt": notes})
    assert store.has(rid)

    run = store.get(rid)
    pd.testing.assert_frame_equal(run.predictions(), preds)
    pd.testing.assert_frame_equal(run.history(), hist)
    assert run.record == rec and run.identity == ident and run.class_names == rec["class_names"]
    assert run.path == store.root / "runs" / rid and committed.path == run.path
    assert run.model_path is None
    assert run.file_path("notes.txt").read_text() == "confusion matrix notes"
    assert set(run.files) == {"predictions.parquet", "history.parquet", "record.json",
                              "identity.json", "notes.txt"}
    assert list((store.root / "tmp").iterdir()) == []


def test_first_writer_wins(store: ResultsStore) -> None:
    first = f.commit_sample(store)
    ident = f.identity()
    again = store.commit(first.run_id, ident, f.record(2, test_auc=0.99), f.predictions(seed=5),
                         f.history(), None)
    assert again.record["summary"]["test_auc"] == 0.81
    pd.testing.assert_frame_equal(again.predictions(), f.predictions())
    assert len(store.list_runs()) == 1


def test_default_root_is_config_store_root() -> None:
    assert ResultsStore().root == config.store_root()


def test_get_unknown_and_malformed_ids(store: ResultsStore) -> None:
    with pytest.raises(RunNotFound, match="list_runs") as info:
        store.get("0" * 20)
    assert isinstance(info.value, KeyError)
    with pytest.raises(StoreError, match="not a run id"):
        store.has("../../etc")


def test_id_must_match_identity(store: ResultsStore) -> None:
    with pytest.raises(StoreError, match="content address"):
        store.commit("0" * 20, f.identity(), f.record(), f.predictions(), f.history(), None)


def _drop(col: str):
    return lambda df: df.drop(columns=[col])


def _set(col: str, value):
    def change(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df[col] = value
        return df
    return change


def _set_first(col: str, value):
    def change(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df.loc[0, col] = value
        return df
    return change


SCHEMA_CASES = {
    "missing column": (_drop("group"), "missing column.*group"),
    "class count": (_drop("prob_1"), r"prob_0..prob_1"),
    "train split": (_set_first("split", "train"), r"'train'.*Fix: store only validation"),
    "stray column": (_set("age", 3), r"unexpected column.*'age'.*meta_<name>"),
    "nan prob": (_set_first("prob_0", float("nan")), "NaN"),
    "logits": (_set("prob_0", 3.0), r"\[0, 1\].*not logits"),
    "not summing": (_set("prob_0", 0.0), "sum to 1"),
    "target range": (_set_first("target", 7), r"0\.\.1"),
    "float target": (_set("target", 0.5), "integers"),
    "duplicate": (lambda df: pd.concat([df, df.iloc[:1]], ignore_index=True), "duplicate"),
    "empty": (lambda df: df.iloc[:0], "no rows"),
}


@pytest.mark.parametrize("case", sorted(SCHEMA_CASES))
def test_schema_errors_are_clear_and_write_nothing(store: ResultsStore, case: str) -> None:
    change, pattern = SCHEMA_CASES[case]
    ident = f.identity()
    rid = run_id(ident)
    with pytest.raises(StoreError, match=pattern) as info:
        store.commit(rid, ident, f.record(), change(f.predictions()), f.history(), None)
    message = str(info.value)
    assert message.startswith("Predictions do not match the stored schema") and "Fix:" in message
    assert rid in message
    assert not store.has(rid)
    assert list((store.root / "tmp").iterdir()) == []
    assert store.list_runs().empty


@pytest.mark.parametrize(
    ("record", "pattern"),
    [({"positive_index": 1}, "class_names"),
     ({"class_names": ["a", "b"], "positive_index": 2}, "positive_index"),
     ({"class_names": ["a", "b"], "summary": [0.8]}, "summary"),
     ({"class_names": ["class_0", "class_1"], "tags": {"a", "b"}}, "cannot be written as JSON")],
)
def test_record_errors(store: ResultsStore, record: dict, pattern: str) -> None:
    ident = f.identity()
    with pytest.raises(StoreError, match=pattern):
        store.commit(run_id(ident), ident, record, f.predictions(), f.history(), None)
    assert not store.has(run_id(ident)) and list((store.root / "tmp").iterdir()) == []


def test_bad_files_are_refused(store: ResultsStore, tmp_path: Path) -> None:
    ident = f.identity()
    rid = run_id(ident)
    args = (rid, ident, f.record(), f.predictions(), f.history())
    not_keras = tmp_path / "model.h5"
    not_keras.write_bytes(b"HDF")
    with pytest.raises(StoreError, match=r"not a Keras 3 '.keras' archive.*model.save"):
        store.commit(*args, not_keras)
    with pytest.raises(StoreError, match="does not exist"):
        store.commit(*args, tmp_path / "gone.keras")
    with pytest.raises(StoreError, match="not allowed"):
        store.commit(*args, None, {"record.json": not_keras})
    with pytest.raises(StoreError, match="not allowed"):
        store.commit(*args, None, {"../x": not_keras})
    with pytest.raises(StoreError, match="history"):
        store.commit(rid, ident, f.record(), f.predictions(), {"loss": [1.0]}, None)
    assert not store.has(rid)


def test_work_dir_lifecycle(store: ResultsStore) -> None:
    rid = run_id(f.identity())
    work = store.work_dir(rid)
    (work / "ckpt.weights.h5").write_bytes(b"x")
    assert store.work_dir(rid) == work and (work / "ckpt.weights.h5").exists()
    store.clear_work(rid)
    assert not work.exists()


def test_old_dead_leftovers_are_cleaned_by_the_next_commit(store: ResultsStore) -> None:
    tmp = store.root / "tmp"
    old, fresh = tmp / "0123-dead-writer", tmp / "4567-dead-writer"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "predictions.parquet").write_bytes(b"partial")
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    f.commit_sample(store)
    assert not old.exists() and fresh.exists()  # fresh ones wait for cleanup() or an hour
    assert store.cleanup() == [fresh]
    assert list(tmp.iterdir()) == []


def test_unstorable_column_is_refused_before_writing(store: ResultsStore) -> None:
    preds = f.predictions()
    preds["meta_mixed"] = [1, "a"] * 20  # pyarrow cannot store a column of mixed types
    ident = f.identity()
    with pytest.raises(StoreError, match="predictions table cannot be stored as parquet"):
        store.commit(run_id(ident), ident, f.record(), preds, f.history(), None)
    assert not store.has(run_id(ident)) and list((store.root / "tmp").iterdir()) == []


def test_importing_the_store_does_not_import_tensorflow() -> None:
    """The dashboard lists runs without paying the TensorFlow import (fresh interpreter)."""
    child = f.start_python(
        "import sys, core.store\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert out.strip() == "[]"
