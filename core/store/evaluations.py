"""External evaluations in the results store: a stored run's model applied to another dataset.

Layout beside ``runs/`` (same root, same guarantees)::

    evaluations/<evaluation_id>/   manifest.json + predictions.parquet, record.json, identity.json
    evaluations.sqlite             rebuildable index (core.store.evaluation_index)
    locks/evaluation-<id>.lock     claim: one process computes an evaluation, others wait

An evaluation is content-addressed like a run: its id is the hash of its identity (the run id,
the target's data fingerprint, the split, the class mapping and the code version; see
:func:`evaluation_identity`), so asking twice finds the stored one instead of predicting again.
Writing goes through the run folders' steps (:mod:`core.store.publish`): files fsynced in
``tmp/``, the manifest (sha256 and size of every file) last, one rename. Every read is checked
against the manifest. The stored predictions hold the source run's validation rows (``val``,
on which every threshold was chosen) and the external rows (``test``), so every number of the
evaluation can be recomputed from the store alone.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from core.store.errors import StoreError, os_error
from core.store.evaluation_index import EVALUATIONS_TABLE, evaluation_row
from core.store.evaluation_record import EvaluationRecord
from core.store.fsutil import ScratchDir, sha256_bytes
from core.store.identity import (CODE_VERSION, canonical_identity, check_run_id, is_run_id,
                                 run_id)
from core.store.index import RunIndex
from core.store.locks import exclusive_lock
from core.store.manifest import IDENTITY, MANIFEST, PREDICTIONS, RECORD, check_files
from core.store.publish import parquet_bytes, publish, write_artifacts
from core.store.schema import record_json, validate_predictions, validate_record

__all__ = ["EXTERNAL_REVISION", "EvaluationStore", "StoredEvaluation", "delete_evaluations_of",
           "evaluation_identity"]

EXTERNAL_REVISION = 2
"""Bump when a change to external evaluation alters what is stored for the same identity
(prediction, mapping, overlap rules); every stored evaluation then becomes a cache miss.
2: overlap checked against the run's train AND validation images, with a per-image flag."""

_REQUIRED = (PREDICTIONS, RECORD, IDENTITY)
ORPHANED = "orphaned: its run {run_id} is no longer stored"


def evaluation_identity(run_id_: str, target_fingerprint: str, split: str,
                        mapping: Mapping[str, str]) -> dict[str, Any]:
    """What an evaluation's result depends on, in canonical form (its hash is the id).

    ``target_fingerprint`` is the target's split fingerprint for ``split="test"`` (which rows
    are the test split) and its dataset fingerprint for ``"all"``; ``mapping`` is target class
    -> run class.
    """
    return canonical_identity({
        "kind": "external_evaluation",
        "run_id": check_run_id(run_id_),
        "target_fingerprint": target_fingerprint,
        "split": split,
        "mapping": [[k, mapping[k]] for k in sorted(mapping)],
        "code_version": CODE_VERSION,
        "external_revision": EXTERNAL_REVISION,
    })


def _corrupt(eid: str, problem: str, where: Path) -> StoreError:
    return StoreError(f"Stored evaluation {eid} is corrupt: {problem}.", where=where,
                      fix=f"delete it (EvaluationStore.delete({eid!r})) and evaluate again")


