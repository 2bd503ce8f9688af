"""Errors raised while explaining an image.

``SaliencyCancelled`` is separate from ``SaliencyError`` because a cancel is the user's choice, not
a fault: the dashboard shows it as a notice, not as an error with a traceback.
"""

from __future__ import annotations

from core.errors import LesionlabError


class SaliencyError(LesionlabError, ValueError):
    """A saliency map cannot be computed as asked (bad input, unknown layer or method); still a
    ``ValueError`` for the callers that catch that."""


class SaliencyCancelled(RuntimeError):
    """The user set the cancel event; the partial map is discarded. Not a
    :class:`~core.errors.LesionlabError`: a choice, not a fault."""
