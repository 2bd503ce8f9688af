"""The training engine end to end with real Keras models, a real store and real files."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from core.datasets.images import decode_image, resize_for_model
from core.store import ResultsStore
from core.training import RunSpec, TrainingCancelled, resolve, train_run
from core.training.events import BatchEnded, EpochEnded, TrainingStarted
from models import REGISTRY

#: One short epoch on a handful of images: every code path, minimal cost.
TINY = {"epochs": 1, "max_train_images": 16, "batch_size": 8}
BIG = {"idc_xception", "melanoma_cnn_v2", "melanoma_cnn_v3", "breakhis_densenet201",
       "breakhis_resnet50", "breakhis_resnet50_sigmoid", "inbreast_inceptionv3"}


def _tiny(model: str, **extra) -> dict:
    size = max(REGISTRY[model].min_input_size, 32)
    return {**TINY, "input_size": size, **extra}


@pytest.mark.parametrize(
    "model", [pytest.param(m, marks=pytest.mark.slow) if m in BIG else m for m in REGISTRY]
)
def test_every_registry_model_trains_stores_reloads_and_hits_the_cache(
        model, squares_registry, tmp_path, monkeypatch):
    if model in BIG:
        # Graph compilation of the big applications takes minutes on a CPU (DenseNet201 ~4);
        # eager mode trains the same model through the same engine in seconds. The graph path
        # is exercised by every other model.
        monkeypatch.setenv("LESIONLAB_RUN_EAGERLY", "1")
    store = ResultsStore(tmp_path / "store")
    spec = RunSpec("squares", model, overrides=_tiny(model))
    stored = train_run(spec, store, registry_path=squares_registry)

    pred = stored.predictions()
    assert set(pred["split"]) == {"val", "test"}
    probs = pred[["prob_0", "prob_1"]].to_numpy()
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert stored.record["model"]["name"] == model
    assert stored.record["training"]["epochs_run"] == 1
    assert stored.record["training"]["eager"] == (model in BIG)

    # The saved model reproduces the stored predictions from the image files themselves.
    reloaded = stored.load_model()
    ds = resolve(spec, squares_registry).dataset
    test = pred[pred["split"] == "test"].head(4)
    paths = ds.table.set_index("sample_id").loc[test["sample_id"], "path"]
    size = stored.record["model"]["input_size"]
    batch = np.stack([resize_for_model(decode_image(p), size) for p in paths])
    out = np.asarray(reloaded(batch, training=False))  # a direct call: no graph tracing
    positive = out[:, 0] if out.shape[1] == 1 else out[:, 1]
    assert np.allclose(positive, test["prob_1"].to_numpy(), atol=2e-3)

    events = []
    again = train_run(spec, store, progress=events.append, registry_path=squares_registry)
    assert again.run_id == stored.run_id
    assert [e.kind for e in events] == ["cached"]


def test_strategies_share_the_split_and_record_what_they_did(squares_registry, tmp_path):
    store = ResultsStore(tmp_path / "store")
    runs = {}
    for strategy in ("none", "class_weight", "class_weight:1,3", "oversample", "undersample"):
        spec = RunSpec("squares", "idc_initial", strategy, overrides=_tiny("idc_initial"))
        runs[strategy] = train_run(spec, store, registry_path=squares_registry)
    splits = {r.identity["split"]["fingerprint"] for r in runs.values()}
    assert len(splits) == 1, "every strategy must be trained and tested on the identical split"
    assert len({r.run_id for r in runs.values()}) == 5
    assert runs["none"].record["strategy"]["class_weight"] == {}
    assert runs["class_weight:1,3"].record["strategy"]["class_weight"] == {"0": 1.0, "1": 3.0}
    balanced = runs["class_weight"].record["strategy"]["class_weight"]
    assert set(balanced) == {"0", "1"} and all(w > 0 for w in balanced.values())
    assert runs["oversample"].record["strategy"]["sampling"] == "oversample"
    # Oversampling draws the minority up to the majority; undersampling the reverse.
    counts = runs["none"].record["data"]["counts"]["train"]
    assert runs["oversample"].record["data"]["images_per_epoch"] >= min(
        sum(counts.values()), TINY["max_train_images"])
    test_ids = [set(r.predictions().query("split == 'test'")["sample_id"]) for r in runs.values()]
    assert all(ids == test_ids[0] for ids in test_ids)


class _StopAfter:
    """Raise KeyboardInterrupt (what Ctrl-C raises) once ``epochs`` epochs have finished."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def __call__(self, event) -> None:
        if isinstance(event, EpochEnded) and event.epoch >= self.epochs:
            raise KeyboardInterrupt


