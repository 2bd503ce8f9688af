"""Writing a run folder: inputs checked, files serialised and fsynced, manifest last, one rename.

Split from :mod:`core.store.store` so the store's class stays short; these are the steps
:meth:`ResultsStore.commit` takes, in order, each explained where it is defined.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from pyarrow.lib import ArrowException

from core.store.errors import StoreError
from core.store.fsutil import copy_durable, fsync_dir, write_durable
from core.store.manifest import MANIFEST, MODEL, RESERVED_NAMES, build_manifest

__all__ = ["check_sources", "parquet_bytes", "publish", "write_artifacts"]

_EXTRA_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def parquet_bytes(frame: pd.DataFrame, what: str, where: str) -> bytes:
    """Serialise in memory first, so a column pyarrow cannot store fails before any write."""
    try:
        return frame.to_parquet(index=False)
    except (ValueError, TypeError, ArrowException) as exc:
        raise StoreError(
            f"The {what} table cannot be stored as parquet ({type(exc).__name__}: {exc}).",
            where=where, fix="give every column a single type (numbers, strings or booleans)",
        ) from exc


def check_sources(model_file: Path | None, extra_files: Mapping[str, Path],
                  where: str) -> dict[str, Path]:
    """Map stored name -> source path, after checking each source is a usable file."""
    sources: dict[str, Path] = {}
    if model_file is not None:
        model_file = Path(model_file)
        if model_file.suffix != ".keras" or not zipfile.is_zipfile(model_file):
            raise StoreError(
                f"The model file {model_file} is not a Keras 3 '.keras' archive"
                f"{'' if model_file.is_file() else ' (it does not exist)'}.", where=where,
                fix="save the model with model.save('<name>.keras')",
            )
        sources[MODEL] = model_file
    for name, src in extra_files.items():
        src = Path(src)
        if not name or not set(name) <= _EXTRA_NAME_CHARS or name.startswith(".") \
                or name in RESERVED_NAMES:
            raise StoreError(
                f"Extra file name {name!r} is not allowed.", where=where,
                fix="use a plain file name (letters, digits, . _ -) other than "
                f"{', '.join(sorted(RESERVED_NAMES))}",
            )
        if not src.is_file():
            raise StoreError(f"Extra file {name!r} does not exist or is not a file.",
                             where=src, fix="pass the path of an existing file")
        sources[name] = src
    return sources

def write_artifacts(
    folder: Path, rid: str, contents: dict[str, bytes], sources: dict[str, Path],
) -> None:
    """Write and fsync every file, then the manifest (last: it vouches for the others).

    ``contents`` were serialised in memory beforehand, so bad input never gets this far.
    """
    for name, data in contents.items():
        write_durable(folder / name, data)
    for name, src in sources.items():
        copy_durable(src, folder / name)
    names = [*contents, *sources]
    manifest = build_manifest(rid, folder, names, datetime.now(UTC).isoformat(timespec="seconds"))
    write_durable(folder / MANIFEST, json.dumps(manifest, indent=2).encode("utf-8"))
    fsync_dir(folder)

def publish(folder: Path, target: Path) -> bool:
    """Atomically rename the finished folder to ``runs/<id>``; False if the id is taken.

    ``rename(2)`` replaces only an *empty* directory; a non-empty target means another
    writer published first (ENOTEMPTY/EEXIST), and their run stays.
    """
    try:
        os.rename(folder, target)
    except OSError as exc:
        if target.is_dir() and any(target.iterdir()):
            return False
        raise exc
    fsync_dir(target.parent)
    return True
