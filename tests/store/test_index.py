"""The SQLite index: listing, filtering, and rebuilding it from the run folders."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from core.store import LIST_COLUMNS, ResultsStore, StoreError, run_id
from tests.store import factories as f


def _three_runs(store: ResultsStore) -> list[str]:
    ids = [f.commit_sample(store).run_id,
           f.commit_sample(store, k=3, model="resnet_small", seed=2).run_id]
    ident = f.identity(strategy="finetune", fold=None)
    rec = f.record(2, test_auc=0.9, test_sensitivity=0.85)
    rec["summary"]["note"] = "text is not a number"
    ids.append(store.commit(run_id(ident), ident, rec, f.predictions(), f.history(), None).run_id)
    return ids


def test_empty_store_lists_an_empty_frame_with_columns(store: ResultsStore) -> None:
    runs = store.list_runs()
    assert runs.empty and tuple(runs.columns) == LIST_COLUMNS
    assert {"test_auc", "val_auc", "test_accuracy", "status", "wall_time_s"} <= set(runs.columns)


def test_listing_and_filters(store: ResultsStore) -> None:
    ids = _three_runs(store)
    runs = store.list_runs()
    assert sorted(runs.run_id) == sorted(ids) and set(runs.status) == {"ok"}
    assert runs.loc[runs.run_id == ids[2], "test_sensitivity"].item() == 0.85
    assert runs.loc[runs.run_id == ids[0], "test_sensitivity"].isna().item()
    assert "note" not in runs.columns
    assert runs.seed.dtype == "Int64" and runs.test_auc.dtype == "float64"
    row = runs.set_index("run_id").loc[ids[1]]
    assert (row.dataset, row.model, row.seed, row.fold, row.device) == (
        "demo", "resnet_small", 2, 0, "cpu")
    assert row.wall_time_s == 12.5 and row.created_at.endswith("+00:00")

    assert list(store.list_runs(model="resnet_small").run_id) == [ids[1]]
    assert list(store.list_runs(fold=None).run_id) == [ids[2]]
    assert len(store.list_runs(dataset="demo", strategy="scratch")) == 2
    assert store.list_runs(model="nope").empty
    assert sorted(store.list_runs(model=["tiny_cnn", "resnet_small"]).run_id) == sorted(ids)
    with pytest.raises(StoreError, match="no such column.*dataset"):
        store.list_runs(colour="red")


def test_rebuild_equals_original(store: ResultsStore) -> None:
    _three_runs(store)
    original = store.list_runs()
    store.rebuild_index()
    pd.testing.assert_frame_equal(store.list_runs(), original)


@pytest.mark.parametrize("damage", ["missing", "garbage", "empty", "old schema"])
def test_index_rebuilt_automatically(store: ResultsStore, damage: str) -> None:
    _three_runs(store)
    original = store.list_runs()
    db = store.root / "index.sqlite"
    db.unlink()
    if damage == "garbage":
        db.write_bytes(b"this is not a database" * 100)
    elif damage == "empty":
        db.touch()
    elif damage == "old schema":
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE runs (run_id TEXT)")
        conn.close()
    pd.testing.assert_frame_equal(store.list_runs(), original)
    assert not list((store.root / "tmp").iterdir())  # the rebuild's scratch is gone


def test_index_written_only_after_rename(store: ResultsStore) -> None:
    """A second store object on the same root sees what the first committed."""
    run = f.commit_sample(store)
    other = ResultsStore(store.root)
    assert other.has(run.run_id) and list(other.list_runs().run_id) == [run.run_id]
