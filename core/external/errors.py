"""The errors a user can cause when evaluating a stored run on another dataset."""

from __future__ import annotations

from core.errors import LesionlabError

__all__ = ["ExternalEvaluationError", "UnmappedClassError"]


class ExternalEvaluationError(LesionlabError):
    """An external evaluation cannot be done as asked (bad split, map text, missing run...)."""


class UnmappedClassError(ExternalEvaluationError):
    """A class of the target dataset has no counterpart among the run's classes.

    Raised before any image is read or predicted: a class silently dropped or guessed would
    change every number of the evaluation without a trace."""
