"""Errors raised while explaining an image.

``SaliencyCancelled`` is separate from ``SaliencyError`` because a cancel is the user's choice, not
a fault: the dashboard shows it as a notice, not as an error with a traceback.
"""

from __future__ import annotations


class SaliencyError(ValueError):
    """A saliency map cannot be computed as asked (bad input, unknown layer or method)."""


class SaliencyCancelled(RuntimeError):
    """The user set the cancel event; the partial map is discarded."""
