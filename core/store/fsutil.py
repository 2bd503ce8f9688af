"""Durable file primitives: checksums, fsync, and scratch folders that know if their writer died.

Why this module exists: "nothing is lost or half-written" only holds if every byte is on disk
before the folder that contains it becomes visible, and if a folder left behind by a killed
writer can be told apart from one a live writer is still filling.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

__all__ = [
    "ScratchDir",
    "copy_durable",
    "fsync_dir",
    "sha256_bytes",
    "sha256_file",
    "try_lock_abandoned",
    "write_durable",
]

_CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> tuple[str, int]:
    """``(hex sha256, size in bytes)`` of a file, read in 1 MiB chunks (model files are large)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def fsync_dir(path: Path) -> None:
    """Persist a folder's entries (new names, renames); a file's own fsync does not do that."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durable(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file and fsync it before returning."""
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def copy_durable(src: Path, dst: Path) -> None:
    """Copy a file's bytes (not its permissions or times) to a new file and fsync the copy."""
    with open(src, "rb") as fin, open(dst, "xb") as fout:
        shutil.copyfileobj(fin, fout, _CHUNK)
        fout.flush()
        os.fsync(fout.fileno())


class ScratchDir:
    """A fresh folder under ``parent`` that stays ``flock``-ed while its writer is alive.

    The kernel drops the lock when the process dies, however it dies (SIGKILL included), so
    :func:`try_lock_abandoned` can tell a dead writer's leftovers from a folder being filled
    right now, without guessing from ages or pids.
    """

    def __init__(self, parent: Path, prefix: str) -> None:
        for _ in range(5):
            path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)  # a cleaner grabbed it in the instant before us; take another
                continue
            if _same_inode(fd, path):
                self.path, self._fd = path, fd
                return
            os.close(fd)  # a cleaner removed it before we locked it
        raise OSError(errno.EAGAIN, "could not create a scratch folder", str(parent))

    def release(self) -> None:
        """Drop the lock; call after the folder was renamed away or removed."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def discard(self) -> None:
        """Remove the folder (a failed write) and drop the lock."""
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()


def _same_inode(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    fst = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (fst.st_dev, fst.st_ino)


def try_lock_abandoned(path: Path) -> int | None:
    """Lock ``path`` if no live writer holds it; return the fd (caller closes) or ``None``.

    Holding the lock while removing the folder keeps a writer from adopting it mid-removal.
    """
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0))
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd
