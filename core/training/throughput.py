"""Images per second of a model at an input size on this device: measured, and remembered.

The budget planner (:mod:`core.training.budget`) needs rates before it can choose a size. Two
sources, the better first:

- **remembered**: every budget run writes the rates its real epochs achieved (pipeline,
  augmentation and validation included) into ``throughput.json`` at the store's root, keyed by
  device, model, input size, batch size, TensorFlow version and augmentation preset (a preset
  that warps and recolours every image costs a CPU pipeline more than a flip does); a later
  plan (or job estimate, :mod:`core.jobs.estimates`) on the same machine with the same preset
  uses them. Keys written before the preset was part of them are not used there: the next plan
  probes again. Other runs the job runner trains keep theirs too, with the run's fixed seconds
  outside its epochs (``overhead_s``, :func:`core.training.eta.overhead_of`) for the next job
  estimate; the budget planner measures its own with its probe. Only the Home page's promise
  of the demo's time reads any entry of the model and size
  (:func:`core.training.eta.newest_rates`: it must not start TensorFlow).
- **probed**: otherwise the model is built at the smallest and the largest candidate size and
  timed on a few random batches (``train_on_batch`` after one untimed step that traces the
  graph); sizes between are interpolated (:func:`core.training.budget_sizes.interpolate`). A probe
  leaves out the input pipeline, so its rates are optimistic for small models; the run's
  :class:`~core.training.budget_guard.BudgetGuard` measures real epochs and stops in time.

The time a probe took counts against the run's budget: the engine subtracts it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from core.store.fsutil import write_durable
from core.training.budget import Rates
from core.training.eta import read_overhead

FILE_NAME = "throughput.json"
#: Timed steps per probed size (after one untimed tracing step).
PROBE_STEPS = 3


def _key(device: str, model: str, size: int, batch: int, augmentation: str) -> str:
    import tensorflow as tf

    return f"{device}|{model}|{size}|{batch}|tf{tf.__version__}|aug={augmentation}"


def remembered(store_root: Path, device: str, model: str, sizes: Iterable[int],
               batch: int, augmentation: str) -> dict[int, Rates]:
    """Rates measured by earlier runs on this device with this augmentation preset, for those
    of ``sizes`` that have them."""
    table = _read(store_root)
    out = {}
    for size in sizes:
        entry = table.get(_key(device, model, size, batch, augmentation))
        if entry:
            out[int(size)] = Rates(train=float(entry["train"]), predict=float(entry["predict"]),
                                   source="earlier runs")
    return out


def remembered_overhead_s(store_root: Path, device: str, model: str, size: int, batch: int,
                          augmentation: str, sizes: Sequence[int]) -> float | None:
    """The fixed seconds an earlier run of this model, input size and run ``sizes``
    (:func:`core.training.eta.overhead_sizes`) kept beside its rates
    (:func:`core.training.eta.overhead_of`); ``None`` when it kept none."""
    entry = _read(store_root).get(_key(device, model, size, batch, augmentation))
    return read_overhead(entry, sizes) if isinstance(entry, dict) else None


def remember(store_root: Path, device: str, model: str, size: int, batch: int,
             augmentation: str, train: float | None, predict: float | None,
             overhead: tuple[float, Sequence[int]] | None = None) -> None:
    """Keep a finished run's real rates (ignored when either is unknown), and its fixed
    seconds outside the epochs with the run sizes they were measured on, when known; a run
    that cannot say (a budget run, a resumed one) leaves the entry's earlier overhead."""
    if not train or not predict:
        return
    table = _read(store_root)
    key = _key(device, model, size, batch, augmentation)
    entry = {"train": float(train), "predict": float(predict), "at": time.time()}
    earlier = table.get(key)
    if overhead is not None:
        entry.update(overhead_s=float(overhead[0]), overhead_sizes=[int(n) for n in overhead[1]])
    elif isinstance(earlier, dict) and "overhead_s" in earlier:
        entry.update({k: earlier[k] for k in ("overhead_s", "overhead_sizes") if k in earlier})
    table[key] = entry
    target = store_root / FILE_NAME
    scratch = target.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    scratch.unlink(missing_ok=True)
    write_durable(scratch, json.dumps(table, indent=1, sort_keys=True).encode())
    os.replace(scratch, target)  # atomic: a reader sees the old table or the new one


def read_table(store_root: Path) -> dict:
    """The whole remembered table (``{key: {"train", "predict", "at"}}``; empty when absent or
    damaged), for readers that estimate times without starting TensorFlow
    (:func:`core.training.eta.newest_rates`)."""
    return _read(store_root)


def _read(store_root: Path) -> dict:
    try:
        data = json.loads((store_root / FILE_NAME).read_text())
    except (OSError, ValueError):  # absent or damaged: measure again, never fail a run over it
        return {}
    return data if isinstance(data, dict) else {}


def probe(entry, recipe, size: int, n_classes: int, strategy) -> tuple[Rates, float]:
    """Rates of ``entry`` at ``size`` px from a few timed random batches, and the seconds the
    untimed first step took (model build and graph tracing: the run's fixed overhead)."""
    import keras

    from models import build_model
    from models.keras_parts import make_loss, make_optimizer

    batch = recipe.batch_size
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (batch, size, size, 3)).astype("float32")
    labels = rng.integers(0, max(n_classes, 2), batch)
    y = (labels[:, None].astype("float32") if entry.head == "sigmoid"
         else keras.utils.to_categorical(labels, n_classes))
    started = time.perf_counter()
    with strategy.scope():
        model, _ = build_model(entry, size, n_classes, None)
        model.compile(optimizer=make_optimizer(recipe, 100), loss=make_loss(recipe))
    model.train_on_batch(x, y)
    model.predict_on_batch(x)
    overhead = time.perf_counter() - started
    train = _rate(lambda: model.train_on_batch(x, y), batch)
    predict = _rate(lambda: model.predict_on_batch(x), batch)
    keras.backend.clear_session()
    return Rates(train=train, predict=predict, source="probe"), overhead


def _rate(step, batch: int) -> float:
    started = time.perf_counter()
    for _ in range(PROBE_STEPS):
        step()
    return batch * PROBE_STEPS / max(time.perf_counter() - started, 1e-9)


def device_label(device) -> str:
    """Which machine a remembered rate belongs to: kind, model name, count and replicas of a
    :class:`~core.training.device.DeviceInfo` (a rate from one GPU says nothing about two)."""
    return f"{device.kind}:{device.name}x{device.count}r{device.replicas}"
