"""External validation's pure parts against hand-worked examples: the transfer matrix and its
unpaired drop CI, logistic recalibration, the class mapping, the average hash and overlap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy.special import expit

from core.datasets import DatasetSpec, LoadedDataset
from core.evaluation import DelongAuc
from core.external import (FLAG_COLUMN, ExternalEvaluationError, Overlap, TransferCell,
                           UnmappedClassError, average_hash, count_overlap, excluding_overlap,
                           hash_distance, logistic_recalibration, overlap_flags, parse_mapping,
                           resolve_mapping, transfer_matrix, transfer_table)
from core.external.overlap import NEAR_BITS


def _auc(auc: float, var: float, lo: float = 0.0, hi: float = 1.0) -> DelongAuc:
    return DelongAuc(auc, var, lo, hi, 50, 50)


def test_transfer_matrix_hand_worked() -> None:
    # internal 0.90 (var 0.0004), external 0.80 (var 0.0005): drop 0.10,
    # se = sqrt(0.0009) = 0.03, 95% CI 0.10 -/+ 1.959964 * 0.03 = [0.041201, 0.158799]
    internal, external = _auc(0.90, 0.0004, 0.85, 0.94), _auc(0.80, 0.0005, 0.74, 0.85)
    long = transfer_matrix([TransferCell("A", "A", internal, internal),
                            TransferCell("A", "B", external, internal)])
    own, ext = long.iloc[0], long.iloc[1]
    assert not own["external"] and own["auc"] == 0.90 and np.isnan(own["drop_ci_low"])
    assert ext["external"] and ext["drop"] == pytest.approx(0.10)
    assert ext["drop_ci_low"] == pytest.approx(0.041201, abs=1e-6)
    assert ext["drop_ci_high"] == pytest.approx(0.158799, abs=1e-6)
    assert (ext["ci_low"], ext["ci_high"]) == (0.74, 0.85)
    table = transfer_table(long)
    assert table.loc["A", "A"] == "0.900 [0.850, 0.940] (internal)"
    assert table.loc["A", "B"] == "0.800 [0.740, 0.850] drop +0.100 [+0.041, +0.159]"


def test_transfer_matrix_refuses_two_models_in_one_cell_and_says_undefined() -> None:
    a = _auc(0.9, 0.001)
    with pytest.raises(ValueError, match="one model per training dataset"):
        transfer_matrix([TransferCell("A", "B", a, a), TransferCell("A", "B", a, a)])
    perfect = DelongAuc(1.0, 0.0, np.nan, np.nan, 5, 5, reason="perfect separation")
    row = transfer_matrix([TransferCell("A", "B", perfect, a)]).iloc[0]
    assert np.isnan(row["drop_ci_low"]) and "perfect separation" in row["reason"]


def test_recalibration_hand_worked() -> None:
    # Two logits, -1 and +1, four cases each, 1 and 3 positives: the logistic fit is exact,
    # slope b = (logit(.75) - logit(.25)) / 2 = ln 3, and by symmetry both intercepts are 0.
    p = [expit(-1.0)] * 4 + [expit(1.0)] * 4
    y = [1, 0, 0, 0, 1, 1, 1, 0]
    cal = logistic_recalibration(y, p)
    assert cal.slope == pytest.approx(np.log(3), abs=1e-6)
    assert cal.citl == pytest.approx(0.0, abs=1e-9)
    assert cal.slope_ci[0] < cal.slope < cal.slope_ci[1]
    assert cal.observed_risk == 0.5 and cal.mean_predicted_risk == pytest.approx(0.5)
    # Under-prediction: p = 1/4 (logit -ln 3) for 2 cases with 1 positive (observed logit 0)
    # and p = 3/4 (logit ln 3) for 10 cases with 9 positives (observed logit 2 ln 3). The exact
    # fit is intercept ln 3 with slope 1, so calibration-in-the-large is ln 3 too.
    low = logistic_recalibration([1, 0] + [1] * 9 + [0], [0.25] * 2 + [0.75] * 10)
    assert low.slope == pytest.approx(1.0, abs=1e-6)
    assert low.citl == pytest.approx(np.log(3), abs=1e-9)
    assert low.citl_ci[0] < np.log(3) < low.citl_ci[1]
    assert logistic_recalibration([1, 1], [0.2, 0.3]).reason is not None


def _dataset(labels: list[str], positive: str | None, task: str = "binary") -> LoadedDataset:
    spec = DatasetSpec(name="t", kind="folders", path="/nowhere", positive_class=positive,
                       task=task)
    table = pd.DataFrame({"label": labels})
    return LoadedDataset(spec, table, tuple(sorted(set(labels))))


def test_binary_default_mapping_and_explicit_mapping() -> None:
    target = _dataset(["mel", "nv", "bkl"], "mel", task="multiclass")
    runs = ["benign", "malignant"]
    assert resolve_mapping(runs, 1, target, ["mel", "nv", "bkl"]) == {
        "mel": "malignant", "nv": "benign", "bkl": "benign"}
    explicit = parse_mapping("mel=malignant, nv=benign,bkl=benign")
    assert resolve_mapping(runs, 1, target, ["mel", "nv", "bkl"], explicit) == {
        "mel": "malignant", "nv": "benign", "bkl": "benign"}


def test_unmapped_or_unknown_classes_are_refused_with_one_message() -> None:
    target = _dataset(["mel", "nv", "bkl"], None, task="multiclass")
    runs = ["benign", "malignant"]
    with pytest.raises(UnmappedClassError, match="'bkl'.*no mapping"):
        resolve_mapping(runs, 1, target, ["mel", "nv", "bkl"],
                        {"mel": "malignant", "nv": "benign"})
    with pytest.raises(UnmappedClassError, match="declares no positive class"):
        resolve_mapping(runs, 1, target, ["mel", "nv"])
    with pytest.raises(ExternalEvaluationError, match="does not have"):
        resolve_mapping(runs, 1, target, ["mel"], {"melanoma": "malignant"})
    with pytest.raises(ExternalEvaluationError, match="does not predict"):
        resolve_mapping(runs, 1, target, ["mel"], {"mel": "cancer"})
    with pytest.raises(UnmappedClassError, match="not among the run's classes"):
        resolve_mapping(["a", "b", "c"], None, _dataset(["a", "d"], None, "multiclass"),
                        ["a", "d"])
    for bad in ("mel", "mel=", "=x", "a=b,a=c"):
        with pytest.raises(ExternalEvaluationError):
            parse_mapping(bad)


def test_average_hash_survives_resize_and_contrast_but_not_another_image() -> None:
    rng = np.random.default_rng(0)
    base = (rng.random((16, 16)) * 255).astype(np.uint8)
    image = Image.fromarray(np.kron(base, np.ones((16, 16), dtype=np.uint8)))  # 256 px
    small = image.resize((28, 28), Image.Resampling.BOX)
    faint = Image.fromarray((np.asarray(image) * 0.5 + 60).astype(np.uint8))
    other = Image.fromarray((rng.random((256, 256)) * 255).astype(np.uint8))
    h = average_hash(image)
    assert len(h) == 64  # 256 bits as hex
    assert hash_distance(h, average_hash(small)) <= NEAR_BITS
    assert h == average_hash(faint)
    assert hash_distance(h, average_hash(other)) > 4 * NEAR_BITS
    assert hash_distance("0" * 63 + "7", "0" * 64) == 3  # hand-counted: 0x7 has three bits


def _hex(value: int) -> str:
    return f"{value:064x}"


def test_overlap_counts_exact_and_near_copies() -> None:
    train = pd.DataFrame({"sample_id": ["t1", "t2", "t3"], "sha256": ["a", "b", "c"],
                          "ahash": [_hex(0), _hex(0xFFFF), _hex(0xF0F0F0F0 << 100)]})
    target = pd.DataFrame({"sample_id": ["x1", "x2", "x3", "x4"],
                           "sha256": ["a", "z", "y", None],
                           "ahash": [_hex(0), _hex(0xFFFE), _hex((1 << 60) - 1), None]})
    found = count_overlap(train, target)
    # x1 is t1's file; x2 differs from t2 in one bit; x3 is 60 bits from t1, x4 unreadable
    assert (found.exact, found.near, found.unreadable) == (1, 2, 1)
    assert found.exact_examples == ("x1",) and found.near_examples == ("x2",)
    assert found.overlapping


def test_overlap_flags_name_each_target_row() -> None:
    train = pd.DataFrame({"sample_id": ["t1", "t2"], "sha256": ["a", "b"],
                          "ahash": [_hex(0), _hex(0xFFFF)]})
    target = pd.DataFrame({"sample_id": ["x1", "x2", "x3", "x4"],
                           "sha256": ["a", "z", "y", None],
                           "ahash": [_hex(0), _hex(0xFFFE), _hex((1 << 60) - 1), None]})
    flags = overlap_flags(train, target)
    assert flags.tolist() == ["exact", "near", "none", "unreadable"]
    found = count_overlap(train, target, flags)
    assert (found.exact, found.near, found.unreadable) == (1, 2, 1) and found.known


def test_an_unchecked_overlap_is_unknown_never_none() -> None:
    found = Overlap.not_checked(10, 2)
    assert not found.known and not found.overlapping
    record = found.as_record()
    assert record["known"] is False and record["exact"] is None and record["near"] is None
    assert record["unknown"] == "overlap unknown (imported model)"


def _external(flags, targets, scores) -> pd.DataFrame:
    n = len(flags)
    val = pd.DataFrame({"sample_id": ["v0", "v1"], "group": ["g", "h"], "split": "val",
                        "target": [0, 1], "label": ["b", "m"], "prob_0": [0.8, 0.3],
                        "prob_1": [0.2, 0.7], FLAG_COLUMN: [None, None]})
    ext = pd.DataFrame({"sample_id": [f"x{i}" for i in range(n)],
                        "group": [f"p{i}" for i in range(n)], "split": "test",
                        "target": targets, "label": ["m" if t else "b" for t in targets],
                        "prob_0": [1 - s for s in scores], "prob_1": scores,
                        FLAG_COLUMN: flags})
    return pd.concat([val, ext], ignore_index=True)


def test_auc_excluding_overlap_hand_worked() -> None:
    # Without the two flagged images: positives 0.9, 0.4; negatives 0.5, 0.1.
    # Pairs (pos > neg): 0.9>0.5, 0.9>0.1, 0.4>0.1 = 3 of 4, AUC 0.75.
    pred = _external(["exact", "near", "none", "none", "none", "none"],
                     [0, 1, 1, 1, 0, 0], [0.95, 0.05, 0.9, 0.4, 0.5, 0.1])
    excluded = excluding_overlap(pred, 1)
    assert excluded.n_excluded == 2 and excluded.label == "excluding 2 overlapping images"
    assert excluded.auc.auc == pytest.approx(0.75)
    assert excluded.auc.ci_low < 0.75 < excluded.auc.ci_high
    # nothing flagged, or no flags stored (an older evaluation: unknown): no row
    assert excluding_overlap(pred.assign(**{FLAG_COLUMN: "none"}), 1) is None
    assert excluding_overlap(pred.drop(columns=FLAG_COLUMN), 1) is None
    assert excluding_overlap(pred.assign(**{FLAG_COLUMN: "unknown"}), 1) is None
    # what is left has one class: said, not computed
    one_class = excluding_overlap(_external(["exact", "none", "none"], [1, 0, 0],
                                            [0.9, 0.2, 0.1]), 1)
    assert one_class.auc is None and one_class.reason


def test_transfer_cells_keep_each_run_in_its_own_row() -> None:
    a, b = _auc(0.9, 0.001), _auc(0.7, 0.001)
    long = transfer_matrix([TransferCell("A", "B", a, a, "A · run r1"),
                            TransferCell("A", "B", b, b, "A · run r2")])
    table = transfer_table(long)
    assert table.index.tolist() == ["A · run r1", "A · run r2"]
    assert table.loc["A · run r2", "B"].startswith("0.700")
