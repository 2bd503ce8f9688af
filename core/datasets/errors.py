"""One error type for everything wrong with a user's dataset.

Every message names the file or folder at fault and the fix, because the person reading it is a
clinician-researcher pointing the tool at their own folder, not a developer reading a traceback.
"""

from __future__ import annotations


class DatasetError(ValueError):
    """A dataset cannot be used as declared. ``where`` is the offending path, ``fix`` the remedy."""

    def __init__(self, problem: str, *, where: object = None, fix: str = "") -> None:
        self.problem = problem
        self.where = str(where) if where is not None else ""
        self.fix = fix
        parts = [problem]
        if self.where:
            parts.append(f"(in {self.where})")
        if fix:
            parts.append(f"Fix: {fix}")
        super().__init__(" ".join(parts))
