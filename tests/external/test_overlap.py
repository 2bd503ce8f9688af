"""The cross-dataset overlap check on a target that copies some of the run's training images."""

from __future__ import annotations

from core.datasets import assign_splits, load_dataset
from core.datasets.demo import generate_demo
from core.external import evaluate_external
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
