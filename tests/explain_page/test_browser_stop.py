"""Stop really stops a slow map: a real server, a real Chromium, a real click.

AppTest runs a script to the end before it accepts the next interaction, so it cannot click
Stop while a map is being computed; this test can. It starts a SmoothGrad with 4000 samples
(minutes on a CPU), clicks Stop, and checks that the page says so and that the server's CPU
goes quiet, i.e. the computation ended rather than continuing unseen in the background.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import quote

import pytest

from tests.explain_page.conftest import REPO

pytestmark = pytest.mark.browser

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
HAS_STOP = ("return [...document.querySelectorAll('button')]"
            ".some(b => b.innerText.trim().endsWith('Stop'))")
CLICK_STOP = ("[...document.querySelectorAll('button')]"
              ".find(b => b.innerText.trim().endsWith('Stop')).click()")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture
def server(store_env):
    port = _free_port()
    env = {**os.environ, "LESIONLAB_STORE": str(store_env.root), "TF_CPP_MIN_LOG_LEVEL": "2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("needs chromium and chromedriver (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--window-size=1400,3000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_stop_ends_a_running_smoothgrad(server, browser, store_env, run_ids):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    url, pid = server
    wait = WebDriverWait(browser, 180)
    predictions = store_env.get(run_ids[0]).predictions()
    sample = predictions.loc[predictions["split"] == "test", "sample_id"].iloc[0]
    # The app first, until its home page has finished (a cold server's first deep link runs
    # the page outside the navigation, and two sessions importing scikit-learn at the same
    # moment can fail: both are Streamlit/Python start-up effects, not this page's).
    browser.get(url)
    wait.until(lambda d: "Explain an image" in d.page_source)
    time.sleep(1)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR,
                                             '[data-testid="stStatusWidget"]'))
    browser.get(f"{url}/explain?run={run_ids[0]}&sample={quote(sample)}")
    wait.until(lambda d: "Overlay PNG" in d.page_source)

    methods = next(e for e in browser.find_elements(By.CSS_SELECTOR,
                                                    '[data-testid="stMultiSelect"]')
                   if "Saliency methods" in e.text)
    methods.find_element(By.TAG_NAME, "input").click()
    methods.find_element(By.TAG_NAME, "input").send_keys("SmoothGrad", Keys.ENTER)
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait.until(lambda d: "SmoothGrad options" in d.page_source
               and "Computing" not in d.page_source)
    expander = next(e for e in browser.find_elements(By.CSS_SELECTOR,
                                                     '[data-testid="stExpander"]')
                    if "SmoothGrad options" in e.text)
    expander.find_element(By.TAG_NAME, "summary").click()
    samples = wait.until(lambda d: d.find_element(By.CSS_SELECTOR,
                                                  'input[aria-label="samples"]'))
    samples.send_keys(Keys.CONTROL, "a")
    samples.send_keys("4000", Keys.ENTER)
    wait.until(lambda d: d.execute_script(HAS_STOP))
    time.sleep(3)  # let it compute for a while

    clicked = time.monotonic()
    browser.execute_script(CLICK_STOP)
    stopped = ("were stopped before they finished", "Compute them now",
               "Not computed (stopped).")  # the notice, its button, the empty grid cell
    WebDriverWait(browser, 30).until(lambda d: all(text in d.page_source for text in stopped))
    assert time.monotonic() - clicked < 30

    time.sleep(1)
    before, start = _cpu_seconds(pid), time.monotonic()
    time.sleep(4)
    busy = (_cpu_seconds(pid) - before) / (time.monotonic() - start)
    assert busy < 0.5, f"the server still uses {busy:.2f} cores after Stop"
