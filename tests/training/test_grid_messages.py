"""Grid problems the Train page shows name its fields ("Seeds", "k-fold cross-validation"),
with the command-line option beside them, and those names are the page's own labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.training import GridError
from core.training.validate import FIELDS, GridRequest, validate_grid

GRID_FORM = Path(__file__).resolve().parents[2] / "dashboard" / "jobs" / "grid.py"


def test_each_field_name_is_a_label_of_the_train_page():
    source = GRID_FORM.read_text(encoding="utf-8")
    for name in FIELDS.values():
        label, flag = name.split(", ")
        assert flag.startswith("--")
        assert f'"{label}' in source, f"{label!r} is not a label of the Train page's grid form"


def test_problems_name_the_train_page_field_and_the_option():
    request = GridRequest(datasets=(), models=("idc_initial",), seeds=(-1,), n_folds=1)
    with pytest.raises(GridError) as info:
        validate_grid(request, check_data=False)
    problems = info.value.problems
    assert "no dataset given (Datasets, --datasets)" in problems
    assert any(p.startswith("seeds must be whole numbers from 0") and "(Seeds, --seeds)" in p
               for p in problems), problems
    assert any("(k-fold cross-validation, --folds), got 1; 0 on the Train page" in p
               for p in problems), problems
