"""The SQLite index of stored runs: a fast, rebuildable summary, never the truth.

The run folders (with their manifests) are the truth; this index only exists so the dashboard
can list hundreds of runs without opening hundreds of JSON files. Hence: it is written only
after a run folder is in place, it is rebuilt from the folders whenever it is missing, unreadable
or of an older schema, and a rebuild builds a fresh file and renames it over the old one, so a
reader sees either the old index or the new one, never a half-built one.

Journal mode: the classic rollback journal (``journal_mode=DELETE``), not WAL. Writes are tiny
and rare (one row per finished training run), every call opens and closes its own connection,
and WAL's side files (``-wal``/``-shm``) would survive a rename-over rebuild and could be
replayed into the wrong database. Concurrency comes from a ``busy_timeout`` for readers and a
``flock`` that serialises all writers (including rebuilds) across processes; with writers
serialised, a leftover ``-journal`` seen during a rebuild can only belong to a dead writer and is
removed before the new file takes the old one's place.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from core.store.errors import StoreError, os_error
from core.store.fsutil import ScratchDir, fsync_dir
from core.store.locks import exclusive_lock

__all__ = ["INDEX_COLUMNS", "LIST_COLUMNS", "SUMMARY_COLUMNS", "RunIndex", "index_row"]

SCHEMA_VERSION = 1  # bump when the table changes: an older index is then rebuilt automatically
BUSY_TIMEOUT_S = 15.0
WRITE_LOCK_TIMEOUT_S = 60.0

IDENTITY_COLUMNS = ("dataset", "model", "strategy", "profile", "seed", "fold")
INDEX_COLUMNS = (
    "run_id", *IDENTITY_COLUMNS, "created_at", "device", "wall_time_s", "status",
    "code_version", "summary_json",
)
SUMMARY_COLUMNS = ("test_auc", "val_auc", "test_accuracy")
LIST_COLUMNS = tuple(c for c in INDEX_COLUMNS if c != "summary_json") + SUMMARY_COLUMNS
"""Columns of ``list_runs()`` that are always present; other summary numbers are appended."""

_CREATE = f"""
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    dataset TEXT, model TEXT, strategy TEXT, profile TEXT, seed INTEGER, fold INTEGER,
    created_at TEXT, device TEXT, wall_time_s REAL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'corrupt')),
    code_version TEXT,
    summary_json TEXT NOT NULL DEFAULT '{{}}'
);
PRAGMA user_version = {SCHEMA_VERSION};
"""
_UPSERT = (
    f"INSERT OR REPLACE INTO runs ({', '.join(INDEX_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in INDEX_COLUMNS)})"
)


def _scalar(value: Any) -> Any:
    """SQLite stores scalars; anything else in an identity field is kept as its JSON text."""
    if value is None or isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return value
    return json.dumps(value, sort_keys=True)


def index_row(
    run_id: str, identity: dict[str, Any] | None, record: dict[str, Any] | None,
    created_at: str | None, status: str,
) -> dict[str, Any]:
    """The index row of one run; missing parts (a corrupt run) become NULLs, not errors."""
    identity = identity if isinstance(identity, dict) else {}
    record = record if isinstance(record, dict) else {}
    summary = record.get("summary") if isinstance(record.get("summary"), dict) else {}
    numbers = {
        k: float(v) for k, v in summary.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    }
    wall = record.get("wall_time_s")
    return {
        "run_id": run_id,
        **{c: _scalar(identity.get(c)) for c in IDENTITY_COLUMNS},
        "created_at": created_at,
        "device": _scalar(record.get("device")),
        "wall_time_s": float(wall) if isinstance(wall, (int, float)) else None,
        "status": status,
        "code_version": _scalar(identity.get("code_version")),
        "summary_json": json.dumps(numbers, sort_keys=True),
    }


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class RunIndex:
    """One SQLite file plus the recipe to rebuild it (``scan`` yields one row per run folder)."""

    def __init__(self, path: Path, lock_path: Path, scratch_parent: Path,
                 scan: Callable[[], Iterable[dict[str, Any]]]) -> None:
        self.path = path
        self._lock_path = lock_path
        self._scratch_parent = scratch_parent
        self._scan = scan

    # -- connections -------------------------------------------------------------------------

    def _connect(self, path: Path | None = None) -> sqlite3.Connection:
        conn = sqlite3.connect(path or self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA journal_mode = DELETE")
        return conn

    def _healthy(self) -> bool:
        """True when the file exists, opens, and holds our schema version."""
        if not self.path.is_file():
            return False
        try:
            with closing(self._connect()) as conn:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                conn.execute("SELECT count(*) FROM runs").fetchone()
        except sqlite3.Error as exc:
            if _is_busy(exc):
                raise self._busy(exc) from exc
            return False
        return version == SCHEMA_VERSION

    def _busy(self, exc: Exception) -> StoreError:
        return StoreError(
            f"The runs index stayed locked for {BUSY_TIMEOUT_S:g} s ({exc}).", where=self.path,
            fix="another process is writing it; try again in a moment",
        )

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        with exclusive_lock(self._lock_path, WRITE_LOCK_TIMEOUT_S, "the runs index"):
            yield

    def _ensure_locked(self) -> None:
        if not self._healthy():
            self._rebuild_locked()

    def ensure(self) -> None:
        """Rebuild the index if it is missing, unreadable or of another schema version."""
        if not self._healthy():
            with self._write_lock():
                self._ensure_locked()  # another process may have rebuilt it while we waited

    # -- reads and writes ---------------------------------------------------------------------

    def rows(self) -> list[dict[str, Any]]:
        """All rows as dicts (``INDEX_COLUMNS`` keys), oldest first."""
        sql = f"SELECT {', '.join(INDEX_COLUMNS)} FROM runs ORDER BY created_at, run_id"
        for attempt in (0, 1):
            self.ensure()
            try:
                with closing(self._connect()) as conn:
                    return [dict(zip(INDEX_COLUMNS, r)) for r in conn.execute(sql).fetchall()]
            except sqlite3.Error as exc:
                if _is_busy(exc):
                    raise self._busy(exc) from exc
                if attempt:
                    raise StoreError(f"The runs index cannot be read ({exc}).", where=self.path,
                                     fix="delete that file; it is rebuilt from the runs") from exc
        raise AssertionError("unreachable")

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._write_lock():
            self._ensure_locked()
            try:
                with closing(self._connect()) as conn:
                    conn.execute(sql, params)
            except sqlite3.Error as exc:
                if _is_busy(exc):
                    raise self._busy(exc) from exc
                raise StoreError(f"The runs index cannot be written ({exc}).", where=self.path,
                                 fix="check free disk space and that the folder is writable"
                                 ) from exc

    def upsert(self, row: dict[str, Any]) -> None:
        self._write(_UPSERT, tuple(row[c] for c in INDEX_COLUMNS))

    def set_status(self, run_id: str, status: str) -> None:
        self._write("UPDATE runs SET status = ? WHERE run_id = ?", (status, run_id))

    def remove(self, run_id: str) -> None:
        self._write("DELETE FROM runs WHERE run_id = ?", (run_id,))

    # -- rebuild ------------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Build a new index from the run folders and rename it over the old one."""
        with self._write_lock():
            self._rebuild_locked()

    def _rebuild_locked(self) -> None:
        try:
            scratch = ScratchDir(self._scratch_parent, "index-")
        except OSError as exc:
            raise os_error(exc, "create a scratch folder to rebuild the runs index",
                           self._scratch_parent) from exc
        try:
            new = scratch.path / "index.sqlite"
            with closing(self._connect(new)) as conn:
                conn.executescript(_CREATE)
                conn.execute("BEGIN")
                conn.executemany(_UPSERT, [tuple(r[c] for c in INDEX_COLUMNS)
                                           for r in self._scan()])
                conn.execute("COMMIT")
            with open(new, "rb+") as fh:
                os.fsync(fh.fileno())
            # Writers are serialised by our lock, so a journal beside the old file is a dead
            # writer's; left in place it would be "rolled back" into the new database.
            Path(f"{self.path}-journal").unlink(missing_ok=True)
            os.replace(new, self.path)
            fsync_dir(self.path.parent)
        except OSError as exc:
            raise os_error(exc, "rebuild the runs index", self.path) from exc
        except sqlite3.Error as exc:
            raise StoreError(f"The runs index cannot be rebuilt ({exc}).", where=self.path,
                             fix="check free disk space and that the folder is writable") from exc
        finally:
            scratch.discard()
