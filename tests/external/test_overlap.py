"""The cross-dataset overlap check on a target that copies some of the run's training (and
validation) images: counts, per-image flags, the AUC without them, the external set described."""

from __future__ import annotations

import pytest
from sklearn.metrics import roc_auc_score

from core.cli import main
from core.datasets import assign_splits, load_dataset
from core.datasets.demo import generate_demo
from core.external import (FLAG_COLUMN, describe_external, evaluate_external, external_result,
                           transfer_long)
from tests.external.sites import copying_site


def test_copied_training_images_are_counted_and_labelled(source, tmp_path) -> None:
    store, run = source
    demo = load_dataset("demo")
    train = demo.table[assign_splits(demo) == "train"]
    copied = train["path"].head(5).tolist()
    others = generate_demo(tmp_path / "others", seed=23, n_patients=2, patches_per_patient=10)
    name = copying_site(tmp_path, copied, others)
    stored = evaluate_external(store, run.run_id, name, split="all")
    found = stored.record["overlap"]
    assert found["exact"] == 5 and found["near"] == 5 and found["n_target"] == 25
    assert stored.record["overlapping"] is True
    assert stored.record["label"] == f"trained on demo, tested on {name} (overlapping)"
    label = {True: "malignant", False: "benign"}
    assert set(found["exact_examples"]) == {
        f"{label[path.endswith('class1.png')]}/copy_{i}.png" for i, path in enumerate(copied)}


@pytest.fixture(scope="module")
def copies_val(source, tmp_path_factory):
    """A target copying 2 training and 3 VALIDATION images of the run, beside 20 others."""
    store, run = source
    base = tmp_path_factory.mktemp("copies_val")
    demo = load_dataset("demo")
    splits = assign_splits(demo)
    copied = (demo.table[splits == "train"]["path"].head(2).tolist()
              + demo.table[splits == "val"]["path"].head(3).tolist())
    others = generate_demo(base / "others", seed=29, n_patients=2, patches_per_patient=10)
    name = copying_site(base, copied, others, name="copies_val")
    return store, run, evaluate_external(store, run.run_id, name, split="all"), name


def test_validation_images_count_as_overlap_and_are_flagged_per_image(copies_val) -> None:
    _, _, stored, _ = copies_val
    found = stored.record["overlap"]
    assert found["exact"] == 5 and found["near"] == 5 and found["known"] is True
    pred = stored.predictions()
    external = pred[pred["split"] == "test"]
    flagged = external.loc[external[FLAG_COLUMN] == "exact", "sample_id"]
    assert sorted(flagged.str.split("/").str[1]) == [f"copy_{i}.png" for i in range(5)]
    assert (external[FLAG_COLUMN] == "none").sum() == 20
    assert pred.loc[pred["split"] == "val", FLAG_COLUMN].isna().all()


def test_auc_excluding_the_overlap_is_sklearns_on_the_other_images(copies_val, monkeypatch,
                                                                   capsys) -> None:
    store, run, stored, name = copies_val
    result = external_result(stored, run, n_boot=20)
    pred = stored.predictions()
    kept = pred[(pred["split"] == "test") & (pred[FLAG_COLUMN] == "none")]
    excluded = result.excluding_overlap
    assert excluded.n_excluded == 5
    assert excluded.auc.auc == pytest.approx(roc_auc_score(kept["target"], kept["prob_1"]))
    long = transfer_long([result]).set_index("test_dataset")
    column = f"{name} excluding 5 overlapping images"
    assert long.loc[column, "auc"] == excluded.auc.auc and long.loc[column, "external"]
    assert bool(long.loc[name, "overlapping"])
    monkeypatch.setenv("LESIONLAB_STORE", str(store.root))
    assert main(["evaluate", "--runs", run.run_id, "--on", name, "--split", "all"]) == 0
    out = capsys.readouterr().out
    assert f"AUC external excluding 5 overlapping images: {excluded.auc.auc:.3f}" in out
    assert "excluding 5 overlapping images" in out.split("transfer matrix")[1]


def test_the_external_set_is_described_from_the_stored_record(copies_val, capsys) -> None:
    _, run, stored, name = copies_val
    result = external_result(stored, run, n_boot=20)
    row = describe_external([result], {stored.evaluation_id: "shown name"}).iloc[0]
    record = stored.record
    external = stored.predictions().query("split == 'test'")
    assert row["evaluation"] == "shown name" and row["n_images"] == record["n_external"] == 25
    assert row["n_events"] == int((external["target"] == 1).sum())
    assert row["prevalence"] == pytest.approx(row["n_events"] / 25)
    assert row["observed_risk"] == pytest.approx(row["prevalence"])
    assert row["mean_predicted_risk"] == pytest.approx(external["prob_1"].mean())
    assert row["left_out_unreadable"] == record["left_out_unreadable"] == 0
    assert (row["overlap_exact"], row["overlap_near"]) == (record["overlap"]["exact"],
                                                           record["overlap"]["near"])
    assert row["class_mapping"] == ", ".join(f"{t} → {c}" for t, c in
                                             sorted(record["mapping"].items()))
    assert row["target_split"] == "every image of the target"
