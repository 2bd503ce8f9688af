"""Headless Chromium on a Streamlit page: wait for it to settle, act on widgets, and read back
every link, image, plotly figure and the visible text, for the markup test.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install -y chromium
chromium-driver``); :func:`chromium` skips the test with that reason when they are missing.
"""

from __future__ import annotations

import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

#: Every link (HTML and SVG), image, exception box and plotly figure (what plotly renders of
#: it) of the page.
_INSPECT_JS = """
const HIDDEN_KEYS = ['meta', 'legendgroup', 'uid'];  // plotly never renders these
const url = (e, name) => (typeof e[name] === 'string') ? e[name]
    : (e.getAttribute(name) || e.getAttribute('xlink:href') || e.getAttribute('href') || '');
return {
  links: [...document.querySelectorAll('a')].map((a) => [url(a, 'href'), a.textContent]),
  images: [...document.querySelectorAll('img, image')].map((i) => i.currentSrc || url(i, 'src')),
  exceptions: [...document.querySelectorAll('[data-testid="stException"]')].map(
      (e) => e.innerText.slice(0, 500)),
  figures: [...document.querySelectorAll('.js-plotly-plot')].map(
      (gd) => JSON.stringify({data: gd.data || [], layout: gd.layout || {}},
                             (key, value) => HIDDEN_KEYS.includes(key) ? undefined : value)),
  text: document.body.innerText,
};
"""


@contextmanager
def chromium(profile: Path):
    """A headless Chromium (selenium) that fetches nothing on its own."""
    binary, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver_path):
        pytest.skip("needs chromium and chromium-driver: apt-get install -y chromium "
                    "chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", "--window-size=1400,2400",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def settle(driver, timeout: float = 90.0) -> None:
    """Until the script has finished and stayed finished for a second (reruns, fragments)."""
    deadline, quiet_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        state = driver.execute_script(
            "const a = document.querySelector('[data-testid=\"stApp\"]');"
            "return a ? a.getAttribute('data-test-script-state') : null;")
        busy = state != "notRunning" or driver.execute_script(
            "return document.querySelectorAll('[data-testid=\"stSpinner\"]').length")
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.0:
            return
        time.sleep(0.2)
    raise AssertionError(f"page did not settle in {timeout:.0f} s: {driver.current_url}")


def inspect(driver) -> dict:
    return driver.execute_script(_INSPECT_JS)


def click_text(driver, css: str, contains: str) -> None:
    """Click the first ``css`` element whose text contains ``contains``, then settle."""
    from selenium.webdriver.common.by import By

    for element in driver.find_elements(By.CSS_SELECTOR, css):
        if contains in element.text:
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
            element.click()
            time.sleep(0.5)
            settle(driver)
            return
    raise AssertionError(f"no {css} with {contains!r} on {driver.current_url}")


def choose(driver, label: str, contains: str) -> None:
    """Pick the option containing ``contains`` in the selectbox labelled ``label``."""
    from selenium.webdriver.common.by import By

    box = driver.find_element(By.CSS_SELECTOR, f'input[aria-label="{label}"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    box.click()
    time.sleep(0.5)
    click_text(driver, '[role="option"]', contains)
