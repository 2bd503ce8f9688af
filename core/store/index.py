"""The SQLite index of stored runs: a fast, rebuildable summary, never the truth.

The run folders (with their manifests) are the truth; this index only exists so the dashboard
can list hundreds of runs without opening hundreds of JSON files. Hence: it is written only
after a run folder is in place, it is rebuilt from the folders whenever it is missing, unreadable
or of an older schema, and a rebuild builds a fresh file and renames it over the old one, so a
reader sees either the old index or the new one, never a half-built one.

Damage inside the file (a flipped byte in a data page) is detected, not trusted: opening runs
``PRAGMA quick_check`` (the b-tree structure), and every row read is checked for its types and
against its own sha256 (``row_sha``, over all other columns), so a flip that still parses (a
phantom all-NULL row, a changed AUC, a renamed dataset) is caught too. Any of these rebuilds the
index from the run folders, as for a missing file; the damage is logged, never shown as data.

Journal mode: the classic rollback journal (``journal_mode=DELETE``), not WAL. Writes are tiny
and rare (one row per finished training run), every call opens and closes its own connection,
and WAL's side files (``-wal``/``-shm``) would survive a rename-over rebuild and could be
replayed into the wrong database. Concurrency comes from a ``busy_timeout`` for readers and a
``flock`` that serialises all writers (including rebuilds) across processes; with writers
serialised, a leftover ``-journal`` seen during a rebuild can only belong to a dead writer and is
removed before the new file takes the old one's place.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.store.config_columns import CONFIG_INDEX_COLUMNS, config_fields
from core.store.errors import StoreError, os_error
from core.store.fsutil import ScratchDir, fsync_dir
from core.store.identity import is_run_id
from core.store.locks import exclusive_lock

__all__ = ["INDEX_COLUMNS", "LIST_COLUMNS", "RUNS_TABLE", "SUMMARY_COLUMNS", "IndexTable",
           "RunIndex", "index_row", "with_status"]

_log = logging.getLogger(__name__)

SCHEMA_VERSION = 5  # bump when the table changes: an older index is then rebuilt automatically
# (3: the configuration columns of core.store.config_columns; 4: their budget planner;
# 5: the augmentation trained with)
BUSY_TIMEOUT_S = 15.0
WRITE_LOCK_TIMEOUT_S = 60.0

IDENTITY_COLUMNS = ("dataset", "model", "strategy", "profile", "seed", "fold")
INDEX_COLUMNS = (
    "run_id", *IDENTITY_COLUMNS, *CONFIG_INDEX_COLUMNS, "created_at", "device", "wall_time_s",
    "status", "code_version", "summary_json", "problem", "row_sha",
)
_HASHED_COLUMNS = INDEX_COLUMNS[:-1]
SUMMARY_COLUMNS = ("test_auc", "val_auc", "test_accuracy")
LIST_COLUMNS = tuple(c for c in INDEX_COLUMNS if c not in ("summary_json", "row_sha")) \
    + SUMMARY_COLUMNS
"""Columns of ``list_runs()`` that are always present; other summary numbers are appended."""

# Identity columns, device and code_version are declared without a type (no affinity), so
# SQLite hands back exactly the value stored (an INTEGER column would turn the text "1" into 1)
# and the row checksum stays comparable.
_CREATE = f"""
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY NOT NULL,
    dataset, model, strategy, profile, seed, fold,
    overrides, weights, split_seed, n_folds, budget_s, planner, augmentation, source,
    created_at TEXT, device, wall_time_s REAL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'corrupt')),
    code_version,
    summary_json TEXT NOT NULL DEFAULT '{{}}',
    problem TEXT,
    row_sha TEXT NOT NULL
);
PRAGMA user_version = {SCHEMA_VERSION};
"""


_INT64 = 2**63


def _scalar(value: Any) -> Any:
    """SQLite stores scalars; anything else in an identity field is kept as its JSON text (so
    are integers beyond 64 bits and non-finite floats, which SQLite cannot keep as they are)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and -_INT64 <= value < _INT64:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _row_sha(row: dict[str, Any]) -> str:
    """The checksum that makes a row self-verifying: sha256 over every other column, typed."""
    text = json.dumps([[type(row[c]).__name__, row[c]] for c in _HASHED_COLUMNS])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def index_row(
    run_id: str, identity: dict[str, Any] | None, record: dict[str, Any] | None,
    created_at: str | None, status: str, problem: str | None = None,
) -> dict[str, Any]:
    """The index row of one run; missing parts (a corrupt run) become NULLs, not errors.

    ``problem`` says why a corrupt run is corrupt (shown by the app and ``core ls``)."""
    identity = identity if isinstance(identity, dict) else {}
    record = record if isinstance(record, dict) else {}
    summary = record.get("summary") if isinstance(record.get("summary"), dict) else {}
    numbers = {
        k: float(v) for k, v in summary.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    }
    wall = record.get("wall_time_s")
    wall_ok = isinstance(wall, (int, float)) and not isinstance(wall, bool) \
        and math.isfinite(wall)
    row = {
        "run_id": run_id,
        **{c: _scalar(identity.get(c)) for c in IDENTITY_COLUMNS},
        **config_fields(identity, record),
        "created_at": created_at if isinstance(created_at, str) else None,
        "device": _scalar(record.get("device")),
        "wall_time_s": float(wall) if wall_ok else None,
        "status": status,
        "code_version": _scalar(identity.get("code_version")),
        "summary_json": json.dumps(numbers, sort_keys=True),
        "problem": None if status == "ok" or problem is None else str(problem),
    }
    row["row_sha"] = _row_sha(row)
    return row


