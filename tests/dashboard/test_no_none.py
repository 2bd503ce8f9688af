"""No table of the app shows a literal ``None`` / ``nan``: a missing value reads as an en dash
or an explanation, never as the word a browser prints for a null cell.

Every page is opened on the trained store (three real demo runs), Compare in each of its tabs,
Errors and Weighting with a run chosen; every ``st.dataframe`` and ``st.table`` on them is
scanned. Text reading "None" / "nan" is always wrong. A null cell is wrong unless the dataframe
sets ``placeholder`` (Streamlit prints a null as "None" without it, and as the placeholder, the
app's "–", with it); ``st.table`` has no placeholder, so a null there is always wrong.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.dashboard.conftest import no_exception, open_page

#: What a missing value reads as, case and all ("none" is a word: the strategy "none", "files
#: left out: none").
WORDS = {"None", "nan", "NaN", "NaT", "<NA>", "null"}


def empty_cells(frame: pd.DataFrame, placeholder: str = "") -> list[tuple[object, str, object]]:
    """(row, column, value) of every cell that would read None / nan: that text, or a null
    when the table has no ``placeholder`` (or one that reads None / nan itself)."""
    nulls_shown = not placeholder or placeholder.strip() in WORDS
    found = []
    for column in frame.columns:
        for index, value in frame[column].items():
            if (_is_null(value) and nulls_shown) or (
                    isinstance(value, str) and value.strip() in WORDS):
                found.append((index, str(column), value))
    return found


def _is_null(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array in a cell
        return False


def test_the_scan_finds_none_nan_and_nulls():
    frame = pd.DataFrame({"a": ["x", "None", None], "b": [1.0, float("nan"), 2.0],
                          "c": ["nan", "–", "fine"]})
    assert [(i, c) for i, c, _ in empty_cells(frame)] == [(1, "a"), (2, "a"), (1, "b"),
                                                          (0, "c")]
    # With a placeholder the browser shows it for the nulls; the texts still read None / nan.
    assert [(i, c) for i, c, _ in empty_cells(frame, "–")] == [(1, "a"), (0, "c")]
    assert len(empty_cells(frame, "NaN")) == 4


def _tables(at) -> list[tuple[pd.DataFrame, str]]:
    """(frame, placeholder) of every table on the page."""
    return ([(d.value, d.proto.placeholder) for d in at.dataframe]
            + [(t.value, "") for t in at.table])


#: Every view with tables: page, and what its URL holds ("runs": every stored run; "run": one).
VIEWS = [
    ("pages/home.py", {}), ("pages/datasets.py", {}), ("pages/train.py", {}),
    *[("pages/compare.py", {"runs": "all", "view": tab})
      for tab in ("Overview", "Calibration", "Paired tests", "Cross-validation")],
    ("pages/compare.py", {"runs": "all", "view": "Subgroups"}),
    ("pages/compare.py", {"runs": "all", "level": "group", "agg": "max"}),
    ("pages/weighting.py", {"dataset": "demo", "model": "idc_initial"}),
    ("pages/errors.py", {"run": "one", "t": "youden"}),
]


def _query(store, query: dict) -> dict:
    runs = {(r.model, r.strategy): r.run_id for r in store.list_runs().itertuples()}
    out = dict(query)
    if out.get("runs") == "all":
        out["runs"] = ",".join(runs.values())
    if out.get("run") == "one":
        out["run"] = runs[("idc_initial", "class_weight")]
    return out


@pytest.mark.parametrize(("page", "query"), VIEWS,
                         ids=lambda v: v if isinstance(v, str) else "-".join(
                             str(x) for x in v.values() if x not in ("all", "one")))
def test_no_table_shows_none_or_nan(store_env, page, query):
    at = open_page(page, _query(store_env, query) or None)
    no_exception(at)
    offenders = [f"table {n} ({', '.join(map(str, frame.columns[:4]))}...): row {index}, "
                 f"column {column!r} = {value!r}"
                 for n, (frame, placeholder) in enumerate(_tables(at))
                 for index, column, value in empty_cells(frame, placeholder)]
    assert offenders == [], "\n".join(offenders)


def test_the_scan_sees_the_tables(store_env):
    """The scan is not vacuous: Compare's tables are among those it reads."""
    at = open_page("pages/compare.py", _query(store_env, {"runs": "all"}))
    assert sum(len(frame) for frame, _ in _tables(at)) > 3


def test_every_table_the_app_draws_shows_a_missing_value_as_a_dash():
    """Static: each ``st.dataframe`` call in the app passes ``placeholder`` (without it the
    browser writes "None" in an empty cell), including tables no view above happens to reach."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    missing = []
    for path in [root / "app.py", *(root / "pages").glob("*.py"),
                 *(root / "dashboard").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "dataframe"
                    and not any(k.arg == "placeholder" for k in node.keywords)):
                missing.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not missing, missing
