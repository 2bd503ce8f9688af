"""AppTest helpers for the dashboard pages: a real Streamlit script run on a real store.

``open_page`` starts the app the way a browser does (``app.py`` with ``st.navigation``), then
switches to the page with the given query parameters, so the pages are tested through the
same navigation a user gets.  Stores come from the session fixture ``trained_store`` (three
real, briefly trained demo runs) or an empty folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 120


def open_page(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(page)
    if query:
        at.query_params.update(query)
    at.run()
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def chart_specs(at: AppTest) -> list[dict]:
    """Every plotly chart on the page as the JSON spec the browser receives."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def chart_by_title(at: AppTest, start: str) -> dict:
    for spec in chart_specs(at):
        title = ((spec.get("layout") or {}).get("title") or {}).get("text") or ""
        if title.startswith(start):
            return spec
    raise AssertionError(f"no chart titled {start!r}")


def confusion_counts(at: AppTest) -> dict[str, np.ndarray]:
    """The Overview's confusion table read back: row label (run or configuration, as read)
    -> 2 x 2 counts (rows true negative/positive), from cells such as "8 (80.0%)" or
    "12.3 ± 1.2 (80.0%)" (mean counts). Fails when the page shows no such table."""
    from core.evaluation.display import COUNT_COLUMNS
    from dashboard.text import as_read

    for table in at.table:
        frame = table.value
        if set(COUNT_COLUMNS) <= {as_read(str(c)) for c in frame.columns}:
            frame = frame.rename(columns=lambda c: as_read(str(c)))
            out = {}
            for label, row in frame.iterrows():
                m = np.zeros((2, 2))
                for column, cell in COUNT_COLUMNS.items():
                    m[cell] = float(re.match(r"[0-9.]+", as_read(str(row[column]))).group())
                out[as_read(str(label))] = m
            return out
    raise AssertionError("no confusion table on the page")


@pytest.fixture()
def empty_store(tmp_path, monkeypatch):
    root = tmp_path / "empty_store"
    root.mkdir()
    monkeypatch.setenv("LESIONLAB_STORE", str(root))
    return root


@pytest.fixture(scope="module")
def store_env(trained_store):
    """LESIONLAB_STORE -> the trained store for a whole module (one AppTest shared per module)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LESIONLAB_STORE", str(trained_store.root))
    yield trained_store
    mp.undo()


@pytest.fixture(scope="module")
def runs(store_env):
    """The trained store's runs: {(model, strategy): run_id}."""
    table = store_env.list_runs()
    return {(r.model, r.strategy): r.run_id for r in table.itertuples()}

