"""Store upkeep: verify every run's checksums (and remember when), clean what killed or failed
processes left behind.

Why a module of its own: listing and reading runs must stay fast (sizes only, hashes on read),
so a full check of every file is a deliberate act (``python -m core verify``), and its date is
kept where ``core ls`` can show it: ``verified.json`` in the store root (a small JSON file,
replaced atomically; it is not part of the index, which is rebuilt from the run folders and
would lose it).

Cleaning rule. A leftover is removed only when no live process can still need it:

* ``tmp/<entry>`` (a killed commit, an interrupted delete, an index rebuild's scratch) when its
  writer is dead (the entry's ``flock`` is free). Every commit does this for entries older than
  an hour; ``core verify --clean`` does it whatever their age.
* ``work/<id>/`` (a trainer's scratch) only while nobody holds the run's claim
  (``locks/<id>.lock``: a run being trained now is never touched), and only when

  - the run is stored (``runs/<id>`` exists: its trainer died between the commit and clearing
    its scratch), by every commit and by ``--clean``; or
  - the engine recorded that its training failed in a way resuming cannot mend
    (``work/<id>/failed.json``: the loss diverged, an image could not be read), by ``--clean``,
    and by every commit once the record is a week old.

  The scratch of an *interrupted or cancelled* run (no ``failed.json``) holds the checkpoints the
  next attempt resumes from: it is removed only when the user says so
  (``core verify --clean-resumable``), never by a rule.
* ``evaluations/<id>/`` whose source run is no longer stored (orphaned: deleting a run deletes
  its evaluations, but a store from before that rule, or an evaluation committed while its run
  was deleted, can hold one), by ``--clean``; ``--delete-corrupt`` removes them too, with the
  damaged ones (:func:`verify_evaluations` marks both corrupt).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.store.errors import RunNotFound, StoreError, os_error
from core.store.fsutil import ScratchDir, try_lock_abandoned, write_durable
from core.store.identity import is_run_id
from core.store.locks import lock_if_free

if TYPE_CHECKING:
    from core.store.store import ResultsStore

__all__ = [
    "EVALUATION_COLUMNS", "FAILED_FILE", "FAILED_SCRATCH_AGE_S", "VERIFIED_FILE", "Cleaned",
    "Verification", "auto_clean", "clean_store", "clean_tmp", "delete_corrupt",
    "delete_corrupt_evaluations", "describe", "last_verified", "record_failure",
    "verification_line", "verify_evaluations", "verify_store",
]

VERIFIED_FILE = "verified.json"
FAILED_FILE = "failed.json"
FAILED_SCRATCH_AGE_S = 7 * 24 * 3600.0
"""A failed run's scratch is kept this long for a look at its history, then removed."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What ``verified.json`` says: when every run was last checked, and what was found."""

    verified_at: str
    statuses: dict[str, str]  # run_id -> "ok" | "corrupt"

    @property
    def n_corrupt(self) -> int:
        return sum(1 for s in self.statuses.values() if s != "ok")


def verify_store(store: ResultsStore) -> pd.DataFrame:
    """Check every stored run's files against their sha256 (``ResultsStore.verify``), update
    the index to match, record the date in ``verified.json``; the runs table afterwards
    (``list_runs()`` columns, with ``status`` and ``problem``)."""
    ids = sorted(set(store._folder_ids()) | {r["run_id"] for r in store.index.rows()})
    statuses = {}
    for rid in ids:
        try:
            statuses[rid] = "corrupt" if store.verify(rid) else "ok"
        except RunNotFound:  # deleted while we were checking the others
            continue
    _write_verification(store, Verification(_now(), statuses))
    return store.list_runs()


def delete_corrupt(store: ResultsStore, runs: pd.DataFrame) -> list[str]:
    """Delete the runs ``runs`` (a :func:`verify_store` table) marks corrupt; their ids.

    Only after a full verification: a run is deleted for what its files are now, never for a
    stale mark. Its work/ scratch is kept (an interrupted retrain resumes from it)."""
    doomed = runs.loc[runs["status"] == "corrupt", "run_id"].tolist()
    for rid in doomed:
        store.delete(rid)
    return doomed