def with_status(row: dict[str, Any], status: str, problem: str | None) -> dict[str, Any]:
    """A copy of an index row with another status (and problem), its checksum renewed."""
    new = {**row, "status": status, "problem": None if status == "ok" else problem}
    new["row_sha"] = _row_sha(new)
    return new


_SCALARS = (type(None), str, int, float)


def _row_problem(row: dict[str, Any]) -> str | None:
    """Why a row read back cannot be one we wrote (typed check, then its checksum), or None."""
    rid = row["run_id"]
    if not (isinstance(rid, str) and is_run_id(rid)):
        return f"a row has run_id {rid!r}, not a run id"
    if row["status"] not in ("ok", "corrupt"):
        return f"run {rid} has status {row['status']!r}"
    bad = [c for c in _HASHED_COLUMNS if not isinstance(row[c], _SCALARS)
           or isinstance(row[c], bool)]
    text_only = [c for c in ("created_at", "summary_json", "problem", "row_sha")
                 if row[c] is not None and not isinstance(row[c], str)]
    if bad or text_only or not isinstance(row["summary_json"], str) \
            or not isinstance(row["wall_time_s"], (float, type(None))):
        return f"run {rid} has values of the wrong type in {', '.join(bad + text_only)}"
    if row["row_sha"] != _row_sha(row):
        return f"the row of run {rid} does not match its checksum"
    return None


def _rows_problem(rows: list[dict[str, Any]], row_problem: Callable[[dict[str, Any]], str | None],
                  key: str = "run_id") -> str | None:
    seen: set[str] = set()
    for row in rows:
        problem = row_problem(row)
        if problem is not None:
            return problem
        if row[key] in seen:
            return f"{key} {row[key]} has two rows"
        seen.add(row[key])
    return None


