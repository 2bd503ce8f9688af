"""The user actions the browser benchmark times, each until the page shows its result.

Every scenario returns a list of :class:`~benchmarks._browser.Timing` (and, where the first
action differs in kind, the first one apart: a page's first visit after the server started
fills the server's caches).  What "shows its result" means is written in each probe; the
expected numbers come from :mod:`core.evaluation` on the stored predictions, never from the
page itself, so a page that shows stale or wrong numbers never ends a timing.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from benchmarks._browser import CpuMeter, ScenarioFailed, Timing, poll, probe, timed

STEP = 0.01  # the threshold slider's step

FIRST_RENDER = """
const [t0, nRuns] = arguments;
const panel = activePanel();
if (!idle || busy() || !panel) return false;
if (Object.keys(cells()).length !== nRuns) return false;
if (!panel.querySelector('[data-testid="stDataFrame"] canvas')) return false;
return drawn(document) && imagesLoaded(document);
"""

METRICS_CANVAS = """
const metricsCanvas = () => { const p = activePanel();
  return p && p.querySelector('[data-testid="stDataFrame"] canvas[data-testid="data-grid-canvas"]'); };
const cellsAre = (want) => { const got = cells();
  return Object.entries(want).every(([run, m]) => JSON.stringify(got[run]) === JSON.stringify(m)); };
"""

#: The confusion counts are the core's at the new threshold and the metrics table was redrawn.
THRESHOLD = METRICS_CANVAS + """
const [t0, want, changed] = arguments;
const canvas = metricsCanvas();
if (!canvas || !cellsAre(want)) return false;
return !changed || canvas.toDataURL() !== window.__bench.table;
"""

SETTLED_AT = METRICS_CANVAS + """
const [t0, want, t] = arguments;
const shown = parseFloat(new URLSearchParams(location.search).get('t'));
return idle && !busy() && Math.abs(shown - t) < 1e-9 && cellsAre(want) && !!metricsCanvas();
"""

SNAPSHOT = METRICS_CANVAS + "return window.__bench.table = metricsCanvas().toDataURL();"

#: Column titles and cell texts the metrics table's accessibility tree holds (visible cells only).
TABLE = METRICS_CANVAS + """
const g = metricsCanvas();
if (!g) return null;
const head = [...g.querySelectorAll('th')].map((e) => e.textContent);
const rows = [...g.querySelectorAll('tbody tr')].map(
    (r) => [...r.querySelectorAll('td')].map((e) => e.textContent));