@dataclass(frozen=True)
class StoredEvaluation:
    """One committed evaluation; ``identity`` and ``record`` were verified on load."""

    evaluation_id: str
    identity: dict[str, Any]
    record: dict[str, Any]
    path: Path
    manifest: dict[str, Any] = field(repr=False)

    @property
    def run_id(self) -> str:
        return str(self.identity["run_id"])

    @property
    def created_at(self) -> str:
        return str(self.manifest.get("created_at", ""))

    @cached_property
    def view(self) -> EvaluationRecord:
        """The record as a typed, read-only :class:`EvaluationRecord` (built once)."""
        return EvaluationRecord.from_dict(self.record)

    @property
    def record_sha(self) -> str:
        """The sha256 of ``record.json`` in the manifest: what a cache of anything built from
        the record is keyed by, beside the id (a re-made evaluation gets a new checksum)."""
        return str(self.manifest["files"][RECORD]["sha256"])

    def read_bytes(self, name: str) -> bytes:
        entry = self.manifest["files"].get(name)
        path = self.path / name
        if entry is None:
            raise _corrupt(self.evaluation_id, f"its manifest lists no {name}", path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise _corrupt(self.evaluation_id, f"{name} cannot be read ({exc})", path) from exc
        if len(data) != entry["size"] or sha256_bytes(data) != entry["sha256"]:
            raise _corrupt(self.evaluation_id, f"{name} does not match its checksum", path)
        return data

    def predictions(self) -> pd.DataFrame:
        """Source validation rows (``val``) and external rows (``test``), checksum verified."""
        return pd.read_parquet(io.BytesIO(self.read_bytes(PREDICTIONS)))


class EvaluationStore:
    """The evaluations of one results store (``root`` is the store's root folder)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.folder = self.root / "evaluations"
        self.tmp_dir = self.root / "tmp"
        self.locks_dir = self.root / "locks"
        for folder in (self.folder, self.tmp_dir, self.locks_dir):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise os_error(exc, "create the evaluations folder", folder) from exc
        self.index = RunIndex(self.root / "evaluations.sqlite",
                              self.locks_dir / "evaluations-index.lock", self.tmp_dir,
                              self._scan_rows, EVALUATIONS_TABLE)

    def path(self, eid: str) -> Path:
        return self.folder / check_run_id(eid)

    def has(self, eid: str) -> bool:
        return self.path(eid).is_dir()

    @contextmanager
    def claim(self, eid: str) -> Iterator[None]:
        """Hold the evaluation's inter-process lock: a second process waits, then finds it."""
        with exclusive_lock(self.locks_dir / f"evaluation-{check_run_id(eid)}.lock", None,
                            f"evaluation {eid}"):
            yield

    def get(self, eid: str) -> StoredEvaluation:
        """The stored evaluation, its manifest, identity and record verified."""
        folder = self.path(eid)
        if not folder.is_dir():
            raise StoreError(f"No stored evaluation with id {eid!r}.", where=folder,
                             fix="evaluate the run first (python -m core evaluate)")
        manifest = self._manifest(eid, folder)
        bare = StoredEvaluation(eid, {}, {}, folder, manifest)
        identity, record = (self._json(bare, name) for name in (IDENTITY, RECORD))
        if run_id(identity) != eid:
            raise _corrupt(eid, f"{IDENTITY} does not hash to its id", folder / IDENTITY)
        return StoredEvaluation(eid, identity, record, folder, manifest)

    @staticmethod
    def _manifest(eid: str, folder: Path) -> dict[str, Any]:
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise _corrupt(eid, f"{MANIFEST} is unreadable ({exc})", folder / MANIFEST) from exc
        files = manifest.get("files") if isinstance(manifest, dict) else None
        if not isinstance(files, dict) or manifest.get("run_id") != eid \
                or any(name not in files for name in _REQUIRED):
            raise _corrupt(eid, f"{MANIFEST} does not describe this evaluation",
                           folder / MANIFEST)
        return manifest

    @staticmethod
    def _json(bare: StoredEvaluation, name: str) -> dict[str, Any]:
        try:
            value = json.loads(bare.read_bytes(name).decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise _corrupt(bare.evaluation_id, f"{name} is not JSON", bare.path / name) from exc
        if not isinstance(value, dict):
            raise _corrupt(bare.evaluation_id, f"{name} is not a JSON object", bare.path / name)
        return value

    def commit(self, identity: Mapping[str, Any], record: dict[str, Any],
               predictions: pd.DataFrame) -> StoredEvaluation:
        """Store an evaluation atomically (or return the one already stored under its id)."""
        canon = canonical_identity(identity)
        eid = run_id(canon)
        where = f"commit of evaluation {eid}"
        validate_predictions(predictions, validate_record(record, where), where)
        texts = {PREDICTIONS: parquet_bytes(predictions, "predictions", where),
                 RECORD: record_json(record, where).encode("utf-8"),
                 IDENTITY: json.dumps(canon, indent=2, sort_keys=True).encode("utf-8")}
        if self.has(eid):
            return self.get(eid)
        try:
            scratch = ScratchDir(self.tmp_dir, f"eval-{eid}-")
        except OSError as exc:
            raise os_error(exc, "create a scratch folder", self.tmp_dir) from exc
        try:
            write_artifacts(scratch.path, eid, texts, {})
            published = publish(scratch.path, self.path(eid))
        except OSError as exc:
            scratch.discard()
            raise os_error(exc, f"write evaluation {eid}", self.root) from exc
        except BaseException:
            scratch.discard()
            raise
        if not published:
            scratch.discard()
        else:
            scratch.release()
        stored = self.get(eid)
        self.index.upsert(evaluation_row(eid, stored.identity, stored.record,
                                         stored.created_at, "ok"))
        return stored

    def delete(self, eid: str) -> None:
        """Remove an evaluation (renamed into tmp/ first, so no reader sees half of it)."""
        folder = self.path(eid)
        if folder.is_dir():
            doomed = self.tmp_dir / f"eval-{eid}-deleted-{uuid.uuid4().hex[:8]}"
            os.rename(folder, doomed)
            shutil.rmtree(doomed, ignore_errors=True)
        self.index.remove(eid)

    def of_run(self, rid: str) -> list[str]:
        """The ids of the stored evaluations of run ``rid`` (from the index, folders it lacks
        added on the way; a folder too damaged to name its run is not among them)."""
        table = self.list_evaluations()
        return table.loc[table["run_id"] == rid, "evaluation_id"].tolist() if len(table) else []

    def verify(self, eid: str, run_stored: Callable[[str], bool]) -> list[str]:
        """Every check of one evaluation, its index row updated to match; its problems.

        Manifest, identity and record (as :meth:`get`), every file against its sha256, and
        that its source run is still stored: an evaluation whose run is gone is **orphaned**
        (its numbers need the run's model and validation predictions, so nothing can show
        it) and is marked corrupt, with a problem that says so."""
        folder = self.path(eid)
        if not folder.is_dir():
            if not any(r["evaluation_id"] == eid for r in self.index.rows()):
                return []
            problem = f"its folder is gone ({folder})"
            self.index.upsert(evaluation_row(eid, None, None, None, "corrupt", problem))
            return [problem]
        try:
            ev = self.get(eid)
        except StoreError as exc:
            self.index.upsert(evaluation_row(eid, None, None, None, "corrupt", exc.problem))
            return [str(exc.problem)]
        problems = check_files(ev.path, ev.manifest, full=True)
        if not run_stored(ev.run_id):
            problems.append(ORPHANED.format(run_id=ev.run_id))
        self.index.upsert(evaluation_row(eid, ev.identity, ev.record, ev.created_at,
                                         "corrupt" if problems else "ok",
                                         "; ".join(problems) or None))
        return problems

    def _row_from_folder(self, eid: str) -> dict[str, Any]:
        try:
            ev = self.get(eid)
        except StoreError as exc:
            return evaluation_row(eid, None, None, None, "corrupt", str(exc.problem))
        problems = check_files(ev.path, ev.manifest, full=False)
        return evaluation_row(eid, ev.identity, ev.record, ev.created_at,
                              "corrupt" if problems else "ok", "; ".join(problems) or None)

    def _ids(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir() if is_run_id(p.name) and p.is_dir())

    def _scan_rows(self) -> Iterator[dict[str, Any]]:
        for eid in self._ids():
            yield self._row_from_folder(eid)

    def list_evaluations(self, **filters: Any) -> pd.DataFrame:
        """One row per evaluation (index columns + summary numbers), oldest first; a folder
        the index lacks (its writer died before indexing it) is added on the way."""
        rows = self.index.rows()
        missing = sorted(set(self._ids()) - {r["evaluation_id"] for r in rows})
        for eid in missing:
            self.index.upsert(self._row_from_folder(eid))
        if missing:
            rows = self.index.rows()
        summaries = [json.loads(r.pop("summary_json") or "{}") for r in rows]
        for r in rows:
            r.pop("row_sha")
        base = [c for c in EVALUATIONS_TABLE.columns if c not in ("summary_json", "row_sha")]
        frame = pd.DataFrame([{**r, **s} for r, s in zip(rows, summaries)])
        frame = frame.reindex(columns=base + [c for c in frame.columns if c not in base])
        for column, value in filters.items():
            frame = frame[frame[column] == value]
        return frame.reset_index(drop=True)


def delete_evaluations_of(root: Path, rid: str) -> list[str]:
    """Delete every stored evaluation of run ``rid``; their ids.

    Why delete rather than mark: an evaluation is the run's model applied elsewhere, and its
    numbers are recomputed from the run's validation predictions and compared with the run's
    own test AUC; without the run nothing can show it, and a run trained again gets another
    id (its evaluations are made anew). :meth:`core.store.ResultsStore.delete` calls this
    before it removes the run, so a deleted run leaves no evaluation behind; one that escapes
    (a store from before this rule, an evaluation committed while its run was deleted) is
    found by ``core verify`` as orphaned and removed by ``--delete-corrupt`` or ``--clean``.
    A store without evaluations is left untouched (nothing is created)."""
    if not (Path(root) / "evaluations").is_dir():
        return []
    evaluations = EvaluationStore(root)
    doomed = evaluations.of_run(rid)
    for eid in doomed:
        evaluations.delete(eid)
    return doomed
