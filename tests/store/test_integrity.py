"""Damaged runs are detected, reported and removable; the rest of the store keeps working."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from core.store import CorruptRunError, ResultsStore, RunNotFound, StoredRun
from tests.store import factories as f


def _status(store: ResultsStore, rid: str) -> str:
    runs = store.list_runs()
    return runs.set_index("run_id").loc[rid, "status"]


def _recommit(store: ResultsStore, damaged: StoredRun, model_file: Path | None = None) -> None:
    store.delete(damaged.run_id)
    assert not store.has(damaged.run_id) and damaged.run_id not in set(store.list_runs().run_id)
    again = f.commit_sample(store, model_file=model_file)
    assert again.run_id == damaged.run_id and store.verify(again.run_id) == []
    assert _status(store, again.run_id) == "ok"


def test_truncated_predictions(store: ResultsStore) -> None:
    bad = f.commit_sample(store)
    good = f.commit_sample(store, seed=2)
    target = bad.path / "predictions.parquet"
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])

    problems = store.verify(bad.run_id)
    assert len(problems) == 1 and "predictions.parquet" in problems[0]
    assert "truncated" in problems[0]
    with pytest.raises(CorruptRunError, match="predictions.parquet") as info:
        store.get(bad.run_id).predictions()
    assert str(target) in str(info.value) and f"delete({bad.run_id!r})" in str(info.value)
    assert _status(store, bad.run_id) == "corrupt"

    assert _status(store, good.run_id) == "ok"
    assert len(store.get(good.run_id).predictions()) == 40
    _recommit(store, bad)


def test_read_marks_index_corrupt_without_verify(store: ResultsStore) -> None:
    run = f.commit_sample(store)
    target = run.path / "history.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    assert _status(store, run.run_id) == "ok"  # listing does not hash every file
    with pytest.raises(CorruptRunError, match="history.parquet.*sha256"):
        run.history()
    assert _status(store, run.run_id) == "corrupt"


def test_edited_model_file(store: ResultsStore, keras_model) -> None:
    model_file, _, _ = keras_model
    run = f.commit_sample(store, model_file=model_file)
    stored = run.model_path
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01  # same size, one bit flipped
    stored.write_bytes(bytes(data))

    problems = store.verify(run.run_id)
    assert problems and "model.keras" in problems[0] and "sha256" in problems[0]
    with pytest.raises(CorruptRunError, match="model.keras"):
        store.get(run.run_id).load_model()
    assert _status(store, run.run_id) == "corrupt"
    _recommit(store, run, model_file)


def test_index_row_without_folder(store: ResultsStore) -> None:
    run = f.commit_sample(store)
    other = f.commit_sample(store, seed=3)
    shutil.rmtree(run.path)

    assert not store.has(run.run_id)
    assert _status(store, run.run_id) == "corrupt"
    problems = store.verify(run.run_id)
    assert problems and "folder is missing" in problems[0]
    with pytest.raises(RunNotFound):
        store.get(run.run_id)
    assert _status(store, other.run_id) == "ok"
    _recommit(store, run)


def test_unreadable_manifest(store: ResultsStore) -> None:
    run = f.commit_sample(store)
    manifest = run.path / "manifest.json"
    manifest.write_text("{not json")
    with pytest.raises(CorruptRunError, match="manifest.json is unreadable") as info:
        store.get(run.run_id)
    assert str(manifest) in str(info.value)
    assert store.verify(run.run_id)[0].startswith("manifest.json is unreadable")
    assert _status(store, run.run_id) == "corrupt"
    store.rebuild_index()
    assert _status(store, run.run_id) == "corrupt"
    _recommit(store, run)


def test_folder_without_row_is_indexed_on_listing(store: ResultsStore) -> None:
    """A writer that died after the rename but before the index update lost nothing."""
    run = f.commit_sample(store)
    with sqlite3.connect(store.root / "index.sqlite") as conn:
        conn.execute("DELETE FROM runs")
    conn.close()
    listed = store.list_runs()
    assert list(listed.run_id) == [run.run_id] and listed.status[0] == "ok"


def test_verify_unknown_run(store: ResultsStore) -> None:
    with pytest.raises(RunNotFound):
        store.verify("f" * 20)


def test_load_model_round_trip(store: ResultsStore, keras_model) -> None:
    model_file, batch, expected = keras_model
    run = f.commit_sample(store, model_file=model_file)
    assert run.model_path == run.path / "model.keras"
    model = store.get(run.run_id).load_model()
    np.testing.assert_allclose(model.predict(batch, verbose=0), expected, rtol=1e-6)
    assert [layer.name for layer in model.layers][-1] == "probs"


def test_corruption_found_on_read_sticks_for_an_unindexed_run(store: ResultsStore) -> None:
    run = f.commit_sample(store)
    with sqlite3.connect(store.root / "index.sqlite") as conn:
        conn.execute("DELETE FROM runs")
    conn.close()
    target = run.path / "history.parquet"
    data = bytearray(target.read_bytes())
    data[10] ^= 0xFF
    target.write_bytes(bytes(data))  # same size: only the checksum can tell
    with pytest.raises(CorruptRunError):
        store.get(run.run_id).history()
    assert _status(store, run.run_id) == "corrupt"
    assert store.list_runs().set_index("run_id").loc[run.run_id, "model"] == "tiny_cnn"