const scroller = g.closest('[data-testid="stDataFrame"]').querySelector('.dvn-scroller');
if (arguments.length > 1 && scroller) { scroller.scrollLeft = arguments[1]; }
return {head, rows, width: scroller ? scroller.scrollWidth : 0};
"""

TAB = """
const [t0, index, nRuns] = arguments;
const tab = document.querySelectorAll('[data-testid="stTab"]')[index];
const panel = activePanel();
if (!tab || tab.getAttribute('aria-selected') !== 'true' || !panel) return false;
if (!idle || busy() || !ranSince(t0)) return false;
if (panel.querySelectorAll('[data-testid="stElementContainer"]').length === 0) return false;
if (index === 0 && Object.keys(cells()).length !== nRuns) return false;
return drawn(panel) && imagesLoaded(panel);
"""

ERRORS_PAGE = """
const [t0, first, old] = arguments;
if (!idle || busy() || !ranSince(t0)) return false;
const caption = [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
    .map((e) => e.innerText.match(/(\\d+)\\s*[–-]\\s*(\\d+) of (\\d+)/)).find((m) => m);
if (!caption || parseInt(caption[1]) !== first) return false;
const images = [...document.querySelectorAll('[data-testid="stImage"] img')];
if (!images.length || !imagesLoaded(document) || images.some((i) => old.includes(i.src))) {
  return false;
}
return {first: parseInt(caption[1]), last: parseInt(caption[2]), n: parseInt(caption[3]),
        srcs: images.map((i) => i.src)};
"""

EXPLAIN_READY = """
return idle && !busy() && document.querySelector('[data-testid="stFileUploader"] input') !== null;
"""

#: Predictions drawn, every saliency map computed ("Computed ... in X s") and shown.
EXPLAIN_DONE = """
const [t0, minImages] = arguments;
if (!idle || busy() || !ranSince(t0)) return false;
const status = [...document.querySelectorAll('[data-testid="stExpander"] summary')]
    .map((e) => e.innerText).find((s) => s.includes('Computed'));
const images = document.querySelectorAll('[data-testid="stImage"] img');
if (!status || images.length < minImages || !imagesLoaded(document)) return false;
return status;
"""


@dataclass
class Page:
    """The driver, the meter and the polling settings every scenario shares."""

    driver: object
    meter: CpuMeter
    base_url: str
    poll_s: float
    timeout: float

    def url(self, page: str, **query) -> str:
        return f"{self.base_url}/{page}?{urlencode(query)}"

    def wait(self, body: str, *args, what: str, timeout: float | None = None, t0: float = 0.0):
        """Poll ``body`` (untimed) with ``t0`` as its first argument."""
        return poll(self.driver, body, t0, *args, timeout=timeout or self.timeout,
                    poll_s=self.poll_s, what=what)

    def timed(self, act, body: str, *args, what: str, page_load: bool = False, timeout=None):
        return timed(self.driver, self.meter, act, body, *args, timeout=timeout or self.timeout,
                     poll_s=self.poll_s, what=what, page_load=page_load)


def first_renders(page: Page, ids: list[str], loads: int) -> tuple[Timing, list[Timing]]:
    """Open Compare with ``ids`` in a new session ``loads + 1`` times (the first one cold)."""
    url = page.url("compare", runs=",".join(ids), t=0.5)
    out = []
    for _ in range(loads + 1):
        timing, _ = page.timed(lambda: page.driver.get(url), FIRST_RENDER, len(ids),
                               what=f"Compare with {len(ids)} runs", page_load=True)
        out.append(timing)
    return out[0], out[1:]


def threshold_walk(evals: dict, start: float, n: int) -> list[tuple[int, float]]:
    """``n`` moves as (key presses, new value): each move's last press changes some run's
    confusion counts (the presses before it do not), so every timed press has a visible
    result; the walk turns at either end of the slider."""
    def counts(t):
        return [ev.at(round(t, 2)).metrics.confusion_matrix().tolist() for ev in evals.values()]

    moves, value, direction, turns = [], start, -1, 0
    while len(moves) < n:
        for k in range(1, 101):
            t = round(value + direction * k * STEP, 2)
            if not 0.0 <= t <= 1.0:
                direction, k, turns = -direction, None, turns + 1
                break
            if counts(t) != counts(value):
                break
        if k is None:
            if turns > 2:
                raise ScenarioFailed("no threshold step changes any run's confusion counts")
            continue
        moves.append((k, t))
        value, turns = t, 0
    return moves


def expected(evals: dict, t: float) -> tuple[dict, list[str]]:
    """What the page must show at ``t``: confusion counts by run name, sensitivity texts."""
    ops = {name: ev.at(round(t, 2)) for name, ev in evals.items()}
    want = {name: op.metrics.confusion_matrix().tolist() for name, op in ops.items()}
    sens = sorted("n/a" if math.isnan(op.metrics.sensitivity)
                  else f"{op.metrics.sensitivity:.3f}" for op in ops.values())
    return want, sens


def scroll_to(page: Page, column: str) -> bool:
    """Scroll the metrics table sideways until ``column`` is drawn (so its canvas changes when
    that column's numbers do); False when no such column is found."""
    step, left = 150, 0
    while True:
        probe(page.driver, TABLE, 0.0, left)
        time.sleep(0.4)  # the grid's accessibility tree follows the canvas after 200 ms
        table = probe(page.driver, TABLE) or {}
        if column in table.get("head", []):
            return True
        left += step
        if left > table.get("width", 0):
            return False


def shown_column(page: Page, column: str) -> list[str] | None:
    table = probe(page.driver, TABLE) or {}
    if column not in table.get("head", []):
        return None
    i = table["head"].index(column)
    return sorted(row[i].split(" ")[0] for row in table["rows"] if len(row) > i)


def _press(page: Page, key: str, times: int) -> None:
    """Arrow keys on the threshold slider, as a keyboard user moves it."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    slider = page.driver.find_element(By.CSS_SELECTOR,
                                      '[data-testid="stSlider"] input[type="range"]')
    page.driver.execute_script("arguments[0].focus();", slider)
    keys = ActionChains(page.driver)
    for _ in range(times):
        keys.send_keys(key)
    keys.perform()


def _free_value(page: Page, timeout: float = 60.0) -> None:
    """Choose "Free value": the slider is live only then (dashboard/threshold.py), as a user
    must do before dragging it; untimed."""
    from selenium.webdriver.common.by import By

    page.driver.find_element(
        By.XPATH, '//*[@data-testid="stRadio"]//label[contains(., "Free value")]').click()
    deadline = time.perf_counter() + timeout
    while not page.driver.find_elements(
            By.CSS_SELECTOR, '[data-testid="stSlider"] input[type="range"]:not([disabled])'):
        if time.perf_counter() > deadline:
            raise ScenarioFailed("the slider did not become live after choosing 'Free value'")
        time.sleep(0.05)


def _snapshot(page: Page) -> None:
    """Remember the metrics table's pixels once they have stopped changing."""
    last = probe(page.driver, SNAPSHOT)
    while True:
        time.sleep(0.15)
        now = probe(page.driver, SNAPSHOT)
        if now == last:
            return
        last = now


def threshold_moves(page: Page, evals: dict, n: int) -> tuple[list[Timing], int]:
    """``n`` timed key presses on the open Compare page (at 0.5), each until the confusion
    counts are the core's at the new value and the metrics table was redrawn; afterwards
    (untimed) the table's sensitivity column is checked against the core. Returns the
    timings and how many moves passed that check."""
    from selenium.webdriver.common.keys import Keys

    value = 0.5
    page.wait(SETTLED_AT, expected(evals, value)[0], value, what="Compare at 0.5")
    _free_value(page)
    if not scroll_to(page, "sensitivity"):
        raise ScenarioFailed("the metrics table has no 'sensitivity' column to watch")
    timings, verified = [], 0
    for presses, target in threshold_walk(evals, value, n):
        key, step = (Keys.ARROW_LEFT, -STEP) if target < value else (Keys.ARROW_RIGHT, STEP)
        if presses > 1:  # untimed: to just before the value where the counts change
            before = round(target - step, 2)
            _press(page, key, presses - 1)
            page.wait(SETTLED_AT, expected(evals, before)[0], before, what=f"t={before}")
        _snapshot(page)
        want, sens = expected(evals, target)
        timing, _ = page.timed(lambda: _press(page, key, 1), THRESHOLD, want, True,
                               what=f"the counts and table at t={target}")
        timings.append(timing)
        page.wait(SETTLED_AT, want, target, what=f"the page to settle at t={target}")
        deadline = time.perf_counter() + 3
        while shown_column(page, "sensitivity") != sens and time.perf_counter() < deadline:
            time.sleep(0.1)
        verified += shown_column(page, "sensitivity") == sens
        value = target
    return timings, verified


def tab_switches(page: Page, n_runs: int, n: int) -> list[tuple[str, Timing]]:
    """``n`` clicks on the next tab (cyclic), each until that tab is drawn and the run ended."""
    from selenium.webdriver.common.by import By

    tabs = page.driver.find_elements(By.CSS_SELECTOR, '[data-testid="stTab"]')
    current = next(i for i, t in enumerate(tabs) if t.get_attribute("aria-selected") == "true")
    out = []
    for _ in range(n):
        target = (current + 1) % len(tabs)
        tab = page.driver.find_elements(By.CSS_SELECTOR, '[data-testid="stTab"]')[target]
        page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", tab)
        name = tab.text
        timing, _ = page.timed(tab.click, TAB, target, n_runs, what=f"the {name} tab")
        out.append((name, timing))
        current = target
    return out


def page_turns(page: Page, run_id: str, n: int) -> list[Timing]:
    """``n`` page turns in the Errors gallery (next page; from the last, back to page 1), each
    until the caption names the new range and every new thumbnail has loaded."""
    from selenium.webdriver.common.by import By

    page.driver.get(page.url("errors", run=run_id, t=0.5))
    shown = page.wait(ERRORS_PAGE, 1, [], what="the Errors page")
    size = shown["last"] - shown["first"] + 1
    pages = -(-shown["n"] // size)
    if pages < 2:
        raise ScenarioFailed(f"run {run_id} has a single page of errors: nothing to turn")
    out, current = [], 1
    for _ in range(n):
        target = current % pages + 1
        css = ('[data-testid="stPaginationNext"]' if target == current + 1
               else f'button[aria-label="Page {target}"]')
        button = page.driver.find_element(By.CSS_SELECTOR, css)
        page.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
        timing, shown = page.timed(button.click, ERRORS_PAGE, (target - 1) * size + 1,
                                   shown["srcs"], what=f"page {target} of the errors")
        out.append(timing)
        current = target
    return out


def explain_uploads(page: Page, files: list, n_models: int, n: int
                    ) -> tuple[Timing, list[Timing], list[str]]:
    """Open Explain in a new session and upload one image (a different file each time) until
    the predictions and every saliency map are shown; ``n + 1`` times, the first one cold
    (models loaded, explainers built).  Also returns the page's own "Computed ... in X s"
    lines (the server's saliency time).

    Why a new session per upload: removing an upload with its chip's delete button and then
    uploading another brought the removed file back (Streamlit 1.67, seen in this benchmark),
    so the page explained the old image again from memory."""
    from selenium.webdriver.common.by import By

    out, statuses = [], []
    for path in files[:n + 1]:
        page.driver.get(page.url("explain"))
        page.wait(EXPLAIN_READY, what="the Explain page")
        field = page.driver.find_element(
            By.CSS_SELECTOR, '[data-testid="stFileUploader"] input[type="file"]')
        timing, status = page.timed(lambda: field.send_keys(str(path)), EXPLAIN_DONE,
                                    2 * n_models, what=f"Explain of {path.name}",
                                    timeout=max(page.timeout, 600))
        out.append(timing)
        statuses.append(status)
    return out[0], out[1:], statuses


def probe_cost(page: Page, seconds: float = 3.0) -> tuple[float, float]:
    """(Chromium CPU seconds per second, probes per second) of polling alone on the open
    page: the measuring's own share of the browser CPU figures."""
    cpu0, polls = page.meter.sample()[1], 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        probe(page.driver, FIRST_RENDER, 0.0, -1)
        polls += 1
        time.sleep(page.poll_s)
    return (page.meter.sample()[1] - cpu0) / seconds, polls / seconds
