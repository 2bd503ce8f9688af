"""One error type for everything wrong with a user's dataset.

Every message names the file or folder at fault and the fix, because the person reading it is a
clinician-researcher pointing the tool at their own folder, not a developer reading a traceback.
"""

from __future__ import annotations

from core.errors import LesionlabError


class DatasetError(LesionlabError, ValueError):
    """A dataset cannot be used as declared. ``where`` is the offending path, ``fix`` the remedy."""
