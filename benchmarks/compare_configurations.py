"""How fast the Compare page is per configuration: 6 configurations x 5 seeds (30 runs).

    python benchmarks/compare_configurations.py [--source STORE] [--repeats 20] [--keep DIR]

Builds a store of 30 runs: 3 real, briefly trained demo runs (trained here into a temporary
folder, ~2-4 minutes on 2 CPU cores, unless ``--source`` names a store that already holds
some), each also cloned under another strategy, so there are 6 configurations; each
configuration then gets seeds up to 0..4 as clones whose scores are the real run's perturbed
(``tests/support/seeded.py``: noise of SD 0.3 on the logit scale), so every seed has its own
AUC, spread and bootstrap. The clones are stated in the output; their numbers are not a result.

Measured (targets from issue 14), as ``benchmarks/dashboard_speed.py`` measures them:

* Compare with all 30 runs in the per-configuration view, warm: the second render in the same
  session and in a new session (caches warm) -- target < 1.5 s;
* a threshold change in that view: median over ``--repeats`` slider moves, the full AppTest
  rerun and the threshold fragment's own time (the browser's path) -- target < 150 ms;
* the Ranking and Decision-curves tabs: a warm rerun with the tab open, same session.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks._common import open_compare as open_compare_page  # noqa: E402
from benchmarks._common import threshold_moves, train_demo_store_in_child  # noqa: E402

OTHER_STRATEGY = {"none": "oversample", "class_weight": "undersample"}


def build_store(root: Path, source: Path | None, seeds: int = 5) -> tuple[list[str], int]:
    """``(run ids, number of real runs)``: 6 configurations x ``seeds`` seeds at ``root``."""
    from core.store import ResultsStore
    from tests.support.seeded import add_seeds, copy_runs

    store = ResultsStore(root)
    if source is None:
        train_demo_store_in_child(root, REPO)
        source = root
    src = ResultsStore(source)
    real = src.list_runs()["run_id"].tolist()[:3]
    if not real:
        raise SystemExit(f"--source {source} holds no runs")
    copy_runs(src, store, real)
    ids = []
    for rid in real:
        run = store.get(rid)
        have = int(run.identity.get("seed") or 0)
        ids += [rid, *add_seeds(store, rid, [s for s in range(seeds) if s != have], noise=0.3)]
        other = OTHER_STRATEGY.get(str(run.identity["strategy"]), "oversample")
        ids += add_seeds(store, rid, range(seeds), noise=0.3, shift=0.2, strategy=other)
    return ids, len(real)


def measure(store_root: Path, ids: list[str], repeats: int, per: str = "configuration"
            ) -> dict[str, float]:

    os.environ["LESIONLAB_STORE"] = str(store_root)

    def open_compare():
        return open_compare_page(REPO, {"runs": ",".join(ids), "per": per}, timeout=600)

    out: dict[str, float] = {}
    at, out["cold_s"] = open_compare()
    out["charts"] = len(at.get("plotly_chart"))
    t = time.perf_counter()
    at.run()
    out["warm_same_session_s"] = time.perf_counter() - t
    _, out["warm_new_session_s"] = open_compare()
    out["threshold_full_rerun_median_s"], out["threshold_fragment_median_s"] = \
        threshold_moves(at, repeats)
    for tab, title in (("Ranking", None), ("Decision curves", "Decision curves")):
        at.session_state["view"] = tab
        at.run()  # cold for this tab's caches
        t = time.perf_counter()
        at.run()
        out[f"{tab}_warm_s"] = time.perf_counter() - t
        _check_tab(at, tab, title)
    return out


def _check_tab(at, tab: str, title: str | None) -> None:
    """The tab was drawn (a benchmark of an empty tab would measure nothing)."""
    import json

    if at.exception:
        raise SystemExit(f"the {tab} tab raised: {at.exception[0].value}")
    if title is None:
        drawn = any("p_holm" in df.value.columns for df in at.dataframe)
    else:
        drawn = any(json.loads(c.proto.spec)["layout"]["title"]["text"].startswith(title)
                    for c in at.get("plotly_chart"))
    if not drawn:
        raise SystemExit(f"the {tab} tab drew nothing to measure")


def report(r: dict[str, float], n_runs: int, n_real: int, repeats: int, per: str) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"store: {n_runs} runs = 6 configurations x 5 seeds; {n_real} real trained demo runs, "
          "the rest clones of them with perturbed scores (tests/support/seeded.py)")
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (shared machines: expect noise)")
    print(f"Compare page per {per}, {n_runs} runs, {int(r['charts'])} charts on the "
          "Overview tab")
    print(f"  first render (cold caches)           {r['cold_s']:7.3f} s")
    print(f"  warm render, same session            {r['warm_same_session_s']:7.3f} s"
          "   target < 1.5 s")
    print(f"  warm render, new session (same link) {r['warm_new_session_s']:7.3f} s"
          "   target < 1.5 s")
    print(f"  threshold change, median of {repeats}:")
    print(f"    threshold fragment (browser path)  "
          f"{1000 * r['threshold_fragment_median_s']:7.1f} ms  target < 150 ms")
    print(f"    full AppTest rerun (whole page)    "
          f"{1000 * r['threshold_full_rerun_median_s']:7.1f} ms")
    print(f"  Ranking tab, warm rerun              {r['Ranking_warm_s']:7.3f} s")
    print(f"  Decision-curves tab, warm rerun      {r['Decision curves_warm_s']:7.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="a store with >= 1 real run to clone from")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--per", choices=("configuration", "run"), default="configuration",
                        help="the view measured (per run: the same 30 runs as today's page)")
    parser.add_argument("--keep", type=Path,
                        help="build the 30-run store in this folder and keep it (default: temp)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lesionlab-bench-") as tmp:
        os.environ.setdefault("LESIONLAB_HOME", str(Path(tmp) / "home"))
        root = args.keep or Path(tmp) / "store"
        ids, n_real = build_store(root, args.source)
        r = measure(root, ids, args.repeats, args.per)
    report(r, len(ids), n_real, args.repeats, args.per)


if __name__ == "__main__":
    main()
