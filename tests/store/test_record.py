"""The typed record view (:class:`core.store.RunRecord`): every attribute read from a record the
engine really stored, and from a record an older engine wrote (sections missing), where each
reads as ``None`` / empty like the ``.get`` chains it replaces. The view never changes the dict.
"""

from __future__ import annotations

import copy
import math
import pickle
from types import MappingProxyType

import pytest

from core.store import RunRecord
from core.store.record import (DataFacts, DuplicateFacts, ImageSizeFacts, ModelFacts,
                               RecipeFacts, SkippedFiles, SpecFacts, StrategyFacts,
                               TrainingFacts, WeightsFacts)
from tests.support.trained import TINY

#: What an engine before ``data.skipped`` / ``data.duplicates`` / ``training`` details wrote
#: (revision 1), cut to a few fields; ``weights`` and ``device_info`` are absent altogether.
OLD_RECORD = {
    "run_id": "0123456789abcdef0123",
    "created_at": "2025-01-02T03:04:05+00:00",
    "class_names": ["benign", "malignant"],
    "positive_index": 1,
    "model": {"name": "idc_initial", "n_params": 12345},
    "recipe": {"epochs": 3, "batch_size": 16},
    "strategy": {"name": "none", "sampling": "none"},
    "data": {"counts": {"train": {"benign": 10, "malignant": 4}}},
    "training": {"epochs_run": 3, "epochs_planned": 3},
    "wall_time_s": 12,
    "device": "cpu",
    "summary": {"test_auc": 0.75},
}


@pytest.fixture(scope="module")
def stored(trained_store):
    """The class-weighted demo run: every section the engine writes, class weights included."""
    runs = trained_store.list_runs()
    (rid,) = runs.loc[runs["strategy"] == "class_weight", "run_id"]
    return trained_store.get(rid)


def test_a_stored_record_reads_through_the_view(stored):
    record, view = stored.record, stored.view
    assert view is stored.view  # built once per StoredRun
    assert view.run_id == stored.run_id == record["run_id"]
    assert view.created_at == record["created_at"]
    assert view.class_names == tuple(stored.class_names) and len(view.class_names) == 2
    assert view.positive_index == record["positive_index"] == 1
    assert view.task == "binary" and not view.is_multiclass
    assert view.synthetic_data is True  # the demo dataset is generated
    assert view.spec == SpecFacts(dataset="demo", model="idc_initial", strategy="class_weight",
                                  profile="quick", seed=0, fold=None, n_folds=None,
                                  weights=None, overrides=TINY, split_seed=0)


def test_model_recipe_strategy_and_weights_of_a_stored_record(stored):
    record, view = stored.record, stored.view
    model = record["model"]
    assert view.model == ModelFacts(name="idc_initial", title=model["title"],
                                    citation=model["citation"], family=model["family"],
                                    head=model["head"], n_params=model["n_params"],
                                    input_size=model["input_size"],
                                    last_conv_layer=model["last_conv_layer"],
                                    supports_imagenet=False)
    assert view.model.n_params > 0 and view.model.citation
    recipe = view.recipe
    assert (recipe.epochs, recipe.max_train_images, recipe.batch_size) == (2, 600, 32)  # TINY
    for name in ("optimizer", "learning_rate", "schedule", "augmentation", "input_size"):
        assert getattr(recipe, name) == record["recipe"][name]
    assert recipe.as_dict() == record["recipe"] and dict(recipe.values) == record["recipe"]
    assert view.strategy.name == "class_weight" and view.strategy.sampling == "none"
    # "balanced" weights: one per class, the rarer class weighted up
    assert set(view.strategy.class_weight) == {"0", "1"}
    assert dict(view.strategy.class_weight) == record["strategy"]["class_weight"]
    assert view.weights == WeightsFacts(**record["weights"])


def test_data_and_training_of_a_stored_record(stored):
    record, view = stored.record, stored.view
    data = record["data"]
    assert {s: dict(view.data.split_counts(s)) for s in ("train", "val", "test")} \
        == data["counts"]
    assert view.data.split_counts("nowhere") == {}
    assert view.data.images_per_epoch == data["images_per_epoch"] <= 600
    assert view.data.notes == tuple(data["notes"])
    assert view.data.skipped == SkippedFiles(count=0, files=())  # the demo images all decode
    # the demo's 50x50 px patches, measured on the training split only
    assert view.data.image_size == ImageSizeFacts(
        median_width=50, median_height=50, median_aspect=1,
        images=sum(data["counts"]["train"].values()))
    dup = data["duplicates"]
    assert view.data.duplicates == DuplicateFacts(
        policy=dup["policy"], sets=dup["sets"], across_classes=dup["across_classes"],
        across_splits=dup["across_splits"], dropped_count=dup["dropped"]["count"], kept=())
    training = record["training"]
    assert view.training == TrainingFacts(
        epochs_run=training["epochs_run"], epochs_planned=2,
        stopped_early=training["stopped_early"], resumed_from_epoch=0,
        eager=training["eager"], epoch_seconds=tuple(training["epoch_seconds"]),
        global_batch=32, images_left_out_per_epoch=training["images_left_out_per_epoch"],
        val_blank_padding=training["val_blank_padding"])
    assert len(view.training.epoch_seconds) == view.training.epochs_run


