"""Exclusive inter-process locks on files, with a timeout.

``fcntl.flock`` is used rather than "create a lock file if absent" because the kernel releases
a flock when its holder dies, however it dies: a killed trainer can never leave a stale lock
that blocks the next run forever. The lock files themselves are never deleted (unlinking a
lock file while another process waits on it would let a third process lock a new file and
break the exclusion); there is one per run id, and each holds only the process id of its last
holder, which a waiting process reads to say whom it waits for.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from core.store.errors import StoreError, os_error

__all__ = ["Claim", "exclusive_lock", "lock_if_free"]


@dataclass(frozen=True)
class Claim:
    """What :meth:`ResultsStore.claim` yields: which run is held, and how long we waited for it.

    ``waited_s`` lets a caller say "another process trained this; reused its result".
    """

    run_id: str
    lock_path: Path
    waited_s: float


@contextmanager
def exclusive_lock(path: Path, timeout: float | None, what: str,
                   on_wait: Callable[[int | None], None] | None = None) -> Iterator[float]:
    """Hold an exclusive ``flock`` on ``path`` for the ``with`` body; yields seconds waited.

    ``timeout=None`` waits as long as the holder lives (safe: a dead holder's lock vanishes).
    Otherwise polls with backoff (10 ms up to 0.5 s) and raises :class:`StoreError` in time.
    When another process holds the lock, ``on_wait(pid)`` is called once before waiting, with
    the holder's process id (None if unknown), so that a second ``core run`` can say what it
    waits for instead of hanging silently.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise os_error(exc, f"open the lock file for {what}", path) from exc
    start = time.monotonic()
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait(_holder(fd))
            _wait(fd, path, timeout, what, start)
        _write_pid(fd)
        yield time.monotonic() - start
    finally:
        os.close(fd)  # closing the only descriptor drops the flock


def _wait(fd: int, path: Path, timeout: float | None, what: str, start: float) -> None:
    if timeout is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    delay = 0.01
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                raise StoreError(
                    f"Timed out after {timeout:g} s waiting for {what}: another process "
                    "holds its lock (probably training it right now).",
                    where=path,
                    fix="wait for that process to finish (or stop it), then try again; "
                    "a process that dies releases the lock by itself",
                ) from None
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.5)


def _write_pid(fd: int) -> None:
    """Leave our process id in the lock file for a waiter's message. Best effort: a full disk
    must not stop the holder (the lock itself is the kernel's, not the file's content)."""
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    except OSError:
        pass


def _holder(fd: int) -> int | None:
    """The process id the lock file names, if that process is alive (the file may still name
    a previous holder for the instant between the new holder's lock and its write)."""
    try:
        pid = int(os.pread(fd, 32, 0).decode("ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, owned by another user
        pass
    return pid


@contextmanager
def lock_if_free(path: Path) -> Iterator[bool]:
    """Hold ``path``'s exclusive ``flock`` for the ``with`` body if nobody else holds it;
    yields whether we got it (never waits).

    Used by cleaning: a run's scratch may be removed only while its claim is free, and holding
    the claim during the removal keeps a trainer from starting on the folder meanwhile.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise os_error(exc, "open a lock file", path) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            free = True
        except BlockingIOError:
            free = False
        yield free
    finally:
        os.close(fd)
