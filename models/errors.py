"""Errors a caller can catch by kind; every message names the value at fault and the fix."""

from __future__ import annotations


class RecipeError(ValueError):
    """A recipe field has a value the trainer cannot use."""


class UnknownModelError(ValueError):
    """A model name that is not in the registry."""


class ModelInputError(ValueError):
    """A model cannot be built for this input size or number of classes."""


class WeightsError(ValueError):
    """A weights request that cannot be honoured (missing file, file that does not fit)."""
