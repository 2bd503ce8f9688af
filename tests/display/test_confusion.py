from __future__ import annotations

import numpy as np
import pytest

from core.evaluation.display import confusion_matrix_figure
from core.evaluation.display._style import ROLE_UNDEFINED, role_of


def _expected_text(m: np.ndarray) -> list[list[str]]:
    out = []
    for row in m:
        total = row.sum()
        out.append([f"{int(c)}<br>{100 * c / total:.1f}%" for c in row])
    return out


def test_binary_cells_show_counts_and_row_percentages():
    m = np.array([[50, 10], [5, 35]])
    fig = confusion_matrix_figure(m, ["benign", "malignant"])
    cells = fig.data[0]
    assert [list(r) for r in cells.text] == _expected_text(m)
    assert np.array_equal(np.asarray(cells.z), m)
    assert list(cells.x) == ["benign", "malignant"] and list(cells.y) == ["benign", "malignant"]
    assert fig.layout.yaxis.autorange == "reversed"  # first true class on top
    assert fig.layout.yaxis.title.text == "True label"
    assert fig.layout.xaxis.title.text == "Predicted label"


def test_k_by_k_normalized_colours_by_row_fraction_but_keeps_counts_in_text():
    m = np.array([[8, 1, 1], [2, 6, 2], [0, 3, 27]])
    fig = confusion_matrix_figure(m, ["a", "b", "c"], normalize=True)
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.allclose(z, m / m.sum(axis=1, keepdims=True))
    assert [list(r) for r in fig.data[0].text] == _expected_text(m)
    assert fig.data[0].zmax == 1


def test_empty_and_nan_rows_read_na():
    m = np.array([[4.0, 1.0, 0.0], [0.0, 0.0, 0.0], [np.nan, np.nan, np.nan]])
    fig = confusion_matrix_figure(m, ["a", "b", "c"], normalize=True)
    text = [list(r) for r in fig.data[0].text]
    assert text[1] == ["0<br>n/a"] * 3
    assert text[2] == ["n/a"] * 3
    overlay = [t for t in fig.data if role_of(t) == ROLE_UNDEFINED]
    assert len(overlay) == 1
    assert [list(r) for r in overlay[0].text][1:] == [["0<br>n/a"] * 3, ["n/a"] * 3]
    assert [list(r) for r in overlay[0].text][0] == ["", "", ""]


def test_no_overlay_when_every_cell_is_defined():
    fig = confusion_matrix_figure([[1, 2], [3, 4]], ["x", "y"])
    assert len(fig.data) == 1


def test_class_names_are_escaped_and_validated():
    fig = confusion_matrix_figure([[1, 0], [0, 1]], ["<b>", "ok"])
    assert list(fig.data[0].x) == ["&lt;b&gt;", "ok"]
    with pytest.raises(ValueError):
        confusion_matrix_figure([[1, 0], [0, 1]], ["a", "b", "c"])
    with pytest.raises(ValueError):
        confusion_matrix_figure([[1, 0], [0, 1]], ["a", "a"])


def test_confusion_table_names_each_count_once_in_reading_order():
    from core.evaluation.display import confusion_table

    table = confusion_table({"a": [[5, 1], [2, 8]], "<b>x</b>": [[0, 0], [3, 4]]},
                            {"a": ("benign", "malignant"), "<b>x</b>": ("rest", "melanoma")})
    assert list(table.columns) == ["run", "positive class", "negative class", "TP (found)",
                                   "FN (missed)", "FP (false alarm)", "TN (cleared)"]
    first = table.iloc[0]
    assert [first[c] for c in table.columns[3:]] == ["8 (80.0%)", "2 (20.0%)", "1 (16.7%)",
                                                     "5 (83.3%)"]
    second = table.iloc[1]  # an empty negative class: counts, no share; names kept raw
    assert second["run"] == "<b>x</b>" and second["positive class"] == "melanoma"
    assert (second["FP (false alarm)"], second["TP (found)"]) == ("0 (n/a)", "4 (57.1%)")
    with pytest.raises(ValueError, match="2 x 2"):
        confusion_table({"a": np.eye(3)}, {"a": ("x", "y")})
