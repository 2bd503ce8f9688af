"""The results store's errors: one base class, each message naming the path at fault and the fix.

The reader is a clinician-researcher looking at a dashboard banner, not a developer reading a
traceback, so every error carries ``where`` (the file or folder) and ``fix`` (what to do next)
and renders them into one sentence-like message.
"""

from __future__ import annotations

import errno

from core.errors import LesionlabError

__all__ = ["DELETE_CORRUPT_FIX", "StoreError", "CorruptRunError", "RunNotFound", "os_error"]

DELETE_CORRUPT_FIX = (
    "run `python -m core verify --delete-corrupt` (it checks every run and deletes the damaged "
    "ones; other runs are unaffected), then train the run again (the Train page, or the same "
    "`python -m core run` command)"
)
"""What to do about a damaged run, in words the app and the command line both show."""


class StoreError(LesionlabError):
    """Something in the results store cannot be done. ``where`` is the path, ``fix`` the remedy."""

    where_word = "at"

    def __str__(self) -> str:  # KeyError (see RunNotFound) would otherwise repr-quote the text
        return str(self.args[0]) if self.args else ""


class CorruptRunError(StoreError):
    """A stored run's files no longer match its manifest (truncated, edited, missing).

    ``run_id`` lets the caller offer "delete and train again" without parsing the message;
    ``detail`` is the bare problem (what :meth:`ResultsStore.verify` lists).
    """

    def __init__(self, run_id: str, problem: str, *, where: object = None) -> None:
        self.run_id = run_id
        self.detail = problem
        super().__init__(
            f"Stored run {run_id} is corrupt: {problem}.",
            where=where,
            fix=f"{DELETE_CORRUPT_FIX} (from Python: ResultsStore.delete({run_id!r}))",
        )


class RunNotFound(StoreError, KeyError):
    """No run with this id is stored. Also a ``KeyError`` so ``except KeyError`` callers work."""

    def __init__(self, run_id: str, *, where: object = None) -> None:
        self.run_id = run_id
        super().__init__(
            f"No stored run with id {run_id!r}.",
            where=where,
            fix="train it first, or pick an id from ResultsStore.list_runs()",
        )


_NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NO_ACCESS = {errno.EACCES, errno.EPERM, errno.EROFS}
_NOT_A_DIR = {errno.ENOTDIR, errno.EEXIST}


def os_error(exc: OSError, action: str, where: object) -> StoreError:
    """Translate a low-level ``OSError`` into a :class:`StoreError` with a concrete fix.

    Why here: disk-full, read-only and "a file is in the way" faults all surface as bare
    ``OSError`` deep inside parquet/shutil/sqlite calls; the user needs to know which folder and
    what to change, and the cause (errno) decides the advice.
    """
    code = exc.errno
    if code in _NO_SPACE:
        fix = (
            "free disk space on that drive (or raise the quota), or set LESIONLAB_STORE to a "
            "folder on a disk with more room; nothing was half-written"
        )
        problem = f"Not enough disk space to {action} ({exc.strerror or exc})."
    elif code in _NO_ACCESS:
        fix = "make that folder writable for your user, or set LESIONLAB_STORE to a writable folder"
        problem = f"Permission denied to {action} ({exc.strerror or exc})."
    elif code in _NOT_A_DIR:
        fix = (
            "a regular file is in the way of a folder the store needs; move it away, or set "
            "LESIONLAB_STORE to another folder"
        )
        problem = f"Cannot {action}: a file is in the way ({exc.strerror or exc})."
    else:
        fix = "check that the folder exists and is writable, or point LESIONLAB_STORE elsewhere"
        problem = f"Cannot {action} ({exc.strerror or exc})."
    err = StoreError(problem, where=where, fix=fix)
    err.__cause__ = exc
    return err