def test_interrupted_run_leaves_nothing_and_resumes_from_its_last_epoch(
        squares_registry, tmp_path):
    store = ResultsStore(tmp_path / "store")
    spec = RunSpec("squares", "idc_own", overrides=_tiny("idc_own", epochs=3))
    with pytest.raises(KeyboardInterrupt):
        train_run(spec, store, progress=_StopAfter(1), registry_path=squares_registry)
    rid = resolve(spec, squares_registry).run_id
    assert not store.has(rid)
    assert store.list_runs().empty

    events = []
    stored = train_run(spec, store, progress=events.append, registry_path=squares_registry)
    started = next(e for e in events if isinstance(e, TrainingStarted))
    assert started.resumed_from_epoch == 1
    epochs_trained_now = [e.epoch for e in events if isinstance(e, EpochEnded)]
    assert epochs_trained_now == [2, 3]
    assert stored.record["training"]["epochs_run"] == 3
    assert stored.history()["epoch"].tolist() == [0, 1, 2]
    assert not (store.work_root / rid).exists() or not any((store.work_root / rid).iterdir())


def test_a_run_early_stopping_had_ended_resumes_without_another_epoch(
        squares_registry, tmp_path):
    """Interrupted while predicting (early stopping had ended training at epoch 2): the resumed
    attempt trains no epoch, as the uninterrupted run trained none after it."""
    import json

    store = ResultsStore(tmp_path / "store")
    spec = RunSpec("squares", "idc_own",
                   overrides=_tiny("idc_own", epochs=6, early_stopping_patience=3))
    with pytest.raises(KeyboardInterrupt):
        train_run(spec, store, progress=_StopAfter(2), registry_path=squares_registry)
    work = store.work_root / resolve(spec, squares_registry).run_id
    state = json.loads((work / "callback_state.json").read_text())
    (key,) = [k for k in state if k.endswith(":EarlyStopping")]
    state[key]["stopped_epoch"] = 1  # as Keras saves it when it ends training at epoch 2
    (work / "callback_state.json").write_text(json.dumps(state))
    events = []
    stored = train_run(spec, store, progress=events.append, registry_path=squares_registry)
    assert next(e for e in events if isinstance(e, TrainingStarted)).resumed_from_epoch == 2
    assert not [e for e in events if isinstance(e, EpochEnded)]
    assert stored.record["training"]["epochs_run"] == 2


def test_cancel_stops_within_a_batch_and_stores_nothing(squares_registry, tmp_path):
    store = ResultsStore(tmp_path / "store")
    cancel = threading.Event()

    def cancel_on_first_batch(event):
        if isinstance(event, BatchEnded):
            cancel.set()

    spec = RunSpec("squares", "idc_initial", overrides=_tiny("idc_initial", epochs=3))
    with pytest.raises(TrainingCancelled):
        train_run(spec, store, progress=cancel_on_first_batch, cancel=cancel,
                  registry_path=squares_registry)
    assert store.list_runs().empty


def test_offline_imagenet_is_stored_as_the_random_init_run_it_was(
        squares_registry, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))  # no cached weights file
    store = ResultsStore(tmp_path / "store")
    spec = RunSpec("squares", "mobilenet_v2", weights="imagenet",
                   overrides=_tiny("mobilenet_v2"))
    stored = train_run(spec, store, registry_path=squares_registry)
    if stored.record["weights"]["note"] is None:
        pytest.skip("ImageNet weights were downloaded: this machine has internet")
    assert stored.identity["weights"] == "random"
    assert stored.record["weights"]["requested"] == "imagenet"
    assert "ImageNet" in stored.record["weights"]["note"]
    # The same request again finds the random-init run instead of training a second copy.
    events = []
    again = train_run(spec, store, progress=events.append, registry_path=squares_registry)
    assert again.run_id == stored.run_id
    assert "training" not in [e.kind for e in events]


def test_a_corrupt_image_is_left_out_of_training_and_recorded(tmp_path):
    """The dataset check's promise (tests/hardening/test_dataset_promises.py has every kind
    of unusable file): the file is skipped, named in the record, absent from predictions."""
    from core.datasets import DatasetSpec, save_spec
    from tests.training.conftest import make_square_images

    root = make_square_images(tmp_path / "data", n_per_class=12)
    bad = root / "benign" / "benign_3.png"
    bad.write_bytes(bad.read_bytes()[:60])  # truncated inside the image data
    registry = tmp_path / "datasets.toml"
    save_spec(DatasetSpec(name="broken", kind="folders", path=str(root)), registry)
    store = ResultsStore(tmp_path / "store")
    spec = RunSpec("broken", "idc_initial", overrides=_tiny("idc_initial", max_train_images=None))
    stored = train_run(spec, store, registry_path=registry)
    skipped = stored.record["data"]["skipped"]
    assert skipped["count"] == 1
    assert skipped["files"][0]["sample_id"] == "benign/benign_3.png"
    assert "truncated" in skipped["files"][0]["reason"]
    assert "benign/benign_3.png" not in set(stored.predictions()["sample_id"])
    counts = stored.record["data"]["counts"]
    assert sum(sum(c.values()) for c in counts.values()) == 23
