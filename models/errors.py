"""Errors a caller can catch by kind; every message names the value at fault and the fix."""

from __future__ import annotations

# The one import of ours allowed in models/: core.errors is a leaf (it imports nothing), and
# a bad recipe, model name or weights file is an error the user causes like any other.
from core.errors import LesionlabError


class RecipeError(LesionlabError, ValueError):
    """A recipe field has a value the trainer cannot use."""


class UnknownModelError(LesionlabError, ValueError):
    """A model name that is not in the registry."""


class ModelInputError(LesionlabError, ValueError):
    """A model cannot be built for this input size or number of classes."""


class WeightsError(LesionlabError, ValueError):
    """A weights request that cannot be honoured (missing file, file that does not fit)."""
