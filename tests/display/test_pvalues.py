from __future__ import annotations

import numpy as np
import pytest

from core.evaluation.display import pvalue_matrix_figure
from core.evaluation.display._style import ROLE_UNDEFINED, role_of
from core.evaluation.multitest import holm

NAMES = ["A", "B", "C"]
P = np.array([
    [np.nan, 0.003, 0.2],
    [0.003, np.nan, 1e-6],
    [0.2, 1e-6, np.nan],
])


def test_cells_show_p_values_with_stars_and_a_blank_diagonal():
    fig = pvalue_matrix_figure(NAMES, P)
    text = [list(r) for r in fig.data[0].text]
    assert text == [
        ["", "p = 0.003 *", "p = 0.200"],
        ["p = 0.003 *", "", "p = <0.001 *"],
        ["p = 0.200", "p = <0.001 *", ""],
    ]
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.isnan(np.diag(z)).all()
    assert np.isclose(z[0, 1], np.log10(0.003)) and np.isclose(z[1, 2], -4.0)  # floored colour
    assert len(fig.data) == 1  # no undefined cells


def test_alpha_changes_which_cells_are_marked():
    fig = pvalue_matrix_figure(NAMES, P, alpha=0.001)
    text = [list(r) for r in fig.data[0].text]
    assert text[0][1] == "p = 0.003" and text[1][2] == "p = <0.001 *"


def test_differences_are_row_minus_column_and_footnote_states_adjustment():
    auc = np.array([0.9, 0.85, 0.8])
    diff = auc[:, None] - auc[None, :]
    fig = pvalue_matrix_figure(NAMES, P, differences=diff, adjustment="Holm")
    assert fig.data[0].text[0][2] == "\u0394AUC +0.100<br>p = 0.200"
    assert fig.data[0].text[2][0] == "\u0394AUC -0.100<br>p = 0.200"
    note = fig.layout.annotations[0].text
    assert "Holm-adjusted" in note and "p < 0.05" in note and "row \u2212 column" in note
    unadjusted = pvalue_matrix_figure(NAMES, P).layout.annotations[0].text
    assert "not adjusted" in unadjusted


def test_untestable_pairs_read_na():
    p = P.copy()
    p[0, 2] = p[2, 0] = np.nan
    fig = pvalue_matrix_figure(NAMES, p)
    overlay = [t for t in fig.data if role_of(t) == ROLE_UNDEFINED]
    assert len(overlay) == 1
    assert overlay[0].text[0][2] == "n/a" and overlay[0].text[0][0] == ""
    assert fig.data[0].text[0][2] == "p = n/a"


def test_the_footnote_says_over_how_many_comparisons_the_adjustment_was_made():
    note = pvalue_matrix_figure(NAMES, P, adjustment="Holm", n_comparisons=3
                                ).layout.annotations[0].text
    assert "* p < 0.05 (Holm-adjusted over 3 comparisons)" in note
    one = pvalue_matrix_figure(NAMES, P, adjustment="Holm", n_comparisons=1)
    assert "(Holm-adjusted over 1 comparison)" in one.layout.annotations[0].text


def test_stars_follow_the_p_values_given_so_holm_adjusted_ones_drop_false_stars():
    raw = (0.03, 0.04, 0.001)  # A-B, A-C, B-C: all three starred unadjusted
    adj = holm(raw).adjusted  # by hand: 3 * 0.001, max(2 * 0.03, 0.003), max(1 * 0.04, 0.06)
    assert adj == pytest.approx((0.06, 0.06, 0.003))
    matrix = np.array([[np.nan, adj[0], adj[1]], [adj[0], np.nan, adj[2]],
                       [adj[1], adj[2], np.nan]])
    text = pvalue_matrix_figure(NAMES, matrix, adjustment="Holm", n_comparisons=3).data[0].text
    assert text[0][1] == "p = 0.060" and text[0][2] == "p = 0.060"
    assert text[1][2] == "p = 0.003 *"