EVALUATION_COLUMNS = ("evaluation_id", "run_id", "dataset", "status", "orphaned", "problem")


def verify_evaluations(store: ResultsStore) -> pd.DataFrame:
    """Check every stored external evaluation (:meth:`EvaluationStore.verify`: its files
    against their sha256, its identity and record, that its run is still stored) and every
    index row (a row whose folder is gone is marked corrupt); the index updated to match.
    One row per evaluation (:data:`EVALUATION_COLUMNS`); empty, and nothing created, when the
    store has no evaluations."""
    from core.store.evaluations import ORPHANED, EvaluationStore

    if not (store.root / "evaluations").is_dir():
        return pd.DataFrame(columns=list(EVALUATION_COLUMNS))
    evaluations = EvaluationStore(store.root)
    indexed = {r["evaluation_id"] for r in evaluations.index.rows()}
    for eid in sorted(set(evaluations._ids()) | indexed):
        evaluations.verify(eid, store.has)
    table = evaluations.list_evaluations()
    if table.empty:
        return pd.DataFrame(columns=list(EVALUATION_COLUMNS))
    orphan = ORPHANED.split("{")[0]
    table["orphaned"] = table["problem"].fillna("").str.contains(orphan, regex=False)
    return table[list(EVALUATION_COLUMNS)]


def delete_corrupt_evaluations(store: ResultsStore, table: pd.DataFrame, *,
                               orphans_only: bool = False) -> list[str]:
    """Delete the evaluations ``table`` (a :func:`verify_evaluations` table) marks corrupt,
    or with ``orphans_only`` those whose run is gone (``--clean``); their ids. Only after a
    full verification, as :func:`delete_corrupt`."""
    from core.store.evaluations import EvaluationStore

    if table.empty:
        return []
    doomed = table["orphaned"] if orphans_only else table["status"] == "corrupt"
    ids = table.loc[doomed, "evaluation_id"].tolist()
    evaluations = EvaluationStore(store.root) if ids else None
    for eid in ids:
        evaluations.delete(eid)
    return ids


def _write_verification(store: ResultsStore, result: Verification) -> None:
    """Write it in tmp/ and rename it into place: a reader never sees half a file."""
    text = json.dumps({"verified_at": result.verified_at, "runs": result.statuses}, indent=1)
    target = store.root / VERIFIED_FILE
    try:
        scratch = ScratchDir(store.tmp_dir, "verified-")
        try:
            write_durable(scratch.path / VERIFIED_FILE, text.encode("utf-8"))
            os.replace(scratch.path / VERIFIED_FILE, target)
        finally:
            scratch.discard()
    except OSError as exc:
        raise os_error(exc, "record when the runs were verified", target) from exc


