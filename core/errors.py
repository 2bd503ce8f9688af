"""The base of every error a user can cause: a problem, where it is, and how to fix it.

The reader is a clinician-researcher looking at a message in the app or the terminal, not a
developer reading a traceback, so each subsystem's error (datasets, results store, ...) renders
the same three parts into one sentence-like message and keeps them as attributes for the UI.
"""

from __future__ import annotations


class LesionlabError(Exception):
    """``problem`` (what is wrong), ``where`` (the path or thing at fault), ``fix`` (the remedy)."""

    #: How ``where`` is introduced in the message: "(in /data/x)" or "(at /store/runs/..)".
    where_word = "in"

    def __init__(self, problem: str, *, where: object = None, fix: str = "") -> None:
        self.problem = problem
        self.where = str(where) if where is not None else ""
        self.fix = fix
        parts = [problem]
        if self.where:
            parts.append(f"({self.where_word} {self.where})")
        if fix:
            parts.append(f"Fix: {fix}")
        super().__init__(" ".join(parts))
