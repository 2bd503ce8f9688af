"""The one error an import raises: the file (or model) does not fit the dataset it claims.

Its own class, so the command line and the app can tell "your file is wrong" (say it, store
nothing) from a bug; a subclass of :class:`~core.errors.LesionlabError`, so it renders like every
other user error: problem, where, fix.
"""

from __future__ import annotations

from core.errors import LesionlabError

__all__ = ["ImportRejected"]


class ImportRejected(LesionlabError, ValueError):
    """A predictions file or a model file cannot be imported as given; nothing was stored."""
