"""The manifest: the list of a run's files with their sha256 and size, written last.

A run folder is only trusted through its manifest. Writing it after every other file is
fsynced, and checking every read against it, is what turns "a file exists" into "this is
exactly what the training run produced": a truncated parquet, a hand-edited model or a
missing file is caught at the first read instead of skewing a comparison.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.store.errors import CorruptRunError
from core.store.fsutil import sha256_file

__all__ = [
    "FORMAT",
    "HISTORY",
    "IDENTITY",
    "MANIFEST",
    "MODEL",
    "PREDICTIONS",
    "RECORD",
    "REQUIRED_FILES",
    "RESERVED_NAMES",
    "build_manifest",
    "check_files",
    "read_manifest",
]

FORMAT = 1
MANIFEST = "manifest.json"
PREDICTIONS = "predictions.parquet"
HISTORY = "history.parquet"
MODEL = "model.keras"
RECORD = "record.json"
IDENTITY = "identity.json"
REQUIRED_FILES = (PREDICTIONS, HISTORY, RECORD, IDENTITY)
RESERVED_NAMES = frozenset({MANIFEST, PREDICTIONS, HISTORY, MODEL, RECORD, IDENTITY})


def build_manifest(run_id: str, folder: Path, names: list[str], created_at: str) -> dict[str, Any]:
    """Checksum the files as they are on disk now (after fsync), not as we meant to write them."""
    files = {}
    for name in sorted(names):
        sha, size = sha256_file(folder / name)
        files[name] = {"sha256": sha, "size": size}
    return {"format": FORMAT, "run_id": run_id, "created_at": created_at, "files": files}


def read_manifest(folder: Path, run_id: str) -> dict[str, Any]:
    """Parse and sanity-check ``manifest.json``; any problem is a :class:`CorruptRunError`."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorruptRunError(run_id, f"{MANIFEST} is missing", where=path) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptRunError(run_id, f"{MANIFEST} is unreadable ({exc})", where=path) from exc
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if (
        not isinstance(files, dict)
        or manifest.get("run_id") != run_id
        or not all(
            isinstance(v, dict) and isinstance(v.get("sha256"), str)
            and isinstance(v.get("size"), int) for v in files.values()
        )
    ):
        raise CorruptRunError(
            run_id, f"{MANIFEST} does not describe this run (wrong id or malformed file list)",
            where=path,
        )
    missing = [name for name in REQUIRED_FILES if name not in files]
    if missing:
        raise CorruptRunError(
            run_id, f"{MANIFEST} lacks required file(s) {', '.join(missing)}", where=path
        )
    return manifest


def check_files(folder: Path, manifest: dict[str, Any], *, full: bool = True) -> list[str]:
    """Problems with the files the manifest lists: missing, wrong size, wrong sha256.

    ``full=False`` only compares sizes (a stat per file) for callers that must stay fast.
    """
    problems = []
    for name, entry in sorted(manifest["files"].items()):
        path = folder / name
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            problems.append(f"{name} is missing ({path})")
            continue
        if size != entry["size"]:
            problems.append(
                f"{name} has {size} bytes, the manifest says {entry['size']} "
                f"(truncated or replaced: {path})"
            )
            continue
        if full and sha256_file(path)[0] != entry["sha256"]:
            problems.append(f"{name} does not match its sha256 checksum (edited: {path})")
    return problems
