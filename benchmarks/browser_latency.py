"""What a user waits for in the browser: Compare, threshold, tabs, Errors and Explain, timed in
headless Chromium against a real ``streamlit run`` server.

    python benchmarks/browser_latency.py [--source STORE] [--actions 20] [--only NAMES]

Why in the browser: the server-side timings (``dashboard_speed.py``: AppTest and the threshold
fragment's own timer) leave out the websocket, the transfer of every element and the browser's
layout and drawing of the figures, which is what a user feels.

The store: the real runs of ``--source`` (a store with trained runs, copied, never written; by
default three demo runs are trained here first, ~2-4 minutes on 2 CPU cores), plus copies of
their predictions committed under new identities (seed 100+i) until there are 30 runs.  The
copies are FABRICATED: they exist so that Compare has 6 and 30 distinct runs to load, evaluate
and draw (prediction tables of real size, from real models), not to be compared; their numbers
repeat the real runs'.  They have no model file; the real runs are committed last, so they are
the newest (the Errors and Explain pages' defaults), and only they are explained.

Timed, each from the action until the page shows its result (see ``_browser_scenarios`` for
the exact conditions; expected numbers come from ``core.evaluation``):

* Compare first render with 6 and with 30 runs: a new session (``driver.get`` of a link with
  the runs and ``t=0.5``) until the idle page shows every run's confusion counts, the metrics
  table and every figure drawn.  The first load after the server started is shown apart
  (``cold``: the server computes the evaluations then);
* threshold move (6 runs): one arrow key on the slider until the confusion counts are the
  core's at the new value and the metrics table's canvas was redrawn (scrolled to show the
  threshold-dependent columns); afterwards, untimed, its sensitivity column is checked against
  the core (``verified``).  Each timed press changes some run's counts;
* tab switch (6 runs): a click on the next tab until it is drawn and the script run ended;
* Errors page turn: next page (from the last, page 1) until the caption names the new range
  and every thumbnail has loaded;
* Explain: a new session (untimed) and one upload (a different demo test image each time)
  with the page's default three newest models and its default two saliency methods, until the
  predictions and every map are shown.  The first upload is shown apart (``cold``: models
  loaded, explainers built).

Printed per scenario: n, median, p90, max (wall seconds), the cold first action where there is
one, and, to see where the time goes: the median time the app's script was running as the
browser saw it, and the median CPU seconds per action of the server and of Chromium; then the
machine's load average (1/5/15 min) when the scenario ended.  Nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks import _browser_scenarios as sc  # noqa: E402
from benchmarks._browser import (  # noqa: E402
    CpuMeter,
    ScenarioFailed,
    chromium,
    require_chromium,
    summary,
)
from benchmarks._common import train_demo_store_in_child  # noqa: E402

N_RUNS = 30
SCENARIOS = ("compare6", "threshold", "tabs", "compare30", "errors", "explain")


def build_store(root: Path, source: Path) -> tuple[list[str], list[str]]:
    """``(real run ids, all run ids)``: copies first, then the real runs (the newest)."""
    from core.store import ResultsStore, run_id

    src = ResultsStore(source)
    runs = src.list_runs()
    real = [src.get(r) for r in runs[runs["status"] == "ok"]["run_id"]][:N_RUNS]
    real = [r for r in real if len(r.record.get("class_names") or []) == 2]
    if not real:
        raise SystemExit(f"{source} holds no finished binary run")
    store = ResultsStore(root)
    copies = []
    for i in range(N_RUNS - len(real)):
        run = real[i % len(real)]
        identity = {**run.identity, "seed": 100 + i}
        rid = run_id(identity)
        record = {**run.record, "run_id": rid,
                  "spec": {**(run.record.get("spec") or {}), "seed": 100 + i}}
        store.commit(rid, identity, record, run.predictions(), run.history(), None)
        copies.append(rid)
    time.sleep(1.1)  # created_at has whole seconds: the real runs must be strictly newest
    for run in real:
        store.commit(run.run_id, run.identity, dict(run.record), run.predictions(),
                     run.history(), run.model_path)
    ids = [r.run_id for r in real]
    return ids, ids + copies


def evaluations(root: Path, ids: list[str]) -> dict:
    """The core's evaluation of each run, keyed by the name the page gives it."""
    from core.evaluation import RunEvaluation
    import streamlit.logger

    from core.store import ResultsStore

    streamlit.logger.set_log_level("error")  # no "No runtime found" warnings out of a server
    from dashboard.runs import run_names

    store = ResultsStore(root)
    runs = store.list_runs()
    names = run_names(runs[runs["status"] == "ok"].reset_index(drop=True))
    out = {}
    for rid in ids:
        run = store.get(rid)
        out[names[rid]] = RunEvaluation.from_predictions(run.predictions(),
                                                         run.record["positive_index"])
    return out


