"""Headless Chromium for the browser benchmark: start it, time one action until the page shows
its result, and say how much CPU the server and the browser spent on it.

Why time in the browser and not on the server: what a user waits for is the click, the
websocket round trip, the script run, the transfer of every element and the browser's layout
and drawing (plotly figures, canvas tables).  A server-side number (AppTest, a fragment's own
timer) leaves out everything but the script run.

How an action is timed: ``time.perf_counter`` around the action and a poll (one
``execute_script`` every ``poll`` seconds) of a JavaScript probe that says whether the page
shows the expected result; the first poll that says yes ends the timing.  Beside it, for the
question "where does the time go":

* the time the app's script was running, as the browser saw it: a ``MutationObserver``,
  installed in every new document before the app's own code runs, records each change of
  ``data-test-script-state`` on ``stApp`` (``running`` / ``notRunning``) with
  ``performance.now()``; the running intervals inside the action are summed;
* the CPU seconds the ``streamlit run`` process and the Chromium processes used during the
  action (``utime + stime`` from ``/proc``, so the machine's load does not inflate them the way
  it inflates wall time).

Only Debian's ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` are used, named explicitly,
so selenium-manager never downloads a browser or a driver.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.support.page_reads import CONFUSION_COUNTS_JS

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

#: Runs in every new document before the page's scripts (CDP addScriptToEvaluateOnNewDocument).
WATCH_JS = """
window.__bench = {states: []};
new MutationObserver((records) => {
  for (const r of records) {
    window.__bench.states.push([performance.now(), r.target.getAttribute(r.attributeName)]);
  }
}).observe(document, {subtree: true, attributes: true,
                      attributeFilter: ['data-test-script-state']});
"""

#: Seconds (browser clock) the script was running between arguments[0] and arguments[1] (ms).
RUNNING_JS = """
const [t0, t1] = arguments;
let total = 0, since = null;
for (const [t, state] of (window.__bench ? window.__bench.states : [])) {
  if (state === 'running' && since === null) { since = t; }
  if (state !== 'running' && since !== null) {
    total += Math.max(0, Math.min(t, t1) - Math.max(since, t0)); since = null;
  }
}
if (since !== null) { total += Math.max(0, t1 - Math.max(since, t0)); }
return total / 1000;
"""

#: Helpers every probe can use (prepended to each probe's body): ``cells()`` is the confusion
#: table's counts by run (:data:`tests.support.page_reads.CONFUSION_COUNTS_JS`).
PROBE_PRELUDE = CONFUSION_COUNTS_JS + """const cells = confusionCounts;
const app = document.querySelector('[data-testid="stApp"]');
const idle = !!app && app.getAttribute('data-test-script-state') === 'notRunning';
const ranSince = (t0) => (window.__bench ? window.__bench.states : []).some(
    ([t, s]) => t >= t0 && s === 'running');
const busy = () => document.querySelector(
    '[data-testid="stSpinner"], [data-stale="true"]') !== null;
const drawn = (root) => [...root.querySelectorAll('.js-plotly-plot')].every(
    (gd) => gd._fullLayout && gd.querySelector('.main-svg'));
const imagesLoaded = (root) => [...root.querySelectorAll('[data-testid="stImage"] img')].every(
    (img) => img.complete && img.naturalWidth > 0);
const activePanel = () => document.querySelector(
    '[data-testid="stTabPanel"]:not([data-st-inactive])');
"""


class ScenarioFailed(Exception):
    """A scenario cannot be measured (the page never showed what was expected): reported in
    its line, and the other scenarios still run."""


def require_chromium() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        raise SystemExit(f"needs Debian's chromium and chromium-driver (missing: "
                         f"{', '.join(missing)}): apt-get install -y chromium chromium-driver")


@contextmanager
def chromium(profile: Path, size: tuple[int, int] = (1400, 2400)):
    """A headless Chromium that fetches nothing on its own, with the state watcher installed."""
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", f"--window-size={size[0]},{size[1]}",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_JS})
        yield driver
    finally:
        driver.quit()


def probe(driver, body: str, *args):
    """Run a probe (``PROBE_PRELUDE`` + ``body``) in the page; returns what the body returns."""
    return driver.execute_script(PROBE_PRELUDE + body, *args)


def poll(driver, body: str, *args, timeout: float, poll_s: float, what: str):
    """Poll the probe until it returns a truthy value; that value. Raises with the last value."""
    deadline = time.perf_counter() + timeout
    last = None
    while True:
        last = probe(driver, body, *args)
        if last:
            return last
        if time.perf_counter() > deadline:
            raise ScenarioFailed(f"timed out after {timeout:.0f} s waiting for {what}; "
                               f"last probe: {last!r}")
        time.sleep(poll_s)


def browser_now(driver) -> float:
    return driver.execute_script("return performance.now()")


# --- CPU of the server and of the browser ---------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a live process, from /proc/<pid>/stat."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) "
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


class CpuMeter:
    """CPU seconds so far of the server process and of chromedriver's descendants (Chromium's
    browser, renderer, GPU and utility processes; chromedriver itself is left out)."""

    def __init__(self, server_pid: int, driver_pid: int) -> None:
        self.server_pid, self.driver_pid = server_pid, driver_pid

    def sample(self) -> tuple[float, float]:
        stats = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                found = _stat(int(entry.name))
                if found is not None:
                    stats[int(entry.name)] = found
        children: dict[int, list[int]] = {}
        for pid, (ppid, _) in stats.items():
            children.setdefault(ppid, []).append(pid)
        browser, todo = 0.0, list(children.get(self.driver_pid, []))
        while todo:
            pid = todo.pop()
            browser += stats[pid][1]
            todo.extend(children.get(pid, []))
        server = stats.get(self.server_pid, (0, 0.0))[1]
        return server, browser


# --- one timed action ------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """One action: wall seconds until shown, and where they went."""

    seconds: float
    script_s: float  # the app's script running, as the browser saw it
    server_cpu_s: float
    browser_cpu_s: float


def timed(driver, meter: CpuMeter, act, body: str, *args, timeout: float, poll_s: float,
          what: str, page_load: bool = False) -> tuple[Timing, object]:
    """Do ``act()``; poll ``body`` (which gets ``t0``, the browser's clock at the start, as its
    first argument) until truthy. ``page_load``: ``act`` opens a new document, whose clock
    starts at 0."""
    cpu0 = meter.sample()
    t0 = 0.0 if page_load else browser_now(driver)
    started = time.perf_counter()
    act()
    result = poll(driver, body, t0, *args, timeout=timeout, poll_s=poll_s, what=what)
    seconds = time.perf_counter() - started
    cpu1 = meter.sample()
    script_s = driver.execute_script(RUNNING_JS, t0, browser_now(driver))
    return Timing(seconds, script_s, cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]), result


def summary(timings: list[Timing]) -> dict[str, float]:
    """n, median, p90 and max of the wall time; medians of the parts."""
    seconds = np.array([t.seconds for t in timings])
    return {
        "n": len(timings),
        "median": float(np.median(seconds)),
        "p90": float(np.percentile(seconds, 90)),
        "max": float(seconds.max()),
        "script": float(np.median([t.script_s for t in timings])),
        "server_cpu": float(np.median([t.server_cpu_s for t in timings])),
        "browser_cpu": float(np.median([t.browser_cpu_s for t in timings])),
    }
