"""A file that arrives as bytes (an upload in the app) put where the importers read files.

The importers take a path, as the command line gives them, so that the app runs the very same
checks. An upload is therefore written once to a private temporary folder under the name the
user gave it (its last path component only), so that every message and the stored record name
the file the user knows ("Row 3 of site_b.csv"). It is streamed in chunks from the upload (no
second copy in memory) and refused beyond ``max_bytes`` before anything is written past that.
The folder is removed afterwards: by :func:`staged` at once, or by whoever imports it later
(a background model import) through :func:`discard`.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from core.errors import LesionlabError
from core.imports.errors import ImportRejected

__all__ = ["discard", "message", "stage", "staged", "upload_name"]

CHUNK = 1 << 20


def upload_name(name: str) -> str:
    """The last path component of an uploaded file's name; never empty, never a path."""
    last = str(name).replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "").strip()
    if last in ("", ".", ".."):
        raise ImportRejected(f"The uploaded file's name {name!r} is not a file name.",
                             fix="rename the file, e.g. predictions.csv, and upload it again")
    return last


def stage(name: str, content: BinaryIO, max_bytes: int | None = None) -> Path:
    """Write ``content`` (from its start) to a new private folder as ``name``; its path."""
    folder = Path(tempfile.mkdtemp(prefix="lesionlab-upload-"))
    path = folder / upload_name(name)
    try:
        content.seek(0)
        written = 0
        with path.open("wb") as out:
            for chunk in iter(lambda: content.read(CHUNK), b""):
                written += len(chunk)
                if max_bytes is not None and written > max_bytes:
                    raise ImportRejected(
                        f"{path.name} is larger than {max_bytes / 2**20:.0f} MiB, the most "
                        "read for an import. Nothing was stored.",
                        fix="keep only the columns of the format and one row per image")
                out.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def discard(path: Path) -> None:
    """Remove a staged file's folder (and nothing else: only folders :func:`stage` made)."""
    folder = Path(path).parent
    if folder.name.startswith("lesionlab-upload-"):
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def staged(name: str, content: BinaryIO, max_bytes: int | None = None) -> Iterator[Path]:
    """:func:`stage` for the length of a ``with`` block."""
    path = stage(name, content, max_bytes)
    try:
        yield path
    finally:
        discard(path)


def message(error: LesionlabError, path: Path) -> str:
    """``error``'s text for the user who uploaded ``path``: the private folder it was staged
    in is left out (the problem names the file by the name the user gave it)."""
    if error.where != str(path):
        return str(error)
    return " ".join([error.problem, *([f"Fix: {error.fix}"] if error.fix else [])])