def most_errors(evals: dict, ids: list[str]) -> str:
    """The real run with the most misclassified test images at 0.5 (the most pages)."""
    def errors(ev):
        c = ev.at(0.5).metrics.counts
        return int(c.fp + c.fn)

    return max(zip(ids, evals.values()), key=lambda pair: errors(pair[1]))[0]


def upload_files(n: int) -> list[Path]:
    """``n`` distinct test-split images of the generated demo dataset."""
    from core import config
    from core.datasets.demo import generate_demo

    root = generate_demo(config.demo_root())
    files = sorted(root.glob("*/[01]/*.png"))
    return files[:: max(1, len(files) // n)][:n]


def line(label: str, timings, cold=None, extra: str = "") -> str:
    s = summary(timings)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    first = f"{cold.seconds:7.2f}" if cold is not None else "      –"
    return (f"{label:<34}{s['n']:>4} {s['median']:7.2f} {s['p90']:7.2f} {s['max']:7.2f} "
            f"{first}  {s['script']:7.2f} {s['server_cpu']:7.2f} {s['browser_cpu']:7.2f}   "
            f"{load}{extra}")


HEADER = (f"{'scenario':<34}{'n':>4} {'median':>7} {'p90':>7} {'max':>7} {'cold':>7}  "
          f"{'script':>7} {'srv cpu':>7} {'brw cpu':>7}   load 1/5/15")


def _compare(page, k: int, ctx: dict) -> None:
    cold, warm = sc.first_renders(page, ctx["ids"][:k], ctx["n"])
    print(line(f"Compare first render, {k} runs", warm, cold), flush=True)


def _open_compare(page, ids: list[str]) -> None:
    page.driver.get(page.url("compare", runs=",".join(ids), t=0.5))
    page.wait(sc.FIRST_RENDER, len(ids), what=f"Compare with {len(ids)} runs")


def _threshold(page, ctx: dict) -> None:
    _open_compare(page, ctx["ids"][:6])
    cpu, rate = sc.probe_cost(page)
    print(f"{'':<6}(polling alone, {rate:.0f} probes/s on this page: Chromium {cpu:.2f} CPU s "
          "per s, included in brw cpu)", flush=True)
    timings, verified = sc.threshold_moves(page, evaluations(ctx["root"], ctx["ids"][:6]),
                                           ctx["n"])
    print(line("threshold move, 6 runs", timings,
               extra=f"   (table verified {verified}/{len(timings)})"), flush=True)
    print(f"{'':<6}brw cpu less polling: median "
          f"{statistics.median(t.browser_cpu_s - cpu * t.seconds for t in timings):.2f} CPU s "
          "per move (the wall time inflates the polling's share on a loaded machine)",
          flush=True)


def _tabs(page, ctx: dict) -> None:
    _open_compare(page, ctx["ids"][:6])
    pairs = sc.tab_switches(page, 6, ctx["n"])
    by_tab: dict[str, list[float]] = {}
    for tab, timing in pairs:
        by_tab.setdefault(tab, []).append(timing.seconds)
    print(line("tab switch, 6 runs", [t for _, t in pairs]), flush=True)
    print(f"{'':<6}median by tab clicked: "
          + ", ".join(f"{tab} {statistics.median(v):.2f}" for tab, v in by_tab.items()),
          flush=True)


def _errors(page, ctx: dict) -> None:
    run = most_errors(evaluations(ctx["root"], ctx["real"]), ctx["real"])
    print(line("Errors page turn", sc.page_turns(page, run, ctx["n"])), flush=True)


def _explain(page, ctx: dict) -> None:
    models = min(3, len(ctx["real"]))
    cold, warm, statuses = sc.explain_uploads(page, ctx["files"], models, ctx["n"])
    print(line(f"Explain, 1 upload, {models} models", warm, cold), flush=True)
    seconds = [float(m.group(1)) for s in statuses[1:] if (m := re.search(r"in ([\d.]+) s", s))]
    if seconds:
        print(f"{'':<6}the page's own 'Computed ... in X s' (saliency on the server): median "
              f"{statistics.median(seconds):.2f} s", flush=True)


RUNNERS = {
    "compare6": lambda page, ctx: _compare(page, 6, ctx),
    "threshold": _threshold,
    "tabs": _tabs,
    "compare30": lambda page, ctx: _compare(page, N_RUNS, ctx),
    "errors": _errors,
    "explain": _explain,
}


def _evidence(page, name: str, ctx: dict) -> None:
    """After a failure: a screenshot (git-ignored test-artifacts/) and the server log's end."""
    shot = REPO / "test-artifacts" / f"browser_latency_{name}.png"
    shot.parent.mkdir(exist_ok=True)
    try:
        page.driver.save_screenshot(str(shot))
        print(f"{'':<6}screenshot: {shot}; page: {page.driver.current_url}")
    except Exception as exc:  # noqa: BLE001 - the browser itself may be what failed
        print(f"{'':<6}no screenshot: {exc}")
    tail = ctx["server"].log_text().splitlines()[-15:]
    print(f"{'':<6}server log, last lines:\n" + "\n".join(" " * 8 + t for t in tail), flush=True)


def run_scenarios(page: "sc.Page", only: list[str], ctx: dict) -> None:
    """Each chosen scenario, printed as soon as it is done; one that fails is reported as
    such and the others still run."""
    from selenium.common.exceptions import WebDriverException

    for name in only:
        try:
            RUNNERS[name](page, ctx)
        except (ScenarioFailed, WebDriverException) as exc:
            print(f"{name}: FAILED: {type(exc).__name__}: {str(exc)[:500]}", flush=True)
            _evidence(page, name, ctx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, help="a store with trained runs (copied, "
                        "never written); default: train three demo runs first")
    parser.add_argument("--actions", type=int, default=20, help="timed actions per scenario "
                        "(plus one cold first action for page loads)")
    parser.add_argument("--only", default=",".join(SCENARIOS),
                        help=f"comma-separated subset of {','.join(SCENARIOS)}")
    parser.add_argument("--poll", type=float, default=0.02, help="seconds between probes")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per action at most")
    args = parser.parse_args()
    chosen = {s for s in args.only.split(",") if s}
    if unknown := sorted(chosen - set(SCENARIOS)):
        parser.error(f"unknown scenario(s) {unknown}; choose from {SCENARIOS}")
    only = [s for s in SCENARIOS if s in chosen]
    require_chromium()

    from tests.hardening.stclient import Server

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="lesionlab-browser-"))
    os.environ.setdefault("LESIONLAB_HOME", str(work / "home"))
    try:
        source = args.source
        if source is None:
            source = work / "trained"
            train_demo_store_in_child(source, REPO)
        root = work / "store"
        real, ids = build_store(root, source)
        files = upload_files(args.actions + 1) if "explain" in only else []
        server = Server({"LESIONLAB_STORE": str(root)}, work / "streamlit.log")
        try:
            with chromium(work / "chrome-profile") as driver:
                import streamlit

                print(f"date {dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs, load "
                      f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the start, "
                      f"Chromium {driver.capabilities.get('browserVersion')}, Streamlit "
                      f"{streamlit.__version__}, poll every {args.poll * 1000:.0f} ms")
                print(f"store: {len(ids)} runs = {len(real)} real trained runs + "
                      f"{len(ids) - len(real)} FABRICATED copies of their predictions under "
                      "seeds 100+i (to load the page, not to compare); Compare with 6 = "
                      f"{min(6, len(real))} real + {6 - min(6, len(real))} copies")
                print("times in seconds, wall clock from the action until shown; script = "
                      "app script running (browser's view); srv/brw cpu = CPU s per action")
                print(HEADER, flush=True)
                page = sc.Page(driver, CpuMeter(server.proc.pid, driver.service.process.pid),
                               server.url, args.poll, args.timeout)
                run_scenarios(page, only, {"n": args.actions, "real": real, "ids": ids,
                                           "root": root, "files": files, "server": server})
        finally:
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
