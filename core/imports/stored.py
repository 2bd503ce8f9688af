"""What an imported run looks like in the results store: a trained run's shape, marked imported.

Every reader (the index, Compare, Errors, the run details, the CLI) reads the same record
sections of every run: ``class_names``, ``positive_index``, ``task``, ``model``, ``data.counts``,
``summary``, ... An import fills exactly these, so no page needs to know where a run came from,
and adds ``source = "imported"`` and an ``import`` section saying what was imported (file name,
sha256, kind, whether the split is the file's own) so that nothing about it is hidden.

Identity: ``source``, ``kind``, the dataset's and the split's fingerprints, the sha256 of the
imported file, the name, and the code version. In the index an imported run has strategy
``"imported"`` and profile ``"predictions"`` or ``"keras"`` (the kind), so it is listed as
"NAME on DATASET · imported · predictions" and never mixes with a trained configuration.
The same file imported again under another name is the same result: :func:`commit_import`
returns the run already stored instead of storing it twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from core.imports.errors import ImportRejected
from core.imports.target import ImportTarget
from core.store import CODE_VERSION, ResultsStore, StoredRun, canonical_json, run_id
from core.training.summary import summarize

__all__ = ["IMPORTED", "KINDS", "check_name", "commit_import", "file_sha256", "find_import",
           "import_identity", "import_record", "stores_model"]

IMPORTED = "imported"
#: kind -> how the model section names it.
KINDS = {"predictions": "imported predictions", "keras": "imported Keras model"}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_name(name: str) -> str:
    """The name shown for the run; a registry architecture's name would pass the import for a
    run trained here, so it is refused."""
    from models import REGISTRY

    text = str(name).strip()
    if not text:
        raise ImportRejected("An imported run needs a name (--name).",
                             fix="name it after the model, e.g. --name resnet50_siteB")
    if text in REGISTRY:
        raise ImportRejected(f"{text!r} is the name of a built-in architecture; an imported run "
                             "must not be taken for one trained here.",
                             fix=f"choose another name, e.g. {text}_imported")
    return text


def stores_model(record: Mapping[str, Any]) -> bool:
    """Whether a run has a model to explain: every run except imported predictions."""
    section = record.get("import") or {}
    return not (record.get("source") == IMPORTED and section.get("kind") == "predictions")


def import_identity(target: ImportTarget, kind: str, name: str, sha256: str, *,
                    own_split: bool, **extra: Any) -> dict[str, Any]:
    """The imported run's content address (see the module docstring)."""
    return {
        "source": IMPORTED, "kind": kind, "dataset": target.name,
        "dataset_fingerprint": target.fingerprint, "split": target.split_identity(own_split),
        "file_sha256": sha256, "model": name, "strategy": IMPORTED, "profile": kind,
        "seed": 0, "fold": None, "code_version": CODE_VERSION, **extra,
    }


def import_record(target: ImportTarget, identity: Mapping[str, Any],
                  predictions: pd.DataFrame, *, source_file: Path, model: Mapping[str, Any],
                  details: Mapping[str, Any], started: float) -> dict[str, Any]:
    """The record every page reads, filled as a trained run's is (``core.training.engine``)."""
    ds = target.dataset
    kind, own_split = identity["kind"], identity["split"] == {"own": True}
    counts = {split: {str(c): int(n) for c, n in (predictions[predictions["split"] == split]
                                                  ["label"].value_counts()
                                                  .reindex(ds.class_names, fill_value=0)
                                                  .items())}
              for split in ("val", "test")}
    if not own_split:
        counts = {"train": target.train_counts(), **counts}
    notes = list(ds.notes) + ([f"{KINDS[kind]}: the split is the file's own, not Lesionlab's"]
                              if own_split else [])
    return {
        "run_id": run_id(identity), "source": IMPORTED,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "class_names": list(ds.class_names), "positive_index": target.positive_index,
        "task": ds.spec.task, "synthetic_data": ds.synthetic,
        "model": {"name": identity["model"], "title": f"{identity['model']} ({KINDS[kind]})",
                  "citation": f"{KINDS[kind]} from {source_file.name}", "family": IMPORTED,
                  **model},
        "import": {"kind": kind, "file": source_file.name, "sha256": identity["file_sha256"],
                   "own_split": own_split, "split_seed": None if own_split else
                   target.split_seed, "rows": len(predictions), **details},
        "strategy": {"name": IMPORTED, "sampling": "unknown (made elsewhere)", "class_weight": {}},
        "weights": {"requested": IMPORTED, "used": IMPORTED, "note": None},
        "data": {"counts": counts, "notes": notes},
        "wall_time_s": time.perf_counter() - started,
        "summary": summarize(predictions, ds.class_names, target.positive_index),
    }


def commit_import(store: ResultsStore, identity: dict[str, Any], record: dict[str, Any],
                  predictions: pd.DataFrame, model_file: Path | None = None
                  ) -> tuple[StoredRun, bool]:
    """Store the run (atomically, like a trained one); ``(run, False)`` when the same file was
    already imported for the same dataset and split (under any name): that run, untouched."""
    same = find_import(store, identity)
    if same is not None:
        return same, False
    rid = run_id(identity)
    fresh = not store.has(rid)
    history = pd.DataFrame({"epoch": pd.Series(dtype="int64")})  # nothing was trained here
    return store.commit(rid, identity, record, predictions, history, model_file), fresh


def find_import(store: ResultsStore, identity: Mapping[str, Any]) -> StoredRun | None:
    """The stored import of the same file for the same dataset, split and settings, whatever
    its name (None when there is none)."""
    runs = store.list_runs(dataset=identity["dataset"], strategy=IMPORTED, status="ok")
    for rid in runs["run_id"]:
        run = store.get(rid)
        if _without_name(run.identity) == _without_name(json.loads(canonical_json(identity))):
            return run
    return None


def _without_name(identity: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in identity.items() if k != "model"}
