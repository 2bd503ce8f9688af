"""Train one run end to end, or return it from the results store if it was trained before.

The order of steps is what makes the store trustworthy:

1. resolve the spec to its identity (no training) and return a stored run at once;
2. build the model — only now do we know whether ImageNet weights were really loaded — and
   look again under the identity of what will actually be trained;
3. claim the run (an inter-process lock), look a third time (another process may just have
   finished it), then train in the run's scratch folder, which keeps the checkpoints an
   interrupted run resumes from;
4. predict val and test, record everything, and commit atomically; only then is the scratch
   folder removed.

An interrupted or cancelled run therefore never appears in the store, and starting it again
resumes from its last finished epoch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras  # already loaded with the progress callback; TensorFlow is needed here anyway
import numpy as np
import pandas as pd

from core import config
from core.datasets.augment import get_augmentation
from core.datasets import split_counts
from core.datasets.errors import DatasetError
from core.errors import LesionlabError
from core.datasets.pipeline import (batch_plan, epoch_size, make_dataset,
                                    pipeline_error_message)
from core.datasets.sampling import class_weights
from core.store import ResultsStore, StoredRun, run_id
from core.store.errors import os_error
from core.training.averaging import averaging_callbacks
from core.training.budget_run import PlannedRun, plan_budget_run, remember_rates
from core.training.device import (DeviceInfo, configure_device, distribution_strategy,
                                  environment)
from core.training.diskspace import DiskSpaceGuard, checkpoint_bytes, ensure_room
from core.training.events import (Building, Predicting, RunCached, RunDone, TrainingStarted,
                                  WaitingForClaim)
from core.training.image_sizes import training_image_size
from core.training.measure import EpochTimer, PeakMemory
from core.training.monitors import check_run
from core.training.padding import UnpaddedValidation, compile_metrics
from core.training.progress import ProgressCallback, ProgressFn
from core.training.resolve import ResolvedRun, resolve, weights_label, with_usable_data
from core.training.resume import epochs_to_fit, read_history, resume_callbacks
from core.training.spec import RunSpec, parse_strategy, sampling_of
from core.training.summary import summarize
from core.training.val_auc import val_auc_callbacks
from models.outputs import class_probabilities

#: Metrics Keras tracks during training (the run's real metrics come from its predictions).
METRICS = ["accuracy"]
#: Above this many bytes of decoded training images, the pipeline caches on disk, not in RAM.
MEMORY_CACHE_LIMIT = 2 * 1024**3


class TrainingFailed(LesionlabError, RuntimeError):
    """Training ran but produced no usable model (e.g. the loss became NaN): the user's recipe
    (a learning rate too high) causes it. Still a ``RuntimeError`` for the callers that catch
    that."""


def train_run(
    spec: RunSpec,
    store: ResultsStore | None = None,
    *,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    registry_path: Path | None = None,
) -> StoredRun:
    """The stored run for ``spec``, training it first if the store does not have it."""
    started = time.perf_counter()  # a budget run's minutes count from here
    store = store or ResultsStore()
    emit = progress or (lambda event: None)
    device = configure_device()  # first: logical devices can only be set before TF starts
    resolved = resolve(spec, registry_path)
    if store.has(resolved.run_id):
        emit(RunCached(run_id=resolved.run_id))
        return store.get(resolved.run_id)
    # Before any work: unreadable files left out, duplicates refused (the check's message),
    # dropped or kept as the dataset declares; the record says which (core.datasets.usable).
    resolved = with_usable_data(resolved)
    budget = None
    if spec.profile == "budget":  # the plan needs this machine's speed: measured now
        budget = plan_budget_run(resolved, device, distribution_strategy(device), store.root,
                                 emit, started, store.work_root)
        resolved = budget.resolved
        emit(budget.event())
    check_run(resolved)  # before any work: a recipe watching a number the run cannot have

    emit(Building(model=resolved.entry.name))
    from models import build_model

    # Seeded before the build: the initial weights are part of what the seed reproduces.
    keras.utils.set_random_seed(resolved.spec.seed)
    with distribution_strategy(device).scope():
        model, weights_note = build_model(resolved.entry, resolved.recipe.input_size,
                                          len(resolved.dataset.class_names), resolved.weights)
    identity = resolved.identity
    if weights_note and resolved.weights.source == "imagenet":
        identity = resolved.with_weights_label("random")
    rid = run_id(identity)
    if store.has(rid):
        emit(RunCached(run_id=rid))
        return store.get(rid)

    def waiting(pid: int | None) -> None:  # said once, so a second `core run` never hangs mute
        emit(WaitingForClaim(run_id=rid, pid=pid, label=spec.label))

    with store.claim(rid, on_wait=waiting):
        if store.has(rid):  # another process trained it while we waited for the lock
            emit(RunCached(run_id=rid))
            return store.get(rid)
        try:
            return _train_claimed(resolved, identity, rid, model, weights_note, device, store,
                                  emit, cancel, budget)
        except (TrainingFailed, DatasetError) as exc:
            # Resuming cannot mend these (a diverged model, images that cannot be read); the
            # record lets `core verify --clean` remove the scratch (core.store.maintenance).
            # An interruption, a cancel or a full disk leaves no record: those resume.
            store.record_failure(rid, exc)
            raise


def _train_claimed(resolved: ResolvedRun, identity: dict, rid: str, model, weights_note,
                   device: DeviceInfo, store: ResultsStore, emit, cancel,
                   budget: PlannedRun | None = None) -> StoredRun:
    """Train the claimed run in its scratch folder, save the model and commit the run."""
    started = time.perf_counter()
    work = store.work_dir(rid)
    data = _plan_data(resolved, device)
    budget = budget.trained_in(work) if budget else None
    guard = budget.guard(len(resolved.rows("val")) + len(resolved.rows("test")), work) \
        if budget else None
    fitted = _fit(model, resolved, data, device, work, emit, cancel, rid, guard)
    model_file = work / "model.keras"
    with _disk_errors_named(work):
        ensure_room(work, checkpoint_bytes(model), "save the trained model")
        model.save(model_file)
    record = _run_record(resolved, identity, rid, model, weights_note, device, data, fitted,
                         time.perf_counter() - started)
    if budget is not None:  # what was chosen and why, and the time it took from the request
        record["budget"] = budget.record(
            wall_time_s=time.perf_counter() - budget.started,
            stopped_after=guard.stopped_after)
        remember_rates(store.root, device, resolved, record)
    stored = store.commit(rid, identity, record, fitted.predictions, fitted.history, model_file)
    store.clear_work(rid)
    emit(RunDone(run_id=rid, summary=record["summary"]))
    return stored


@dataclass(frozen=True)
class _DataPlan:
    """The training and validation data of one run, and how it was sized and weighted."""

    pipe: dict  # the make_dataset options shared by training, validation and prediction
    train_ds: Any
    val_ds: Any
    train_plan: Any  # core.datasets.pipeline.batch_plan
    val_plan: Any
    images_per_epoch: int
    weights_per_class: dict | None
    sampling: str


@dataclass(frozen=True)
class _Fitted:
    """What training and predicting left for the run record."""

    history: pd.DataFrame
    train_time: float
    timer: EpochTimer
    memory: PeakMemory
    predictions: pd.DataFrame
    predict_rate: float | None
    resumed_from: int
    eager: bool


def _plan_data(resolved: ResolvedRun, device: DeviceInfo) -> _DataPlan:
    """The tf.data pipelines and batch plans for the run's strategy (sampling or weights)."""
    recipe, spec, ds = resolved.recipe, resolved.spec, resolved.dataset
    kind, user_weights = parse_strategy(spec.strategy)
    sampling = sampling_of(spec.strategy)
    target_format = "binary" if resolved.entry.head == "sigmoid" else "onehot"
    train_rows = resolved.rows("train")
    # Again for training: shuffles, augmentation and dropout then start from the seed itself,
    # not from wherever building this architecture left the generators.
    keras.utils.set_random_seed(spec.seed)

    pipe = dict(image_size=recipe.input_size, batch_size=recipe.batch_size,
                target_format=target_format, cache=_cache_for(ds, train_rows, recipe.input_size),
                replicas=device.replicas)
    train_ds = make_dataset(ds, train_rows, training=True,
                            augmentation=get_augmentation(recipe.augmentation),
                            sampling=sampling, seed=spec.seed,
                            max_images=recipe.max_train_images, **pipe)
    val_ds = make_dataset(ds, resolved.rows("val"), **pipe)
    sizing = dict(training=True, sampling=sampling, max_images=recipe.max_train_images,
                  seed=spec.seed)
    train_plan = batch_plan(train_rows, batch_size=recipe.batch_size, replicas=device.replicas,
                            **sizing)
    val_plan = batch_plan(resolved.rows("val"), batch_size=recipe.batch_size, training=False,
                          replicas=device.replicas)
    weights_per_class = None
    if kind == "class_weight":
        weights_per_class = class_weights(train_rows["target"], user_weights or "balanced")
    return _DataPlan(pipe, train_ds, val_ds, train_plan, val_plan,
                     epoch_size(train_rows, **sizing), weights_per_class, sampling)


