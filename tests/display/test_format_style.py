from __future__ import annotations

import math

import numpy as np
import pytest

from core.evaluation.display import _style
from core.evaluation.display._format import (
    Estimate,
    as_estimate,
    format_ci,
    format_estimate,
    format_number,
    format_p,
)


def test_estimate_text_has_value_and_interval_with_en_dash():
    assert format_estimate(0.91234, (0.88, 0.9401)) == "0.912 (0.880\u20130.940)"
    assert format_estimate(0.5) == "0.500"
    assert format_estimate((0.25, (0.2, 0.3)), digits=2) == "0.25 (0.20\u20130.30)"


def test_undefined_values_read_na_never_zero():
    assert format_number(float("nan")) == "n/a"
    assert format_estimate(float("nan"), (0.1, 0.2)) == "n/a"
    assert format_ci((math.nan, 0.3)) == "(CI n/a)"
    assert format_number(np.int64(42)) == "42"


def test_small_p_values_are_bounded_not_rounded_to_zero():
    assert format_p(0.0004) == "<0.001"
    assert format_p(0.0412) == "0.041"
    assert format_p(float("nan")) == "n/a"


def test_as_estimate_accepts_the_shapes_callers_have():
    assert as_estimate(0.7) == Estimate(0.7)
    assert as_estimate((0.7, (0.6, 0.8))) == Estimate(0.7, (0.6, 0.8))
    assert as_estimate((0.7, None)) == Estimate(0.7)
    assert math.isnan(as_estimate(None).value)
    with pytest.raises(TypeError):
        as_estimate("high")


def test_colours_are_distinct_by_position_and_stable_by_name():
    assert len({_style.run_colour(i) for i in range(len(_style.PALETTE))}) == len(_style.PALETTE)
    assert _style.run_colour("resnet50") == _style.run_colour("resnet50")
    cmap = _style.colour_map(["b", "a", "c", "a"])
    assert list(cmap) == ["b", "a", "c"]
    assert len(set(cmap.values())) == 3


def test_with_alpha_keeps_the_rgb_of_a_hex_colour():
    colour = "#4C78A8"
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    assert _style.with_alpha(colour, 0.25) == f"rgba({r}, {g}, {b}, 0.25)"


def test_labels_are_escaped_so_names_show_literally():
    assert _style.escape_label("<script>&") == "&lt;script&gt;&amp;"
