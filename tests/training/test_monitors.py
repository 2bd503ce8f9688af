"""A recipe that watches the validation AUC where a run has none is refused before any work:
the task at grid validation, the validation split when the run starts; and which direction
early stopping and plateau reduction take for each monitor."""

from __future__ import annotations

import numpy as np
import pytest

from core.training.monitors import check_val_auc, val_auc_problem, watches_val_auc
from core.training.spec import RunSpecError
from models.keras_parts import make_callbacks, monitor_mode
from models.registry import get_entry


def _recipe(**changes):
    return get_entry("idc_own").quick.replace(**changes)


def test_only_a_binary_task_with_both_classes_in_validation_has_a_val_auc():
    assert val_auc_problem("binary", np.array([0, 1, 1]), 1) is None
    assert val_auc_problem("binary", np.array([0, 1]), 0) is None  # positive class 0
    assert "multiclass task" in val_auc_problem("multiclass", np.array([0, 1, 2]), None)
    assert "both classes" in val_auc_problem("binary", np.array([0, 0, 0]), 1)
    assert "both classes" in val_auc_problem("binary", np.array([1, 1]), 1)


def test_a_recipe_is_refused_only_when_a_callback_reads_val_auc():
    stops = _recipe(monitor="val_auc", early_stopping_patience=5)
    plateaus = _recipe(schedule="plateau", plateau_monitor="val_auc")
    idle = _recipe(monitor="val_auc", early_stopping_patience=None)  # nothing reads it
    assert watches_val_auc(stops) and watches_val_auc(plateaus) and not watches_val_auc(idle)
    with pytest.raises(RunSpecError, match="Monitor or Plateau monitor.*multiclass task"):
        check_val_auc(stops, "multiclass", np.array([0, 1, 2]), None, "idc_own on lesions")
    with pytest.raises(RunSpecError, match="both classes"):
        check_val_auc(plateaus, "binary", np.array([0, 0]), 1, "idc_own on busi")
    check_val_auc(idle, "multiclass", np.array([0, 1, 2]), None, "idc_own on lesions")
    check_val_auc(stops, "binary", np.array([0, 1]), 1, "idc_own on busi")


def test_losses_go_down_and_accuracy_and_auc_go_up():
    assert [monitor_mode(m) for m in ("val_loss", "loss", "val_accuracy", "accuracy",
                                      "val_auc")] == ["min", "min", "max", "max", "max"]
    callbacks = make_callbacks(_recipe(monitor="val_auc", early_stopping_patience=4,
                                       schedule="plateau", plateau_monitor="val_auc"))
    modes = {type(c).__name__: c.mode for c in callbacks if hasattr(c, "mode")}
    assert modes == {"ReduceLROnPlateau": "max", "EarlyStopping": "max"}