def _fit(model, resolved: ResolvedRun, data: _DataPlan, device: DeviceInfo, work: Path,
         emit, cancel, rid: str, guard=None) -> _Fitted:
    """Compile, train (resuming from the scratch folder's checkpoints), then predict val/test."""
    from models import make_callbacks, make_loss, make_optimizer

    recipe, spec = resolved.recipe, resolved.spec
    steps = data.train_plan.steps
    eager = run_eagerly()
    with distribution_strategy(device).scope():  # optimizer variables live with the model's
        model.compile(optimizer=make_optimizer(recipe, steps), loss=make_loss(recipe),
                      jit_compile=device.xla and not eager, run_eagerly=eager,
                      **compile_metrics(METRICS, data.val_plan))
    recipe_callbacks = make_callbacks(recipe)
    timer = EpochTimer()
    tracker = ProgressCallback(emit, cancel, epochs=recipe.epochs, steps=steps)
    resumed_from = len(read_history(work))
    emit(TrainingStarted(run_id=rid, epochs=recipe.epochs, steps=steps,
                         resumed_from_epoch=resumed_from))
    with PeakMemory() as memory, _image_errors_named(), _disk_errors_named(work):
        fit_started = time.perf_counter()
        model.fit(data.train_ds, validation_data=data.val_ds, verbose=0,
                  epochs=epochs_to_fit(work, recipe.epochs, guard),
                  class_weight=data.weights_per_class,
                  # Checkpoint callbacks before the progress callback: an "epoch" event
                  # (and anything a listener does on it) comes only after the epoch is saved.
                  # Averaged weights swapped in first: everything at an epoch's end sees them.
                  callbacks=averaging_callbacks(recipe)
                  + [UnpaddedValidation(data.val_plan, METRICS)]
                  + val_auc_callbacks(resolved, data.val_ds) + recipe_callbacks
                  + [DiskSpaceGuard(work)]
                  + resume_callbacks(work, recipe_callbacks)
                  # the budget's guard keeps the plan's time with the checkpoint, before the
                  # progress event (a listener may stop the run there)
                  + ([guard] if guard is not None else []) + [timer, tracker])
        train_time = time.perf_counter() - fit_started
        history = read_history(work)
        if history.empty or not np.isfinite(history["loss"].to_numpy(dtype=float)).all():
            raise TrainingFailed(f"{spec.label}: the training loss became NaN or infinite "
                                 "(diverged). Try a lower learning rate.")
        emit(Predicting(run_id=rid))
        predictions, predict_rate = _predict(model, resolved, data.pipe)
    return _Fitted(history, train_time, timer, memory, predictions, predict_rate, resumed_from,
                   eager)


