"""AppTest fixtures for the Home, Datasets and Train pages: the real app, real store, real jobs.

Each test points the app at its own store and datasets registry (environment variables, read on
every script run), opens ``app.py`` (st.navigation) and switches to a page. The job runner is the
one the app keeps per server process (``st.cache_resource``); tests reach the same instance with
``dashboard.jobs.panel.get_runner()``, and every job a test starts is finished or cancelled before
the next test, so no training keeps a shared CPU busy behind later tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "app.py"
#: TensorFlow's import and the first dataset load happen inside the first script run.
TIMEOUT_S = 120


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S).run()
    assert not at.exception, at.exception
    if page != "pages/home.py":
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def plain(text: str) -> str:
    """Markdown-escaped text (see dashboard.text.literal) as a person reads it."""
    return re.sub(r"\\(.)", r"\1", text)


def texts(at: AppTest, kind: str) -> list[str]:
    return [plain(e.value) for e in getattr(at, kind)]


def button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r}: {[b.label for b in at.button]}"
    return matches[0]


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    """An empty store and an empty registry of this test's own."""
    store, registry = tmp_path / "store", tmp_path / "datasets.toml"
    monkeypatch.setenv("LESIONLAB_STORE", str(store))
    monkeypatch.setenv("LESIONLAB_DATASETS", str(registry))
    yield {"store": store, "registry": registry}
    from dashboard.jobs.panel import get_runner

    runner = get_runner()  # still this test's store: monkeypatch is undone after this
    for snap in runner.active():
        runner.cancel(snap.id)
    for snap in runner.jobs():
        assert runner.get(snap.id).wait(300), "a job did not stop after cancel"


@pytest.fixture
def runner(app_env):
    from dashboard.jobs.panel import get_runner

    return get_runner()
