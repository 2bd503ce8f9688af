"""Every error a user can cause is a ``core.errors.LesionlabError``.

Why it matters: the app and the command line can then catch one class for everything a user
can fix (and show its message), and let anything else surface as the bug it is. The list below
is every exception class defined in ``core``; a new one fails
:func:`test_every_exception_class_in_core_is_listed` until it is placed in one of the lists.
"""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil

import pytest

import core
from core.datasets.errors import DatasetError
from core.datasets.images import ImageDecodeError
from core.errors import LesionlabError
from core.evaluation.errors import (EmptyInputError, EvaluationError, SampleMismatchError,
                                    SingleClassError)
from core.evaluation.groups import GroupLeakError
from core.external.errors import ExternalEvaluationError, UnmappedClassError
from core.imports import ImportRejected
from core.training.budget import BudgetError
from core.training.more_seeds import NotMoreSeeds, OlderPlanner, OtherAugmentation
from core.jobs.evaluation import EvaluationCancelled
from core.jobs.import_model import ModelImportCancelled
from core.jobs.ray_backend import RayBackendError
from core.saliency.errors import SaliencyCancelled, SaliencyError
from core.store.errors import CorruptRunError, RunNotFound, StoreError
from core.training import GridError, RunSpecError, TrainingCancelled, TrainingFailed
from models.errors import ModelInputError, RecipeError, UnknownModelError, WeightsError

#: Errors a user causes, each with the built-in base that older callers still catch it by.
USER_ERRORS = {
    DatasetError: ValueError,
    ImageDecodeError: ValueError,
    StoreError: Exception,
    CorruptRunError: Exception,
    RunNotFound: KeyError,
    GridError: Exception,
    RunSpecError: ValueError,
    TrainingFailed: RuntimeError,
    EvaluationError: ValueError,
    EmptyInputError: ValueError,
    SingleClassError: ValueError,
    SampleMismatchError: ValueError,
    GroupLeakError: ValueError,
    SaliencyError: ValueError,
    RayBackendError: Exception,
    ExternalEvaluationError: Exception,
    UnmappedClassError: Exception,
    ImportRejected: ValueError,
    BudgetError: ValueError,
    OlderPlanner: Exception,  # more seeds asked of budget runs an older planner made
    OtherAugmentation: Exception,  # ... of budget runs augmented before a modality changed
    NotMoreSeeds: Exception,  # their base: new seeds would be another configuration
    # models/ (not scanned below, which reads core/): recipes, model names, weights files
    RecipeError: ValueError,
    UnknownModelError: ValueError,
    ModelInputError: ValueError,
    WeightsError: ValueError,
}

#: Not faults: the user chose to stop. The dashboard shows them as notices.
CHOICES = {TrainingCancelled: RuntimeError, SaliencyCancelled: RuntimeError,
           EvaluationCancelled: Exception, ModelImportCancelled: Exception}

#: Exceptions in core that a user cannot cause (none today).
INTERNAL: set[type] = set()


@pytest.mark.parametrize("cls", list(USER_ERRORS), ids=lambda c: c.__name__)
def test_user_errors_are_lesionlab_errors_and_keep_their_old_base(cls):
    assert issubclass(cls, LesionlabError)
    assert issubclass(cls, USER_ERRORS[cls])


@pytest.mark.parametrize("cls", [RunSpecError, TrainingFailed, EvaluationError, EmptyInputError,
                                 SingleClassError, SampleMismatchError, GroupLeakError,
                                 SaliencyError], ids=lambda c: c.__name__)
def test_their_messages_are_unchanged(cls):
    """Raised with one message, as they always were: the message is the text, unchanged, and
    the error crosses a process boundary (a Ray task's failure) intact."""
    error = cls("seed must be 0..2147483647, got -1")
    assert str(error) == "seed must be 0..2147483647, got -1"
    assert error.args == ("seed must be 0..2147483647, got -1",)
    assert (error.problem, error.where, error.fix) == (str(error), "", "")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is cls and str(again) == str(error)


def test_a_users_choice_to_stop_is_not_an_error():
    for cls, base in CHOICES.items():
        assert issubclass(cls, base) and not issubclass(cls, LesionlabError)


def _exception_classes_in_core() -> set[type]:
    found = set()
    for info in pkgutil.walk_packages(core.__path__, "core."):
        if info.name.startswith("core.__main__"):
            continue
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == info.name:
                found.add(obj)
    return found


def test_every_exception_class_in_core_is_listed():
    listed = {LesionlabError, *USER_ERRORS, *CHOICES, *INTERNAL}
    unlisted = _exception_classes_in_core() - listed
    assert not unlisted, f"place these in USER_ERRORS, CHOICES or INTERNAL: {unlisted}"
