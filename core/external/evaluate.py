"""Evaluate a stored run on another dataset, once, and keep the result in the results store.

Order of steps (each cheap check before any expensive work):

1. the run (one with a model: imported predictions are refused, they cannot predict another
   dataset), the target dataset and its rows (``split="test"``: the target's own test split
   under the default split; ``"all"``: every image), and the class mapping
   (:mod:`core.external.mapping`: an unmapped class is refused here, before any image is read);
2. the evaluation's identity and id (:func:`core.store.evaluations.evaluation_identity`): when
   stored, it is returned as it is (never computed twice);
3. under the evaluation's claim (a second process waits, then finds it): the overlap check
   against the images that shaped the run, its train and validation rows (validation chose
   its thresholds and its early stop; :mod:`core.external.overlap`), the model's predictions
   on the readable target images (:mod:`core.external.predict`), and one atomic commit. An
   imported Keras model predicts with its stored model and its own preprocessing (part of the
   stored model), but its training images are unknown here: its overlap is recorded as
   unknown and its label says "overlap unknown (imported model)", never "no overlap".

The stored predictions hold the source run's own validation rows (``split = "val"``, where
every threshold rule is chosen) and the external rows (``split = "test"``), so a
:class:`~core.evaluation.RunEvaluation` built from them chooses on the source's validation
split and reads on the external set, as :mod:`core.external.results` does. Each external
row also carries its overlap flag (:data:`~core.external.overlap.FLAG_COLUMN`), from which the
AUC without the flagged images is recomputed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from core.datasets import (LoadedDataset, assign_splits, dataset_fingerprint, load_dataset,
                           split_fingerprint)
from core.external.errors import ExternalEvaluationError
from core.external.mapping import resolve_mapping
from core.external.overlap import (FLAG_COLUMN, Overlap, count_overlap, image_keys,
                                   overlap_flags)
from core.imports import IMPORTED, stores_model
from core.external.predict import predict_probabilities
from core.store import PREDICTION_BASE_COLUMNS, ResultsStore, StoredRun, prob_columns, run_id
from core.store.evaluations import EvaluationStore, StoredEvaluation, evaluation_identity

__all__ = ["SPLITS", "Target", "evaluate_external", "prepare", "target_rows"]

SPLITS = ("test", "all")
ProgressFn = Callable[[dict], None]


@dataclass(frozen=True)
class Target:
    """The rows of the target dataset an evaluation predicts, and what keys them."""

    dataset: LoadedDataset
    rows: pd.DataFrame
    split: str
    fingerprint: str


def target_rows(dataset: str, split: str = "test", registry_path: Path | None = None) -> Target:
    """The target's evaluated rows: its test split (default split settings) or all of it."""
    if split not in SPLITS:
        raise ExternalEvaluationError(f"Unknown split {split!r} for an external evaluation.",
                                      fix="use --split test (the target's own test split) or "
                                      "--split all (every image of the target)")
    ds = load_dataset(dataset, registry_path)
    if split == "all":
        return Target(ds, ds.table, split, dataset_fingerprint(ds))
    splits = assign_splits(ds)
    return Target(ds, ds.table[splits == "test"], split, split_fingerprint(ds, splits))


def _training_images(run: StoredRun, registry_path: Path | None) -> pd.DataFrame | None:
    """Keys of the images that shaped the run: its train rows and its validation rows (which
    chose its thresholds and its early stop), its dataset re-split as in training. ``None``
    for an imported model: where it was trained is not known here."""
    if run.record.get("source") == IMPORTED:
        return None
    from core.training.resolve import resolve
    from core.training.spec import RunSpec

    resolved = resolve(RunSpec(**run.record["spec"]), registry_path)
    same = (resolved.identity["dataset_fingerprint"] == run.identity["dataset_fingerprint"]
            and resolved.identity["split"] == run.identity["split"])
    if not same:
        raise ExternalEvaluationError(
            f"The training data of run {run.run_id} ({run.identity['dataset']!r}) changed since "
            "it was trained, so the target cannot be checked for images that trained it.",
            fix="restore the run's dataset as it was, or train the run again")
    seen = resolved.dataset.table[resolved.splits.isin(["train", "val"])]
    return image_keys(resolved.dataset, seen)


def _external_frame(target: Target, probs: np.ndarray, mapping: Mapping[str, str],
                    classes: list[str], flags: pd.Series) -> pd.DataFrame:
    rows = target.rows
    labels = rows["label"].astype(str).map(mapping)
    frame = pd.DataFrame({
        "sample_id": rows["sample_id"].astype(str).to_numpy(),
        "group": rows["group"].astype(str).to_numpy(),
        "split": "test",
        "target": labels.map({c: i for i, c in enumerate(classes)}).to_numpy(dtype=np.int64),
        "label": labels.to_numpy(),
    })
    for k, column in enumerate(prob_columns(len(classes))):
        frame[column] = probs[:, k]
    frame["meta_dataset_label"] = rows["label"].astype(str).to_numpy()
    frame[FLAG_COLUMN] = flags.to_numpy(dtype=object)
    for column in target.dataset.metadata_columns:
        frame[column] = rows[column].to_numpy()
    return frame


def _source_val(run: StoredRun) -> pd.DataFrame:
    pred = run.predictions()
    keep = list(PREDICTION_BASE_COLUMNS) + prob_columns(len(run.class_names))
    return pred.loc[pred["split"] == "val", keep]


