"""End to end in a real browser: ``streamlit run app.py`` as a subprocess, driven by Chromium.

Opens Compare with the trained store's runs through the URL (``?runs=...&t=0.5``), moves the
threshold slider with the keyboard, waits until the confusion-matrix counts shown in the page
change, and checks they are exactly what the evaluation core computes at the slider's new value.
A screenshot goes to ``test-artifacts/`` (git-ignored).  The server is always terminated.

Skips (with the reason) only when Debian's ``chromium`` / ``chromium-driver`` are not installed:
``apt-get install -y chromium chromium-driver``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from core.evaluation import RunEvaluation
from dashboard.data import run_label
from tests.support.page_reads import CONFUSION_COUNTS_JS

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
STEP = 0.01  # the slider's step


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(trained_store, tmp_path):
    """A real Streamlit server on a free loopback port, serving the trained store."""
    port = _free_port()
    env = {**os.environ, "LESIONLAB_STORE": str(trained_store.root),
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    log = open(tmp_path / "streamlit.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                            timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("streamlit did not start:\n"
                                   + (tmp_path / "streamlit.log").read_text(errors="replace"))
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


@pytest.fixture()
def browser(tmp_path):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(f"needs Debian chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): "
                    "apt-get install -y chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--window-size=1400,2600", f"--user-data-dir={tmp_path / 'chrome-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _shown_counts(driver) -> dict[str, list[list[int]]]:
    """The confusion table's counts by run, as the browser shows them."""
    counts = driver.execute_script(CONFUSION_COUNTS_JS + "return confusionCounts();") or {}
    return {run: [[int(c) for c in row] for row in m] for run, m in counts.items()}


def _wait(predicate, timeout: float, what: str):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - the page is still rendering
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def test_threshold_moves_the_counts_to_the_cores(trained_store, server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    runs = trained_store.list_runs()
    expected = {}
    for row in runs.itertuples():
        run = trained_store.get(row.run_id)
        expected[run_label(row._asdict())] = RunEvaluation.from_predictions(
            run.predictions(), run.record["positive_index"])

    def counts_at(t: float) -> dict[str, list[list[int]]]:
        return {n: ev.at(t).metrics.confusion_matrix().tolist() for n, ev in expected.items()}

    # How many key presses left of 0.5 until some run's counts change (computed by the core).
    presses = next(k for k in range(1, 50) if counts_at(round(0.5 - k * STEP, 2)) != counts_at(0.5))

    ids = ",".join(runs["run_id"])
    browser.get(f"{server}/compare?runs={ids}&t=0.5")
    _wait(lambda: _shown_counts(browser) == counts_at(0.5), 120, "the counts at 0.5")

    # The slider is live only under "Free value" (dashboard/threshold.py): choose it first.
    free = _wait(lambda: browser.find_element(
        By.XPATH, '//*[@data-testid="stRadio"]//label[contains(., "Free value")]'), 30,
        "the 'Free value' option")
    free.click()
    # The react-aria slider keeps its value in a visually hidden range input: focus it and
    # press the arrow keys, as a keyboard user does.
    slider = _wait(lambda: browser.find_element(
        By.CSS_SELECTOR, '[data-testid="stSlider"] input[type="range"]:not([disabled])'), 30,
        "the slider, enabled")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'}); "
                           "arguments[0].focus();", slider)
    keys = ActionChains(browser)
    for _ in range(presses):
        keys.send_keys(Keys.ARROW_LEFT)
    keys.perform()
    pressed = time.perf_counter()

    def slider_value() -> float:
        return round(float(slider.get_attribute("value")), 2)

    _wait(lambda: slider_value() < 0.5, 10, "the slider to move")

    seen = {}

    def settled():
        v = slider_value()
        t = parse_qs(urlparse(browser.current_url).query).get("t", [""])[0]
        shown = _shown_counts(browser)
        seen.update(slider=v, url_t=t, shown=shown, core=counts_at(v))
        return v if (t and float(t) == v and shown == counts_at(v)) else None

    try:
        value = _wait(settled, 60, "the page to show the core's counts at the new threshold")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last seen: {seen}") from None
    latency = time.perf_counter() - pressed
    assert value < 0.5
    assert _shown_counts(browser) == counts_at(value)
    assert counts_at(value) != counts_at(0.5)  # the shown numbers really changed
    radio = browser.find_element(By.XPATH, "//label[.//p[text()='Free value']]//input")
    assert radio.is_selected()

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "compare_threshold.png"
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    print(f"\nthreshold 0.5 -> {value:.2f} ({presses} key presses): page showed the core's "
          f"counts {latency:.2f} s after the last key press; screenshot {path}")
    assert np.isfinite(latency)