def _run_record(resolved: ResolvedRun, identity: dict, rid: str, model, weights_note,
                device: DeviceInfo, data: _DataPlan, fitted: _Fitted, wall_time: float) -> dict:
    """The run's record.json: what was asked, what was trained on what, and how it went."""
    recipe, spec, ds = resolved.recipe, resolved.spec, resolved.dataset
    history, timer, memory = fitted.history, fitted.timer, fitted.memory
    return {
        "run_id": rid,
        "spec": spec.to_dict(),
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "class_names": list(ds.class_names),
        "positive_index": ds.positive_index if ds.spec.task == "binary" else None,
        "task": ds.spec.task,
        "synthetic_data": ds.synthetic,
        "model": {**resolved.entry.to_dict(), "n_params": int(model.count_params()),
                  "input_size": recipe.input_size},
        "recipe": recipe.to_dict(),
        "strategy": {"name": spec.strategy, "sampling": data.sampling,
                     "class_weight": {str(k): v
                                      for k, v in (data.weights_per_class or {}).items()}},
        "weights": {"requested": weights_label(resolved.weights),
                    "used": identity["weights"], "note": weights_note},
        "data": {"counts": _split_counts(resolved), "images_per_epoch": data.images_per_epoch,
                 "notes": list(ds.notes), **resolved.usable.record(),
                 "image_size": training_image_size(resolved)},
        "training": {"epochs_run": len(history), "epochs_planned": recipe.epochs,
                     "stopped_early": len(history) < recipe.epochs,
                     "resumed_from_epoch": fitted.resumed_from, "eager": fitted.eager,
                     "epoch_seconds": timer.durations,
                     # what the multi-device batching changed (core.datasets.batching)
                     "global_batch": data.train_plan.sizes[0],
                     "images_left_out_per_epoch": data.train_plan.dropped,
                     "val_blank_padding": data.val_plan.padding},
        "wall_time_s": wall_time,
        "train_time_s": fitted.train_time,
        "images_per_s": timer.images_per_second(data.images_per_epoch),
        "predict_images_per_s": fitted.predict_rate,
        "peak_memory_mb": memory.peak_bytes / 2**20,
        "gpu_peak_memory_mb": (memory.gpu_peak_bytes / 2**20
                               if memory.gpu_peak_bytes is not None else None),
        "device": device.kind,
        "device_info": device.to_dict(),
        "environment": environment(),
        "summary": summarize(fitted.predictions, ds.class_names,
                             ds.positive_index if ds.spec.task == "binary" else None),
    }


