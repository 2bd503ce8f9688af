"""A real run trained on the demo data, evaluated on a second site with a deliberate shift:
the stored numbers are sklearn's on the stored predictions, every threshold is the source
run's validation choice, a second call reads the stored evaluation back, and the CLI shows it."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from core.cli import main
from core.evaluation import RunEvaluation
from core.external import (ORACLE_LABEL, RULES, UnmappedClassError, evaluate_external,
                           external_result, with_oracle)
from core.store.evaluations import EvaluationStore


@pytest.fixture(scope="module")
def evaluated(source, site_b):
    store, run = source
    events: list[dict] = []
    stored = evaluate_external(store, run.run_id, site_b, split="all", progress=events.append)
    return store, run, stored, events


def test_stored_external_auc_is_sklearns_on_the_stored_predictions(evaluated) -> None:
    store, run, stored, _ = evaluated
    pred = stored.predictions()
    external = pred[pred["split"] == "test"]
    assert len(external) == stored.record["n_external"] == 160  # 8 patients x 20 patches
    expected = roc_auc_score(external["target"] == 1, external["prob_1"])
    assert stored.record["summary"]["external_auc"] == pytest.approx(expected, abs=1e-12)
    result = external_result(stored, run, n_boot=200)
    assert result.run_evaluation.auc.auc == pytest.approx(expected, abs=1e-12)
    assert result.label == "trained on demo, tested on site_b"
    internal = run.predictions().query("split == 'test'")
    assert result.internal.auc == pytest.approx(
        roc_auc_score(internal["target"] == 1, internal["prob_1"]), abs=1e-12)
    drop, low, high, _ = result.drop
    assert drop == pytest.approx(result.internal.auc - expected) and low < drop < high
    # the source's validation rows are stored unchanged beside the external ones
    val = pred[pred["split"] == "val"].reset_index(drop=True)
    own_val = run.predictions().query("split == 'val'").reset_index(drop=True)
    columns = ["sample_id", "group", "split", "target", "label", "prob_0", "prob_1"]
    pd.testing.assert_frame_equal(val[columns], own_val[columns])


def test_every_threshold_is_frozen_from_the_source_validation_split(evaluated) -> None:
    store, run, stored, _ = evaluated
    result = external_result(stored, run, n_boot=200)
    source = RunEvaluation.from_predictions(run.predictions(), 1, n_boot=10)
    table = result.thresholds
    assert set(table["chosen_on"]) == {"source validation"}  # no oracle unless asked
    for method, target in RULES:
        choice = source.choose_threshold(method, target)
        rule = choice.label.replace(" (val)", "")
        got = table.loc[table["rule"] == rule, "threshold"].unique()
        assert got.tolist() == [choice.threshold], rule
        sens = table.query("rule == @rule and metric == 'sensitivity'")["estimate"].iloc[0]
        ext = stored.predictions().query("split == 'test'")
        calls = ext["prob_1"].to_numpy() >= choice.threshold
        positive = ext["target"].to_numpy() == 1
        assert sens == pytest.approx(calls[positive].mean())
    oracle = external_result(stored, run, oracle=True, n_boot=200).thresholds
    assert set(oracle["chosen_on"]) == {"source validation", ORACLE_LABEL}
    # the app's way (oracle rows added to a result computed without them): the same table
    pd.testing.assert_frame_equal(with_oracle(result), oracle)
    rule = source.choose_threshold("youden").label.replace(" (val)", "")
    youden = oracle.query("chosen_on == @ORACLE_LABEL and rule == @rule")["threshold"]
    ext = stored.predictions().query("split == 'test'")
    fpr, tpr, _ = roc_curve(ext["target"] == 1, ext["prob_1"])
    calls, positive = ext["prob_1"].to_numpy() >= youden.iloc[0], ext["target"].to_numpy() == 1
    j = calls[positive].mean() - calls[~positive].mean()
    assert j == pytest.approx(np.max(tpr - fpr))  # the best J on the external set itself


def test_a_second_call_is_a_lookup(evaluated, site_b) -> None:
    store, run, stored, events = evaluated
    assert [e["event"] for e in events][-1] == "done"
    again: list[dict] = []
    second = evaluate_external(store, run.run_id, site_b, split="all", progress=again.append)
    assert [e["event"] for e in again] == ["cached"]
    assert second.evaluation_id == stored.evaluation_id
    assert second.created_at == stored.created_at
    assert len(EvaluationStore(store.root).list_evaluations()) >= 1


def test_calibration_and_patient_level(evaluated) -> None:
    store, run, stored, _ = evaluated
    result = external_result(stored, run, n_boot=200)
    assert np.isfinite(result.calibration.slope) and np.isfinite(result.calibration.citl)
    assert result.calibration.observed_risk == pytest.approx(40 / 160)
    patients = external_result(stored, run, level="group", n_boot=200)
    ext = stored.predictions().query("split == 'test'")
    per_patient = ext.groupby("group").agg(y=("target", "max"), s=("prob_1", "mean"))
    assert patients.run_evaluation.test.n == 8
    assert patients.run_evaluation.auc.auc == pytest.approx(
        roc_auc_score(per_patient["y"], per_patient["s"]))


def test_an_unmapped_class_is_refused_before_any_image_is_read(source, tmp_path) -> None:
    from core.datasets import DatasetSpec, save_spec

    store, run = source
    root = tmp_path / "three"
    for label in ("benign", "malignant", "atypical"):
        (root / label).mkdir(parents=True)
        for i in range(3):  # not images at all: reading or predicting them would fail
            (root / label / f"{i}.png").write_bytes(b"not an image")
    save_spec(DatasetSpec(name="three", kind="folders", path=str(root),
                          task="multiclass"), replace=True)
    before = len(EvaluationStore(store.root).list_evaluations())
    with pytest.raises(UnmappedClassError, match="'atypical'.*no mapping"):
        evaluate_external(store, run.run_id, "three", split="all",
                          mapping={"benign": "benign", "malignant": "malignant"})
    assert len(EvaluationStore(store.root).list_evaluations()) == before


def test_the_cli_prints_the_evaluation_and_ls_lists_it(evaluated, site_b, monkeypatch,
                                                      capsys) -> None:
    store, run, stored, _ = evaluated
    monkeypatch.setenv("LESIONLAB_STORE", str(store.root))
    assert main(["evaluate", "--runs", run.run_id, "--on", site_b, "--split", "all"]) == 0
    out = capsys.readouterr().out
    assert "trained on demo, tested on site_b - run" in out and "stored earlier" in out
    assert "0 exact, 0 near-identical, of 160" in out and "OVERLAPPING" not in out
    assert "AUC external" in out and "calibration on the external set" in out
    assert "transfer matrix" in out and "(internal)" in out
    assert main(["ls"]) == 0
    out = capsys.readouterr().out
    assert "internal test vs external" in out and stored.evaluation_id in out
    assert main(["evaluate", "--runs", run.run_id, "--on", site_b, "--map", "x"]) == 2
    assert "target_class=run_class" in capsys.readouterr().err


def test_the_evaluations_index_is_rebuilt_from_the_folders(evaluated) -> None:
    store, run, stored, _ = evaluated
    path = store.root / "evaluations.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE evaluations SET dataset = 'elsewhere'")  # checksum now wrong
    listed = EvaluationStore(store.root).list_evaluations()
    assert "elsewhere" not in set(listed["dataset"])
    assert stored.evaluation_id in set(listed["evaluation_id"])


def test_two_sites_both_ways_give_one_transfer_matrix(source, site_b, monkeypatch,
                                                      capsys) -> None:
    from core.training import RunSpec, train_run

    store, run = source
    other = train_run(RunSpec(site_b, "idc_own", "none", overrides={
        "epochs": 3, "max_train_images": 600, "batch_size": 32}), store)
    monkeypatch.setenv("LESIONLAB_STORE", str(store.root))
    runs = f"{run.run_id},{other.run_id}"
    assert main(["evaluate", "--runs", runs, "--on", f"{site_b},demo"]) == 0
    out = capsys.readouterr().out
    assert f"run {run.run_id} was trained on demo" in out
    assert f"trained on {site_b}, tested on demo - run {other.run_id}" in out
    matrix = out[out.index("transfer matrix, idc_own, none, quick, seed 0"):].splitlines()
    assert matrix[1].split() == ["tested", "on", "demo", site_b]
    rows = {line.split()[0]: line for line in matrix[3:5]}
    assert set(rows) == {"demo", site_b}
    assert "(internal)" in rows["demo"] and "drop" in rows["demo"]
    assert "(internal)" in rows[site_b] and "drop" in rows[site_b]
