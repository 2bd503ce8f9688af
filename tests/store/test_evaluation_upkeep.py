"""External evaluations kept consistent with the runs they evaluate, on a real store.

Deleting a run deletes its evaluations (``ResultsStore.delete``, also behind ``core verify
--delete-corrupt``); ``core verify`` checks every evaluation (checksums, index rows, orphans
whose run is gone) and ``--delete-corrupt`` / ``--clean`` remove what it finds. Runs and
evaluations are committed through the store's own commit paths (no model is needed: an
evaluation's files are checked, not its predictions' making)."""

from __future__ import annotations

import shutil

import pytest

from core.cli import main
from core.store import ResultsStore
from core.store.evaluation_record import EvaluationRecord
from core.store.evaluations import EvaluationStore, StoredEvaluation, evaluation_identity
from tests.store import factories as f


@pytest.fixture
def cli_store(tmp_path, monkeypatch) -> ResultsStore:
    store = ResultsStore(tmp_path / "store")
    monkeypatch.setenv("LESIONLAB_STORE", str(store.root))
    return store


def evaluate(store: ResultsStore, rid: str, target: str = "site_b") -> StoredEvaluation:
    """Commit an evaluation of run ``rid`` (its predictions: the factory's val/test rows)."""
    record = {"kind": "external_evaluation", "run_id": rid, "label": f"on {target}",
              "source_dataset": "demo", "model": "tiny_cnn", "dataset": target,
              "class_names": ["class_0", "class_1"], "positive_index": 1,
              "overlap": {"exact": 0, "near": 1}, "summary": {"external_auc": 0.7}}
    identity = evaluation_identity(rid, f"fp-{target}", "test", {"a": "class_0",
                                                                  "b": "class_1"})
    return EvaluationStore(store.root).commit(identity, record, f.predictions(seed=3))


def test_deleting_a_run_deletes_its_evaluations_only(cli_store) -> None:
    kept, gone = f.commit_sample(cli_store), f.commit_sample(cli_store, seed=9)
    mine = [evaluate(cli_store, gone.run_id, t).evaluation_id for t in ("site_b", "site_c")]
    other = evaluate(cli_store, kept.run_id).evaluation_id
    evaluations = EvaluationStore(cli_store.root)
    assert sorted(evaluations.of_run(gone.run_id)) == sorted(mine)
    cli_store.delete(gone.run_id)
    assert not any(evaluations.has(e) for e in mine) and evaluations.has(other)
    assert evaluations.list_evaluations()["evaluation_id"].tolist() == [other]


def test_deleting_a_run_in_a_store_without_evaluations_creates_nothing(cli_store) -> None:
    run = f.commit_sample(cli_store)
    cli_store.delete(run.run_id)
    assert not (cli_store.root / "evaluations").exists()
    assert not (cli_store.root / "evaluations.sqlite").exists()


def test_verify_finds_damaged_orphaned_and_rowless_evaluations(cli_store, capsys) -> None:
    run, lost = f.commit_sample(cli_store), f.commit_sample(cli_store, seed=9)
    good, damaged = evaluate(cli_store, run.run_id), evaluate(cli_store, run.run_id, "site_c")
    orphan = evaluate(cli_store, lost.run_id)
    ghost = evaluate(cli_store, run.run_id, "site_d")
    # the same size, other bytes: only the full sha256 check of verify sees it
    data = (damaged.path / "predictions.parquet").read_bytes()
    (damaged.path / "predictions.parquet").write_bytes(data[:-9] + b"x" * 9)
    shutil.rmtree(cli_store.run_dir(lost.run_id))  # a run gone behind the store's back
    cli_store.index.remove(lost.run_id)
    shutil.rmtree(ghost.path)  # its index row stays
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "verified 4 external evaluation(s): 1 ok, 3 corrupt (1 orphaned" in out
    assert f"  {damaged.evaluation_id}: predictions.parquet does not match its sha256" in out
    assert f"  {orphan.evaluation_id}: orphaned: its run {lost.run_id} is no longer stored" \
        in out
    assert f"  {ghost.evaluation_id}: its folder is gone" in out
    status = EvaluationStore(cli_store.root).list_evaluations().set_index("evaluation_id")[
        "status"]
    assert status.to_dict() == {good.evaluation_id: "ok", damaged.evaluation_id: "corrupt",
                                orphan.evaluation_id: "corrupt", ghost.evaluation_id: "corrupt"}

    assert main(["verify", "--clean"]) == 1  # removes the orphan alone
    out = capsys.readouterr().out
    assert f"clean: deleted 1 orphaned evaluation(s): {orphan.evaluation_id}" in out
    evaluations = EvaluationStore(cli_store.root)
    assert not evaluations.has(orphan.evaluation_id) and evaluations.has(damaged.evaluation_id)

    assert main(["verify", "--delete-corrupt"]) == 1
    out = capsys.readouterr().out
    assert "deleted 2 corrupt or orphaned evaluation(s)" in out
    assert evaluations.list_evaluations()["evaluation_id"].tolist() == [good.evaluation_id]
    assert main(["verify"]) == 0
    assert "verified 1 external evaluation(s): 1 ok, 0 corrupt" in capsys.readouterr().out


def test_delete_corrupt_of_a_run_takes_its_evaluations(cli_store, capsys) -> None:
    bad = f.commit_sample(cli_store)
    ev = evaluate(cli_store, bad.run_id)
    (bad.path / "predictions.parquet").write_bytes(b"PAR1")
    assert main(["verify", "--delete-corrupt"]) == 1
    out = capsys.readouterr().out
    assert f"deleted 1 corrupt run(s): {bad.run_id}" in out
    assert not EvaluationStore(cli_store.root).has(ev.evaluation_id)
    assert main(["verify"]) == 0


def test_the_typed_view_reads_a_record_and_its_gaps() -> None:
    full = EvaluationRecord.from_dict({
        "run_id": "r", "label": "trained on A, tested on B", "model": "m", "split": "all",
        "mapping": {"x": "y"}, "class_names": ["a", "b", "c"], "positive_index": None,
        "task": "multiclass", "overlap": {"exact": 2, "near": 0}, "overlapping": True,
        "has_groups": 1, "n_external": 12, "summary": {"external_auc": 0.5}})
    assert (full.model, full.all_images, full.is_multiclass, full.overlapping) == \
        ("m", True, True, True)
    assert full.overlap["exact"] == 2 and full.has_groups is True and full.n_external == 12
    with pytest.raises(TypeError):
        full.mapping["x"] = "z"  # read-only
    empty = EvaluationRecord.from_dict({})
    assert (empty.model, empty.label, empty.split, empty.overlapping, dict(empty.overlap)) == \
        (None, "", None, False, {})
    assert not empty.all_images
    binary = EvaluationRecord.from_dict({"class_names": ["a", "b"], "positive_index": 1})
    assert not binary.is_multiclass