def last_verified(store: ResultsStore) -> Verification | None:
    """The last full verification, or None (never verified, or the file is unreadable)."""
    try:
        data = json.loads((store.root / VERIFIED_FILE).read_text(encoding="utf-8"))
        when, runs = data["verified_at"], data["runs"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(when, str) or not isinstance(runs, dict):
        return None
    return Verification(when, {str(k): str(v) for k, v in runs.items()})


def verification_line(store: ResultsStore, run_ids: list[str]) -> str:
    """One line for ``core ls``: when the stored runs were last verified, and what since."""
    last = last_verified(store)
    if last is None:
        return "last verified: never (run: python -m core verify)"
    since = [r for r in run_ids if r not in last.statuses]
    when = last.verified_at[:16].replace("T", " ")
    line = (f"last verified: {when} UTC ({len(last.statuses)} run(s): "
            f"{len(last.statuses) - last.n_corrupt} ok, {last.n_corrupt} corrupt)")
    if since:
        line += f"; {len(since)} run(s) stored since then are not verified yet"
    return line


# -- failure records and cleaning ------------------------------------------------------------


def record_failure(store: ResultsStore, rid: str, error: BaseException) -> None:
    """Mark ``work/<id>/`` as the scratch of a failed run (see the cleaning rule); best effort:
    a full disk must not hide the training error behind a second one."""
    text = json.dumps({"failed_at": _now(), "error": f"{type(error).__name__}: {error}"[:2000]})
    path = store.work_root / rid / FAILED_FILE
    try:
        path.unlink(missing_ok=True)
        write_durable(path, text.encode("utf-8"))
    except OSError:
        pass


@dataclass(frozen=True)
class Cleaned:
    """One leftover and what happened to it: ``removed`` or kept, and why."""

    path: Path
    removed: bool
    reason: str


def _failed_age(folder: Path) -> float | None:
    """Seconds since the recorded failure, or None when the scratch has no failure record."""
    try:
        return max(0.0, time.time() - (folder / FAILED_FILE).stat().st_mtime)
    except OSError:
        return None


def _work_verdict(store: ResultsStore, folder: Path, failed_age_s: float | None,
                  resumable: bool) -> tuple[bool, str]:
    """(remove?, why) for one scratch folder whose run nobody is training now."""
    if store.has(folder.name):
        return True, "scratch of a run that is stored already"
    age = _failed_age(folder)
    if age is not None:
        if failed_age_s is None or age >= failed_age_s:
            return True, "scratch of a failed run (work/<id>/failed.json)"
        return False, "scratch of a failed run, kept a week for a look at its history"
    if resumable:
        return True, "checkpoints of an interrupted run (removed on request)"
    return False, ("checkpoints of an interrupted run: the same command resumes from them "
                   "(--clean-resumable removes them)")


def _clean_work(store: ResultsStore, failed_age_s: float | None,
                resumable: bool) -> list[Cleaned]:
    out = []
    try:
        folders = sorted(p for p in store.work_root.iterdir() if is_run_id(p.name))
    except FileNotFoundError:
        return out
    for folder in folders:
        with lock_if_free(store.locks_dir / f"{folder.name}.lock") as free:
            if not free:
                out.append(Cleaned(folder, False, "its run is being trained now"))
                continue
            remove, why = _work_verdict(store, folder, failed_age_s, resumable)
            if remove:
                shutil.rmtree(folder, ignore_errors=True)
            out.append(Cleaned(folder, remove and not folder.exists(), why))
    return out


def clean_tmp(tmp_dir: Path, max_age_s: float) -> list[Path]:
    """Remove tmp/ entries older than ``max_age_s`` whose writer is dead; the removed paths.

    A live writer keeps a flock on its folder (:class:`ScratchDir`), so even ``max_age_s=0``
    never removes a commit in progress; the lock is held while removing, so a writer cannot
    adopt the folder halfway.
    """
    removed: list[Path] = []
    try:
        entries = list(tmp_dir.iterdir())
    except FileNotFoundError:
        return removed
    now = time.time()
    for entry in entries:
        try:
            if now - entry.lstat().st_mtime < max_age_s:
                continue
        except FileNotFoundError:
            continue
        fd = try_lock_abandoned(entry)
        if fd is None:
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
        finally:
            os.close(fd)
    return removed


def clean_store(store: ResultsStore, *, resumable: bool = False) -> list[Cleaned]:
    """``core verify --clean``: every dead writer's tmp/ entry, the scratch of stored and
    failed runs; an interrupted run's checkpoints only with ``resumable=True``."""
    removed_tmp = [Cleaned(p, True, "left in tmp/ by a process that died")
                   for p in store.cleanup(max_age_s=0.0)]
    return removed_tmp + _clean_work(store, None, resumable)


def auto_clean(store: ResultsStore, tmp_age_s: float) -> None:
    """What every commit does (see the module docstring); never raises for a leftover."""
    try:
        store.cleanup(max_age_s=tmp_age_s)
        _clean_work(store, FAILED_SCRATCH_AGE_S, resumable=False)
    except (OSError, StoreError):
        pass


def describe(entries: list[Cleaned], root: Path) -> list[dict[str, Any]]:
    """Rows for the CLI's table: path relative to the store root, removed or kept, why."""
    return [{"path": str(e.path.relative_to(root)) if e.path.is_relative_to(root) else str(e.path),
             "action": "removed" if e.removed else "kept", "why": e.reason} for e in entries]
