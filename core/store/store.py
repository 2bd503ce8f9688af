"""The results store: content-addressed training runs, written atomically, indexed in SQLite.

Layout under ``root`` (default ``core.config.store_root()``)::

    runs/<run_id>/       manifest.json + predictions.parquet, history.parquet, record.json,
                         identity.json, model.keras (optional), extra files
    work/<run_id>/       the trainer's scratch (checkpoints survive an interruption, so a rerun
                         resumes; failed.json when training failed); never read by the store
    verified.json        when every run's checksums were last verified (core.store.maintenance)
    locks/<run_id>.lock  flock target for claim(); locks/index.lock serialises index writers
    tmp/                 folders being written (flock-ed by their live writer) and leftovers
    index.sqlite         rebuildable summary of runs/ for fast listing

Guarantees: a run folder appears in ``runs/`` only complete (written in ``tmp/``, fsynced,
manifest last, then one ``rename``); the first writer of an id wins; the index follows the
folders, never the other way round, and heals itself from them (also from single-byte damage
inside the SQLite file, see :mod:`core.store.index`).

Leftovers (tmp/ entries of dead writers, work/ scratch of stored or failed runs) are removed by
the cleaning rule in :mod:`core.store.maintenance`: partly on every commit, fully by
``python -m core verify --clean``; an interrupted run's checkpoints only on request.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from core import config
from core.store.errors import CorruptRunError, RunNotFound, StoreError, os_error
from core.store.fsutil import ScratchDir
from core.store.identity import canonical_identity, check_run_id, is_run_id, run_id
from core.store.index import LIST_COLUMNS, SUMMARY_COLUMNS, RunIndex, index_row, with_status
from core.store.locks import Claim, exclusive_lock
from core.store.maintenance import FAILED_FILE, auto_clean, clean_tmp, record_failure
from core.store.manifest import HISTORY, IDENTITY, PREDICTIONS, RECORD, check_files, read_manifest
from core.store.publish import check_sources, parquet_bytes, publish, write_artifacts
from core.store.run import StoredRun
from core.store.schema import record_json, validate_history, validate_predictions, validate_record

__all__ = ["AUTO_CLEANUP_AGE_S", "ResultsStore"]

AUTO_CLEANUP_AGE_S = 3600.0
"""Leftovers in tmp/ older than this are removed by every commit (only if their writer is dead;
see core.store.maintenance for the whole rule)."""

_FOLDER_GONE = "the run folder is missing but the index lists the run"

class ResultsStore:
    """Content-addressed store of finished training runs (see the module docstring)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else config.store_root()
        self.runs_dir = self.root / "runs"
        self.work_root = self.root / "work"
        self.locks_dir = self.root / "locks"
        self.tmp_dir = self.root / "tmp"
        for folder in (self.runs_dir, self.work_root, self.locks_dir, self.tmp_dir):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:  # includes "a regular file is in the way" (EEXIST/ENOTDIR)
                raise os_error(exc, "create the results store folder", folder) from exc
        self.index = RunIndex(self.root / "index.sqlite", self.locks_dir / "index.lock",
                              self.tmp_dir, self._scan_rows)

    def __repr__(self) -> str:
        return f"ResultsStore({str(self.root)!r})"

    # -- paths ---------------------------------------------------------------------------------

    def run_dir(self, rid: str) -> Path:
        return self.runs_dir / check_run_id(rid)

    def work_dir(self, rid: str) -> Path:
        """The trainer's scratch folder for this run (created on demand, kept across crashes).

        Call it while holding the run's claim: a failure record an earlier attempt left there is
        removed, since this attempt now owns the scratch (cleaning treats a failed run's scratch
        as removable, an interrupted one's as resumable)."""
        path = self.work_root / check_run_id(rid)
        try:
            path.mkdir(parents=True, exist_ok=True)
            (path / FAILED_FILE).unlink(missing_ok=True)
        except OSError as exc:
            raise os_error(exc, "create the run's work folder", path) from exc
        return path

    def record_failure(self, rid: str, error: BaseException) -> None:
        """Say in ``work/<id>/failed.json`` that training failed in a way resuming cannot mend
        (diverged, unreadable data), so the cleaning rule may remove the scratch."""
        record_failure(self, check_run_id(rid), error)

    def clear_work(self, rid: str) -> None:
        """Remove the run's scratch (call after a successful commit; resuming is then moot)."""
        shutil.rmtree(self.work_root / check_run_id(rid), ignore_errors=True)

    # -- lookups -------------------------------------------------------------------------------

    def has(self, rid: str) -> bool:
        """True when a folder for this id is in runs/ (complete by construction; maybe corrupt
        later, which :meth:`get` reports rather than hiding it behind a silent retrain)."""
        return self.run_dir(rid).is_dir()

    def get(self, rid: str) -> StoredRun:
        """The stored run; :class:`RunNotFound` if absent, :class:`CorruptRunError` if damaged
        (the index then shows it as corrupt)."""
        return self._load(rid, quiet=False)

    def _load(self, rid: str, *, quiet: bool) -> StoredRun:
        """Read manifest, identity and record, verified. ``quiet`` skips marking the index
        (needed while the index lock is held, e.g. during a rebuild)."""
        folder = self.run_dir(rid)
        if not folder.is_dir():
            raise RunNotFound(rid, where=folder)
        mark = None if quiet else self._marker(rid)
        try:
            manifest = read_manifest(folder, rid)
        except CorruptRunError as exc:
            if mark is not None:
                mark(exc.detail)
            raise
        bare = StoredRun(rid, {}, {}, folder, manifest, on_corrupt=mark)
        identity = bare.read_json(IDENTITY)
        try:
            address = run_id(identity)
        except StoreError as exc:
            raise bare.corruption(f"{IDENTITY} is not a valid identity ({exc.problem})",
                                  folder / IDENTITY) from exc
        if address != rid:
            raise bare.corruption(f"{IDENTITY} hashes to {address}, not to the run id",
                                  folder / IDENTITY)
        record = bare.read_json(RECORD)
        return StoredRun(rid, identity, record, folder, manifest, on_corrupt=mark)

    def _marker(self, rid: str) -> Callable[[str], None]:
        """A callback that flags the run as corrupt in the index (best effort, never raises).

        It upserts a whole row rather than updating one, so a run that had no row yet (its
        writer died before indexing it) is not later re-indexed as "ok" by a size-only check.
        """
        def mark(problem: str) -> None:
            try:
                self.index.upsert(self._row_from_folder(rid, "corrupt", problem))
            except StoreError as exc:
                warnings.warn(f"could not mark run {rid} corrupt in the index: {exc}",
                              stacklevel=3)
        return mark

    def list_runs(self, **filters: Any) -> pd.DataFrame:
        """One row per run: identity columns, created_at, device, wall_time_s, status
        ('ok'|'corrupt'), code_version and the record's summary numbers (test_auc, ...).

        Filters are column equalities (``list_runs(dataset="demo", model="tiny_cnn")``);
        ``None`` matches missing values and a list/tuple/set matches any of its values.

        Before listing, the index is reconciled with runs/: a folder without a row (its writer
        died between rename and index update) gets a row, a row without a folder is shown as
        corrupt.
        """
        rows = self._reconciled_rows()
        frame = self._frame(rows)
        for column, value in filters.items():
            if column not in frame.columns:
                raise StoreError(f"Cannot filter runs by {column!r}: no such column.",
                                 where=self.index.path,
                                 fix=f"use one of {', '.join(frame.columns)}")
            if value is None:
                mask = frame[column].isna()
            elif isinstance(value, (list, tuple, set, frozenset)):
                mask = frame[column].isin(list(value))
            else:
                mask = frame[column] == value
            frame = frame[mask.fillna(False).astype(bool)]
        return frame.reset_index(drop=True)

    def _reconciled_rows(self) -> list[dict[str, Any]]:
        """The index's rows, corrected by the folders (see :meth:`list_runs`); the corrections
        are saved when the index can be written, and listed either way."""
        rows = self.index.rows()
        on_disk = set(self._folder_ids())
        indexed = {r["run_id"] for r in rows}
        changed = [self._row_from_folder(rid) for rid in sorted(on_disk - indexed)]
        changed += [with_status(row, "corrupt", _FOLDER_GONE) for row in rows
                    if row["run_id"] not in on_disk and row["status"] != "corrupt"]
        if not changed:
            return rows
        try:
            for row in changed:
                self.index.upsert(row)
            return self.index.rows()
        except StoreError as exc:  # e.g. a read-only store: list what is true, unsaved
            warnings.warn(f"the runs index could not be updated: {exc}", stacklevel=3)
            merged = {r["run_id"]: r for r in rows} | {r["run_id"]: r for r in changed}
            return sorted(merged.values(), key=lambda r: (r["created_at"] or "", r["run_id"]))

    @staticmethod
    def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
        summaries = [json.loads(r.pop("summary_json") or "{}") for r in rows]
        extra = sorted({k for s in summaries for k in s} - set(SUMMARY_COLUMNS))
        columns = list(LIST_COLUMNS) + extra
        data = [{**r, **s} for r, s in zip(rows, summaries)]
        frame = pd.DataFrame(data, columns=columns)
        for col in ("seed", "fold", "split_seed", "n_folds", "planner"):
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("Int64")
        for col in ("wall_time_s", *SUMMARY_COLUMNS, *extra):
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
        return frame

    def _folder_ids(self) -> list[str]:
        try:
            return sorted(p.name for p in self.runs_dir.iterdir() if is_run_id(p.name))
        except FileNotFoundError:
            return []

    def _row_from_folder(self, rid: str, status: str | None = None,
                         problem: str | None = None) -> dict[str, Any]:
        """Index row for a folder. Never touches the index, so it is safe inside a rebuild
        (which holds the index lock).

        Unless ``status`` is given, it comes from the manifest, identity and record (fully
        verified) and the *sizes* of the other files: hashing every model file would make a
        rebuild of a large store take minutes while all index writers wait. Checksums are still
        checked on every artifact read and by :meth:`verify`, which mark the run corrupt.
        """
        try:
            run = self._load(rid, quiet=True)
        except CorruptRunError as exc:
            return index_row(rid, None, None, None, "corrupt", exc.detail)
        except RunNotFound:
            return index_row(rid, None, None, None, "corrupt", _FOLDER_GONE)
        if status is None:
            problems = check_files(run.path, run.manifest, full=False)
            status, problem = ("corrupt", problems[0]) if problems else ("ok", None)
        return index_row(rid, run.identity, run.record, run.created_at, status, problem)

    def _scan_rows(self) -> Iterator[dict[str, Any]]:
        for rid in self._folder_ids():
            yield self._row_from_folder(rid)

    def rebuild_index(self) -> None:
        """Rebuild index.sqlite from runs/*/manifest.json (new file renamed over the old one)."""
        self.index.rebuild()

    # -- claiming ------------------------------------------------------------------------------

    @contextmanager
    def claim(self, rid: str, timeout: float | None = None,
              on_wait: Callable[[int | None], None] | None = None) -> Iterator[Claim]:
        """Hold the run's exclusive inter-process lock for the ``with`` body.

        Usage: ``with store.claim(rid): run = store.get(rid) if store.has(rid) else train()``.
        A second process asking for the same id blocks until the first leaves the block, then
        finds the committed run and reuses it. ``timeout=None`` waits as long as the holder
        lives (a killed holder releases the lock at once); a number raises :class:`StoreError`.
        ``on_wait(pid)`` is called once if another process holds the claim (see
        :func:`~core.store.locks.exclusive_lock`).
        """
        path = self.locks_dir / f"{check_run_id(rid)}.lock"
        with exclusive_lock(path, timeout, f"run {rid}", on_wait) as waited:
            yield Claim(rid, path, waited)

    # -- writing -------------------------------------------------------------------------------

    def commit(
        self,
        rid: str,
        identity: Mapping[str, Any],
        record: dict[str, Any],
        predictions: pd.DataFrame,
        history: pd.DataFrame,
        model_file: Path | None,
        extra_files: Mapping[str, Path] | None = None,
    ) -> StoredRun:
        """Store a finished run atomically and return it; if the id exists, keep and return that.

        Everything is validated first, then written into ``tmp/<id>-<random>/`` and fsynced,
        ``manifest.json`` (sha256 + size of every file) is written last, and one ``rename``
        publishes the folder as ``runs/<id>``; the index row is written after that. A crash
        at any point leaves either no run or the complete run. The DataFrame index is not
        stored (tables read back with a fresh RangeIndex); JSON turns tuples into lists.

        If the id is already stored, nothing is written and the stored run is returned (a
        :class:`CorruptRunError` if that run is damaged: delete it first). Bad input raises
        :class:`StoreError` before anything touches the disk; an ``OSError`` while writing
        (disk full, permissions) raises :class:`StoreError` after removing the partial folder.
        """
        check_run_id(rid)
        where = f"commit of run {rid}"
        canon = canonical_identity(identity)
        if run_id(canon) != rid:
            raise StoreError(
                f"Run id {rid} is not the content address of the given identity "
                f"(that would be {run_id(canon)}).", where=where,
                fix="compute the id with core.store.run_id(identity) from the same identity",
            )
        class_names = validate_record(record, where)
        validate_predictions(predictions, class_names, where)
        validate_history(history, where)
        sources = check_sources(model_file, extra_files or {}, where)
        texts = {
            PREDICTIONS: parquet_bytes(predictions, "predictions", where),
            HISTORY: parquet_bytes(history, "history", where),
            RECORD: record_json(record, where).encode("utf-8"),
            IDENTITY: json.dumps(canon, indent=2, sort_keys=True).encode("utf-8"),
        }
        if self.has(rid):
            return self.get(rid)
        return self._write_new(rid, texts, sources)

    def _write_new(self, rid: str, texts: dict[str, bytes], sources: dict[str, Path]) -> StoredRun:
        """The disk half of :meth:`commit`, for input already validated and serialised."""
        auto_clean(self, AUTO_CLEANUP_AGE_S)
        try:
            scratch = ScratchDir(self.tmp_dir, f"{rid}-")
        except OSError as exc:
            raise os_error(exc, f"create a scratch folder for run {rid}", self.tmp_dir) from exc
        try:
            write_artifacts(scratch.path, rid, texts, sources)
            published = self._publish(scratch.path, self.runs_dir / rid)
        except OSError as exc:
            scratch.discard()
            raise os_error(exc, f"write run {rid} into the results store", self.root) from exc
        except BaseException:
            scratch.discard()
            raise
        if not published:  # another writer got there first: theirs is as good as ours
            scratch.discard()
            return self.get(rid)
        scratch.release()
        run = self.get(rid)
        try:
            self.index.upsert(index_row(rid, run.identity, run.record, run.created_at, "ok"))
        except StoreError as exc:  # the run is safe; list_runs() re-adds the row later
            warnings.warn(f"run {rid} is stored but the index was not updated: {exc}",
                          stacklevel=2)
        return run

    def _publish(self, folder: Path, target: Path) -> bool:
        """The one rename that makes a run visible (:func:`publish`); a method so that crash
        tests can stop a real writer exactly here."""
        return publish(folder, target)

    # -- integrity and removal -----------------------------------------------------------------

    def verify(self, rid: str) -> list[str]:
        """Every problem with a stored run ([] when healthy); updates its index row to match.

        Checks: folder present, manifest readable and about this run, every listed file
        present with the recorded size and sha256, identity.json hashing to the run id, record
        and identity readable JSON. A run listed in the index whose folder is gone is reported
        too (``RunNotFound`` only when neither exists).
        """
        folder = self.run_dir(rid)
        if not folder.is_dir():
            if not any(r["run_id"] == rid for r in self.index.rows()):
                raise RunNotFound(rid, where=folder)
            self.index.set_status(rid, "corrupt", _FOLDER_GONE)
            return [f"{_FOLDER_GONE} ({folder})"]
        try:
            problems = check_files(folder, read_manifest(folder, rid))
            if not problems:
                self._load(rid, quiet=True)
        except CorruptRunError as exc:
            problems = [exc.detail]
        self.index.upsert(self._row_from_folder(rid, "corrupt" if problems else "ok",
                                                "; ".join(problems) or None))
        return problems

    def delete(self, rid: str) -> None:
        """Remove a run (folder and index row) so it can be trained again; work/ is kept, its
        external evaluations go first (core.store.evaluations.delete_evaluations_of). The folder
        is renamed into tmp/ (atomic): no reader sees half a run; :meth:`cleanup` ends a kill."""
        from core.store.evaluations import delete_evaluations_of
        delete_evaluations_of(self.root, rid)
        folder = self.run_dir(rid)
        if folder.is_dir():
            doomed = self.tmp_dir / f"{rid}-deleted-{uuid.uuid4().hex[:8]}"
            try:
                os.rename(folder, doomed)
            except OSError as exc:
                raise os_error(exc, f"delete run {rid}", folder) from exc
            shutil.rmtree(doomed, ignore_errors=True)
        self.index.remove(rid)

    def cleanup(self, max_age_s: float = 0.0) -> list[Path]:
        """Remove leftovers in tmp/ whose writer is dead and that are older than ``max_age_s``.

        A live writer keeps a flock on its folder, so even ``max_age_s=0`` never removes a
        commit in progress. Returns the removed paths (see :func:`maintenance.clean_tmp`).
        """
        return clean_tmp(self.tmp_dir, max_age_s)
