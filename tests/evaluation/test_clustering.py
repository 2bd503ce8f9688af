"""Image-level clustering of a test set: counted against a hand-built frame."""

from __future__ import annotations

import pandas as pd

from core.evaluation.clustering import image_clustering


def _frame(groups, splits):
    n = len(groups)
    return pd.DataFrame({"sample_id": [f"s{i}" for i in range(n)], "group": groups,
                         "split": splits, "target": [i % 2 for i in range(n)],
                         "prob_0": 0.5, "prob_1": 0.5})


def test_groups_with_several_test_images_are_counted_and_validation_is_ignored():
    # test: p1 x3, p2 x2, s5 alone (its own id); val: p1 again and p9 (not counted)
    groups = ["p1", "p1", "p1", "p2", "p2", "s5", "p1", "p9"]
    splits = ["test"] * 6 + ["val", "val"]
    c = image_clustering(_frame(groups, splits))
    assert (c.n_images, c.n_groups, c.n_clustered, c.largest) == (6, 3, 2, 3)
    assert c.clustered
    assert c.sentence.startswith("the 6 test images come from 3 patients or lesions, 2 of them "
                                 "with several images (up to 3)")
    assert c.sentence.endswith("evaluate per patient / lesion")


def test_one_image_per_group_is_no_cluster():
    c = image_clustering(_frame([f"s{i}" for i in range(4)], ["test"] * 4))
    assert (c.n_images, c.n_groups, c.n_clustered, c.largest) == (4, 4, 0, 1)
    assert not c.clustered
