"""Model registry: the architectures of the studies our users cite, with their recipes.

``import models`` is cheap (no TensorFlow): Keras is imported when a model, optimizer or
callback is actually made. Custom Keras objects (the preprocessing layer, the cyclical
learning-rate schedule) are registered by :func:`register_custom_objects`, which
:func:`load_model` calls for you.
"""

from __future__ import annotations

from models.errors import ModelInputError, RecipeError, UnknownModelError, WeightsError
from models.keras_parts import make_callbacks, make_learning_rate, make_loss, make_optimizer
from models.recipes import Recipe
from models.registry import REGISTRY, ModelEntry, get_entry, list_entries
from models.saving import load_model, register_custom_objects
from models.vocab import (
    AUGMENTATIONS,
    FAMILIES,
    LOSS_FOR_HEAD,
    PREPROCESSING_MODES,
    PROFILES,
    SAMPLINGS,
    SCHEDULES,
)
from models.weights import WeightsChoice, build_model, resolve_weights

__all__ = [
    "AUGMENTATIONS",
    "FAMILIES",
    "LOSS_FOR_HEAD",
    "PREPROCESSING_MODES",
    "PROFILES",
    "REGISTRY",
    "SAMPLINGS",
    "SCHEDULES",
    "ModelEntry",
    "ModelInputError",
    "Recipe",
    "RecipeError",
    "UnknownModelError",
    "WeightsChoice",
    "WeightsError",
    "build_model",
    "get_entry",
    "list_entries",
    "load_model",
    "make_callbacks",
    "make_learning_rate",
    "make_loss",
    "make_optimizer",
    "register_custom_objects",
    "resolve_weights",
]
