"""The index row of one external evaluation, and the table that keeps them.

The evaluations index is its own SQLite file (``evaluations.sqlite``), kept by the same
machinery as the runs index (:class:`~core.store.index.RunIndex` with another
:class:`~core.store.index.IndexTable`): written after the folder is published, rebuilt from the
``evaluations/`` folders whenever it is missing, damaged or of another version, every row
checked against its own sha256. A store from before evaluations existed simply has no such
file, and its runs index is untouched.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from core.store.identity import is_run_id
from core.store.index import IndexTable

__all__ = ["EVALUATION_COLUMNS", "EVALUATIONS_TABLE", "evaluation_row"]

EVALUATION_SCHEMA_VERSION = 1
EVALUATION_COLUMNS = (
    "evaluation_id", "run_id", "source_dataset", "model", "dataset", "split", "mapping",
    "created_at", "exact_overlap", "near_overlap", "status", "code_version", "summary_json",
    "problem", "row_sha",
)
_HASHED = EVALUATION_COLUMNS[:-1]
_CREATE = f"""
CREATE TABLE evaluations (
    evaluation_id TEXT PRIMARY KEY NOT NULL,
    run_id, source_dataset, model, dataset, split, mapping,
    created_at TEXT, exact_overlap, near_overlap,
    status TEXT NOT NULL CHECK (status IN ('ok', 'corrupt')),
    code_version,
    summary_json TEXT NOT NULL DEFAULT '{{}}',
    problem TEXT,
    row_sha TEXT NOT NULL
);
PRAGMA user_version = {EVALUATION_SCHEMA_VERSION};
"""


def _row_sha(row: dict[str, Any]) -> str:
    text = json.dumps([[type(row[c]).__name__, row[c]] for c in _HASHED])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def evaluation_row(evaluation_id: str, identity: dict[str, Any] | None,
                   record: dict[str, Any] | None, created_at: str | None, status: str,
                   problem: str | None = None) -> dict[str, Any]:
    """The index row of one evaluation; the parts a damaged folder lacks become NULLs."""
    identity = identity if isinstance(identity, dict) else {}
    record = record if isinstance(record, dict) else {}
    overlap = record.get("overlap") if isinstance(record.get("overlap"), dict) else {}
    summary = record.get("summary") if isinstance(record.get("summary"), dict) else {}
    numbers = {k: float(v) for k, v in summary.items()
               if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}
    row = {
        "evaluation_id": evaluation_id,
        "run_id": _text(identity.get("run_id")),
        "source_dataset": _text(record.get("source_dataset")),
        "model": _text(record.get("model")),
        "dataset": _text(record.get("dataset")),
        "split": _text(identity.get("split")),
        "mapping": json.dumps(identity.get("mapping"), sort_keys=True)
        if identity.get("mapping") is not None else None,
        "created_at": _text(created_at),
        "exact_overlap": _count(overlap.get("exact")),
        "near_overlap": _count(overlap.get("near")),
        "status": status,
        "code_version": _text(identity.get("code_version")),
        "summary_json": json.dumps(numbers, sort_keys=True),
        "problem": None if status == "ok" or problem is None else str(problem),
    }
    row["row_sha"] = _row_sha(row)
    return row


def _row_problem(row: dict[str, Any]) -> str | None:
    """Why a row read back cannot be one we wrote (its types, then its checksum), or None."""
    eid = row["evaluation_id"]
    if not (isinstance(eid, str) and is_run_id(eid)):
        return f"a row has evaluation_id {eid!r}, not an evaluation id"
    if row["status"] not in ("ok", "corrupt"):
        return f"evaluation {eid} has status {row['status']!r}"
    counts = ("exact_overlap", "near_overlap")
    bad = [c for c in _HASHED if not isinstance(row[c], (type(None), int) if c in counts
                                                  else (type(None), str))]
    if bad or not isinstance(row["summary_json"], str):
        return f"evaluation {eid} has values of the wrong type in {', '.join(bad)}"
    if row["row_sha"] != _row_sha(row):
        return f"the row of evaluation {eid} does not match its checksum"
    return None


EVALUATIONS_TABLE = IndexTable("evaluations", "evaluation_id", EVALUATION_COLUMNS, _CREATE,
                               EVALUATION_SCHEMA_VERSION, _row_problem,
                               order="created_at, evaluation_id", folders="evaluation")