@dataclass(frozen=True)
class IndexTable:
    """What differs between the indexes kept with :class:`RunIndex`'s machinery (runs, and the
    external evaluations of :mod:`core.store.evaluations`): each lives in its own SQLite file,
    so a new table never changes, or forces a rebuild of, an existing store's runs index."""

    name: str  # the table, and the words in messages ("the runs index")
    key: str  # primary key column
    columns: tuple[str, ...]
    create: str  # CREATE TABLE ...; PRAGMA user_version = <version>
    version: int
    row_problem: Callable[[dict[str, Any]], str | None]
    order: str = "created_at, run_id"
    folders: str = "run"  # what the index is rebuilt from, in messages

    @property
    def upsert(self) -> str:
        return (f"INSERT OR REPLACE INTO {self.name} ({', '.join(self.columns)}) "
                f"VALUES ({', '.join('?' for _ in self.columns)})")


RUNS_TABLE = IndexTable("runs", "run_id", INDEX_COLUMNS, _CREATE, SCHEMA_VERSION, _row_problem)


#: What a damaged file raises: SQLite's errors, and a UnicodeDecodeError when the message
#: SQLite composes quotes the damaged bytes (seen from "PRAGMA journal_mode" on a flipped
#: schema page).
_DB_ERRORS = (sqlite3.Error, UnicodeDecodeError)