@contextlib.contextmanager
def _image_errors_named():
    """An image that cannot be decoded mid-training surfaces from TensorFlow as a long
    InvalidArgumentError; re-raise it as the pipeline's one-line message (file, reason, fix)."""
    import tensorflow as tf

    try:
        yield
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError) as exc:
        message = pipeline_error_message(exc)
        if message is None:
            raise
        raise DatasetError(message) from None


@contextlib.contextmanager
def _disk_errors_named(work: Path):
    """An unwritable scratch folder (or a disk that filled despite the DiskSpaceGuard) surfaces
    as a bare ``OSError`` from deep inside ``fit`` or ``save``; say which folder and what to do.
    Nothing reaches the store: the commit never ran, and the epochs already checkpointed are
    resumed from once the folder is writable again."""
    try:
        yield
    except OSError as exc:
        raise os_error(exc, "write this run's checkpoints and model", work) from exc


def run_eagerly() -> bool:
    """``LESIONLAB_RUN_EAGERLY=1`` trains without building TensorFlow graphs (Keras
    ``run_eagerly``). Numerically the same training, slower per step, but it skips graph
    compilation, which takes minutes for DenseNet201 or ResNet50 on a CPU: useful for debugging a
    model and for tests that only need a few steps. Recorded in the run."""
    return os.environ.get("LESIONLAB_RUN_EAGERLY", "") == "1"


def _cache_for(ds, rows: pd.DataFrame, size: int) -> bool | str:
    if len(rows) * size * size * 3 <= MEMORY_CACHE_LIMIT:
        return True
    folder = config.home() / "cache" / "pipeline"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def _predict(model, resolved: ResolvedRun, pipe: dict) -> tuple[pd.DataFrame, float | None]:
    """Class probabilities for val and test, matched to sample ids by position (the pipeline
    keeps row order when not training)."""
    frames, seconds, count = [], 0.0, 0
    n_classes = len(resolved.dataset.class_names)
    for split in ("val", "test"):
        rows = resolved.rows(split)
        begin = time.perf_counter()
        out = np.asarray(model.predict(make_dataset(resolved.dataset, rows, **pipe), verbose=0),
                         dtype=np.float64)[:len(rows)]  # blank padding of a multi-device run
        seconds += time.perf_counter() - begin
        count += len(rows)
        probs = class_probabilities(out)
        frame = pd.DataFrame({
            "sample_id": rows["sample_id"].to_numpy(),
            "group": rows["group"].to_numpy(),
            "split": split,
            "target": rows["target"].to_numpy(dtype=np.int64),
            "label": rows["label"].to_numpy(),
        })
        for k in range(n_classes):
            frame[f"prob_{k}"] = probs[:, k]
        for col in resolved.dataset.metadata_columns:
            frame[col] = rows[col].to_numpy()
        frames.append(frame)
    rate = count / seconds if seconds > 0 else None
    return pd.concat(frames, ignore_index=True), rate


def _split_counts(resolved: ResolvedRun) -> dict:
    """Images per class in each split, as plain JSON for the run record."""
    frame = split_counts(resolved.dataset, resolved.splits)
    return {split: {str(c): int(n) for c, n in frame[split].items()}
            for split in ("train", "val", "test") if split in frame.columns}