def test_timing_device_environment_and_summary_of_a_stored_record(stored):
    record, view = stored.record, stored.view
    for name in ("wall_time_s", "train_time_s", "images_per_s", "predict_images_per_s",
                 "peak_memory_mb", "gpu_peak_memory_mb"):
        assert getattr(view, name) == record[name]
    assert view.train_time_s < view.wall_time_s
    assert view.gpu_peak_memory_mb is None and view.device == "cpu"  # tests hide the GPU
    assert dict(view.device_info) == {k: (tuple(v) if isinstance(v, list) else v)
                                      for k, v in record["device_info"].items()}
    assert dict(view.environment) == record["environment"] and "keras" in view.environment
    assert dict(view.summary) == record["summary"] and 0 <= view.summary["test_auc"] <= 1


def test_an_old_record_reads_as_none_or_empty():
    view = RunRecord.from_dict(OLD_RECORD)
    assert (view.run_id, view.created_at) == (OLD_RECORD["run_id"], OLD_RECORD["created_at"])
    assert view.class_names == ("benign", "malignant") and view.positive_index == 1
    assert view.task is None and view.synthetic_data is False and not view.is_multiclass
    assert view.spec == SpecFacts()
    assert view.model == ModelFacts(name="idc_initial", n_params=12345)
    assert view.recipe == RecipeFacts(values={"epochs": 3, "batch_size": 16}, epochs=3,
                                      batch_size=16)
    assert view.strategy == StrategyFacts(name="none", sampling="none")
    assert view.weights == WeightsFacts(requested=None, used=None, note=None)
    assert view.data == DataFacts(counts={"train": {"benign": 10, "malignant": 4}})
    assert view.data.skipped is None and view.data.duplicates is None  # "not recorded"
    assert view.training == TrainingFacts(epochs_run=3, epochs_planned=3)
    assert view.training.stopped_early is False and view.training.epoch_seconds == ()
    assert view.wall_time_s == 12 and isinstance(view.wall_time_s, int)  # kept as stored
    assert (view.train_time_s, view.images_per_s, view.predict_images_per_s,
            view.peak_memory_mb, view.gpu_peak_memory_mb) == (None,) * 5
    assert view.device == "cpu" and view.device_info == {} and view.environment == {}
    assert view.summary == {"test_auc": 0.75}


def test_empty_null_and_malformed_sections_read_as_empty():
    assert RunRecord.from_dict({}) == RunRecord()
    view = RunRecord.from_dict({"model": None, "data": {"skipped": {}, "duplicates": {},
                                                        "notes": None}, "recipe": "adam",
                                "class_names": None, "training": [], "summary": None})
    assert view.model == ModelFacts() and view.recipe == RecipeFacts()
    assert view.class_names == () and view.training == TrainingFacts() and view.summary == {}
    assert view.data.notes == ()
    # present but empty is recorded as nothing left out / no duplicate sets, not "not recorded"
    assert view.data.skipped == SkippedFiles(count=0, files=())
    assert view.data.duplicates == DuplicateFacts(policy=None, sets=0, dropped_count=0)


def test_skipped_files_and_kept_duplicates_by_hand():
    data = {"skipped": {"count": 2, "files": [{"sample_id": "a.png", "reason": "truncated"},
                                              {"sample_id": "b.png", "reason": "empty"}]},
            "duplicates": {"policy": "keep", "sets": 3, "across_classes": 1, "across_splits": 2,
                           "dropped": {"count": 0, "sample_ids": []},
                           "kept": [["x.png", "y.png"], ["p.png", "q.png", "r.png"]]}}
    view = RunRecord.from_dict({"class_names": ["a", "b", "c"], "data": data})
    assert view.is_multiclass  # three classes, even without task = "multiclass"
    assert view.data.skipped.files == (("a.png", "truncated"), ("b.png", "empty"))
    assert view.data.duplicates == DuplicateFacts(
        policy="keep", sets=3, across_classes=1, across_splits=2, dropped_count=0,
        kept=(("x.png", "y.png"), ("p.png", "q.png", "r.png")))
    no_count = RunRecord.from_dict({"data": {"skipped": {"files": data["skipped"]["files"]}}})
    assert no_count.data.skipped.count == 2  # an absent count is the files listed


def test_the_view_neither_changes_nor_shares_the_dict(stored):
    record = copy.deepcopy(OLD_RECORD)
    view = RunRecord.from_dict(record)
    assert record == OLD_RECORD
    record["model"]["n_params"] = 1
    record["data"]["counts"]["train"]["benign"] = 0
    assert view.model.n_params == 12345 and view.data.split_counts("train")["benign"] == 10
    with pytest.raises(TypeError):
        view.summary["test_auc"] = 1.0  # read-only mapping
    with pytest.raises(AttributeError):
        view.model.n_params = 1  # frozen dataclass
    copied = view.as_dict()
    copied["summary"]["test_auc"] = 0.0
    assert view.as_dict() == OLD_RECORD and view.summary["test_auc"] == 0.75
    assert isinstance(view.data.counts, MappingProxyType)
    before = copy.deepcopy(stored.record)
    RunRecord.from_dict(stored.record)
    assert _same(stored.record, before)


def test_of_and_pickling(stored):
    view = stored.view
    assert RunRecord.of(view) is view
    assert RunRecord.of(stored.record) == view
    assert pickle.loads(pickle.dumps(view)) == view  # e.g. a cache that pickles
    assert pickle.loads(pickle.dumps(view)).as_dict().keys() == stored.record.keys()


def _same(a, b) -> bool:
    """Equality that takes NaN as equal to NaN (an undefined summary number is NaN)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b