def _is_busy(exc: Exception) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class RunIndex:
    """One SQLite file plus the recipe to rebuild it (``scan`` yields one row per run folder)."""

    def __init__(self, path: Path, lock_path: Path, scratch_parent: Path,
                 scan: Callable[[], Iterable[dict[str, Any]]],
                 table: IndexTable = RUNS_TABLE) -> None:
        self.path = path
        self.table = table
        self._lock_path = lock_path
        self._scratch_parent = scratch_parent
        self._scan = scan

    # -- connections -------------------------------------------------------------------------

    def _connect(self, path: Path | None = None) -> sqlite3.Connection:
        conn = sqlite3.connect(path or self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA journal_mode = DELETE")
        return conn

    def _healthy(self, say: bool = True) -> bool:
        """True when the file exists, opens, holds our schema version and passes SQLite's
        ``quick_check`` (b-tree pages, record formats, NOT NULL; milliseconds for this size)."""
        if not self.path.is_file():
            return False
        try:
            with closing(self._connect()) as conn:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                conn.execute(f"SELECT count(*) FROM {self.table.name}").fetchone()
                check = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        except _DB_ERRORS as exc:
            if _is_busy(exc):
                raise self._busy(exc) from exc
            return self._damaged(str(exc), say)
        if version != self.table.version:
            return False
        return check == ["ok"] or self._damaged("; ".join(map(str, check[:3])), say)

    def _damaged(self, reason: str, say: bool = True) -> bool:
        """Log why the index is about to be rebuilt (it is never shown as data); False."""
        if say:
            _log.warning("The %s index %s is damaged (%s); rebuilding it from the %s "
                         "folders.", self.table.name, self.path, reason, self.table.folders)
        return False

    def _busy(self, exc: Exception) -> StoreError:
        return StoreError(
            f"The {self.table.name} index stayed locked for {BUSY_TIMEOUT_S:g} s ({exc}).",
            where=self.path,
            fix="another process is writing it; try again in a moment",
        )

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        with exclusive_lock(self._lock_path, WRITE_LOCK_TIMEOUT_S,
                            f"the {self.table.name} index"):
            yield

    def _ensure_locked(self, say: bool = True) -> None:
        if not self._healthy(say):
            self._rebuild_locked()

    def ensure(self) -> None:
        """Rebuild the index if it is missing, unreadable or of another schema version."""
        if not self._healthy():
            with self._write_lock():
                self._ensure_locked(say=False)  # another process may have rebuilt it meanwhile

    # -- reads and writes ---------------------------------------------------------------------

    def _read(self) -> tuple[list[dict[str, Any]], str | None]:
        """All rows, and why they cannot be trusted (None when every row checks out)."""
        t = self.table
        sql = f"SELECT {', '.join(t.columns)} FROM {t.name} ORDER BY {t.order}"
        try:
            with closing(self._connect()) as conn:
                rows = [dict(zip(t.columns, r)) for r in conn.execute(sql).fetchall()]
        except _DB_ERRORS as exc:  # e.g. "Could not decode to UTF-8" from a flipped byte
            if _is_busy(exc):
                raise self._busy(exc) from exc
            return [], f"{type(exc).__name__}: {exc}"
        return rows, _rows_problem(rows, t.row_problem, t.key)

    def rows(self) -> list[dict[str, Any]]:
        """All rows as dicts (``INDEX_COLUMNS`` keys), oldest first, each one verified; a
        damaged index is rebuilt from the run folders first. When it cannot be rebuilt (a
        read-only store, a full disk, a lock held too long) the rows come straight from the
        folders, unsaved: listing degrades to slower, never to wrong or to an error."""
        try:
            return self._verified_rows()
        except StoreError as exc:
            _log.warning("The %s index %s cannot be used (%s); listing the %s folders "
                         "directly.", self.table.name, self.path, exc, self.table.folders)
            rows = list(self._scan())
            return sorted(rows, key=lambda r: (r["created_at"] or "", r[self.table.key]))

    def _verified_rows(self) -> list[dict[str, Any]]:
        self.ensure()
        rows, problem = self._read()
        if problem is None:
            return rows
        with self._write_lock():
            rows, problem = self._read()  # another process may have rebuilt it meanwhile
            if problem is not None:
                self._damaged(problem)
                self._rebuild_locked()
                rows, problem = self._read()
        if problem is not None:
            raise StoreError(f"The {self.table.name} index cannot be read even after a "
                             f"rebuild ({problem}).",
                             where=self.path,
                             fix="check the disk (free space, errors) and that the folder is "
                             "writable; the run folders themselves are untouched")
        return rows

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        """Run one statement under the writers' lock; a write that finds the file damaged
        rebuilds it from the folders and tries once more."""
        with self._write_lock():
            self._ensure_locked()
            for attempt in (0, 1):
                try:
                    with closing(self._connect()) as conn:
                        conn.execute(sql, params)
                    return
                except _DB_ERRORS as exc:
                    if _is_busy(exc):
                        raise self._busy(exc) from exc
                    if attempt:
                        raise StoreError(f"The {self.table.name} index cannot be written ({exc}).",
                                         where=self.path, fix="check free disk space and that "
                                         "the folder is writable") from exc
                    self._damaged(f"{type(exc).__name__}: {exc}")
                    self._rebuild_locked()

    def upsert(self, row: dict[str, Any]) -> None:
        self._write(self.table.upsert, tuple(row[c] for c in self.table.columns))

    def set_status(self, run_id: str, status: str, problem: str | None = None) -> None:
        """Change one row's status (and problem), keeping its other columns."""
        row = next((r for r in self.rows() if r["run_id"] == run_id), None)
        if row is not None:
            self.upsert(with_status(row, status, problem))

    def remove(self, run_id: str) -> None:
        self._write(f"DELETE FROM {self.table.name} WHERE {self.table.key} = ?", (run_id,))

    # -- rebuild ------------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Build a new index from the run folders and rename it over the old one."""
        with self._write_lock():
            self._rebuild_locked()

    def _rebuild_locked(self) -> None:
        try:
            scratch = ScratchDir(self._scratch_parent, "index-")
        except OSError as exc:
            raise os_error(exc, f"create a scratch folder to rebuild the {self.table.name} index",
                           self._scratch_parent) from exc
        try:
            new = scratch.path / "index.sqlite"
            with closing(self._connect(new)) as conn:
                conn.executescript(self.table.create)
                conn.execute("BEGIN")
                conn.executemany(self.table.upsert, [tuple(r[c] for c in self.table.columns)
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
            raise os_error(exc, f"rebuild the {self.table.name} index", self.path) from exc
        except sqlite3.Error as exc:
            raise StoreError(f"The {self.table.name} index cannot be rebuilt ({exc}).",
                             where=self.path,
                             fix="check free disk space and that the folder is writable") from exc
        finally:
            scratch.discard()