def _record(run: StoredRun, target: Target, mapping: Mapping[str, str], found: Overlap,
            predictions: pd.DataFrame, seconds: float, left_out: int) -> dict:
    from core.training.summary import summarize

    source = str(run.identity["dataset"])
    summary = summarize(predictions, run.class_names, run.record.get("positive_index"))
    internal = run.record.get("summary", {}).get("test_auc")
    out = {"external_auc": summary.get("test_auc"), "source_val_auc": summary.get("val_auc"),
           **{k.replace("test_", "external_"): v for k, v in summary.items()
              if k.startswith("test_") and k != "test_auc"}}
    if internal is not None:
        out["internal_test_auc"] = float(internal)
        if out["external_auc"] is not None:
            out["auc_drop"] = float(internal) - out["external_auc"]
    suffix = (" (overlapping)" if found.overlapping else
              "" if found.known else f" · {found.unknown}")
    return {
        "kind": "external_evaluation", "run_id": run.run_id,
        "label": f"trained on {source}, tested on {target.dataset.name}{suffix}",
        "source_dataset": source, "model": str(run.identity.get("model")),
        "dataset": target.dataset.name, "split": target.split, "mapping": dict(mapping),
        "class_names": run.class_names, "positive_index": run.record.get("positive_index"),
        "task": run.record.get("task"), "n_external": int((predictions["split"] == "test").sum()),
        "left_out_unreadable": left_out, "overlap": found.as_record(),
        "overlapping": found.overlapping if found.known else None,
        "has_groups": bool(target.dataset.has_groups),
        "synthetic_data": bool(run.record.get("synthetic_data") or target.dataset.synthetic),
        "predict_seconds": seconds,
        "summary": {k: float(v) for k, v in out.items() if v is not None},
    }


def prepare(store: ResultsStore, rid: str, dataset: str, *, split: str = "test",
            mapping: Mapping[str, str] | None = None, registry_path: Path | None = None
            ) -> tuple[StoredRun, Target, dict[str, str]]:
    """Step 1 alone: the run, the target's rows and the resolved class mapping, or the one
    error that refuses the request (unknown run, dataset or split, an unmapped class). The app
    calls it before it queues a job, so a refused request never reaches the job runner."""
    run = store.get(rid)
    if not stores_model(run.record):
        raise ExternalEvaluationError(
            f"Run {rid} holds imported predictions: imported predictions have no model to "
            "predict the other dataset with.",
            fix="import the model itself (a .keras file) to evaluate it on another dataset")
    target = target_rows(dataset, split, registry_path)
    resolved = resolve_mapping(run.class_names, run.record.get("positive_index"),
                               target.dataset, target.rows["label"], mapping)
    return run, target, resolved


def evaluate_external(store: ResultsStore, rid: str, dataset: str, *, split: str = "test",
                      mapping: Mapping[str, str] | None = None,
                      registry_path: Path | None = None,
                      progress: ProgressFn | None = None) -> StoredEvaluation:
    """The stored evaluation of run ``rid`` on ``dataset`` (computed now if not stored)."""
    emit = progress or (lambda event: None)
    run, target, resolved_map = prepare(store, rid, dataset, split=split, mapping=mapping,
                                        registry_path=registry_path)
    identity = evaluation_identity(rid, target.fingerprint, split, resolved_map)
    evaluations = EvaluationStore(store.root)
    eid = run_id(identity)
    if evaluations.has(eid):
        emit({"event": "cached", "evaluation_id": eid})
        return evaluations.get(eid)
    with evaluations.claim(eid):
        if evaluations.has(eid):
            emit({"event": "cached", "evaluation_id": eid})
            return evaluations.get(eid)
        return _compute(run, target, resolved_map, identity, evaluations, registry_path, emit)


def _overlap(run: StoredRun, keys: pd.DataFrame, registry_path: Path | None
             ) -> tuple[Overlap, pd.Series]:
    """The overlap counts and each target row's flag; for an imported model, unknown (every
    flag ``"unknown"``: no row can be said to be free of its training images)."""
    seen = _training_images(run, registry_path)
    if seen is None:
        unreadable = int(keys["sha256"].isna().sum())
        return (Overlap.not_checked(len(keys), unreadable),
                pd.Series("unknown", index=keys.index, dtype=object))
    flags = overlap_flags(seen, keys)
    return count_overlap(seen, keys, flags), flags


def _compute(run: StoredRun, target: Target, mapping: Mapping[str, str], identity: dict,
             evaluations: EvaluationStore, registry_path: Path | None,
             emit: ProgressFn) -> StoredEvaluation:
    emit({"event": "overlap", "run_id": run.run_id, "dataset": target.dataset.name})
    keys = image_keys(target.dataset, target.rows)
    readable = keys["sha256"].notna().to_numpy()
    found, flags = _overlap(run, keys, registry_path)
    usable = Target(target.dataset, target.rows[readable], target.split, target.fingerprint)
    emit({"event": "predicting", "run_id": run.run_id, "images": len(usable.rows)})
    began = time.perf_counter()
    probs = predict_probabilities(run.load_model(), run.record, usable.dataset, usable.rows)
    seconds = time.perf_counter() - began
    frame = pd.concat([_source_val(run), _external_frame(usable, probs, mapping,
                                                         run.class_names, flags[readable])],
                      ignore_index=True)
    record = _record(run, usable, mapping, found, frame, seconds, int((~readable).sum()))
    stored = evaluations.commit(identity, record, frame)
    emit({"event": "done", "evaluation_id": stored.evaluation_id, "summary": record["summary"]})
    return stored
