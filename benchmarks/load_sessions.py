"""Several users on one server at once: wall time, memory and model loads.

    python benchmarks/load_sessions.py [--sessions 8] [--source STORE] [--no-training]

Starts ``streamlit run app.py`` (the repository's config) on a copy of a store with three
briefly trained demo runs (trained here first, ~2-4 minutes on 2 CPU cores, unless ``--source``
names a store that holds some), warms it with one session, starts a training run on the server
from the Train page (unless ``--no-training``), then lets N websocket sessions at once each
open Compare with a threshold of its own, then Explain with an upload of its own (predictions
and the default saliency maps of every run). The same scenario is asserted, without numbers,
by tests/hardening/test_server.py.

Printed: sessions; wall time for all of them; each session's Compare and Explain time
(median, max); the server's resident memory before and after and its peak (VmHWM, which
includes the warm-up and the training); the number of models the server holds in
``st.cache_resource`` before and after (loads happen once per run, not per session); and the
machine's load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks._common import prepared_store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--source", type=Path, default=None,
                        help="a store holding trained runs (copied, never written)")
    parser.add_argument("--no-training", action="store_true",
                        help="do not train in the background during the load")
    args = parser.parse_args()

    from tests.hardening import load
    from tests.hardening.stclient import Server

    work, store = prepared_store("lesionlab-load-", args.source, REPO)
    n_runs = sum(1 for _ in (store / "runs").iterdir())

    server = Server({"LESIONLAB_STORE": str(store)}, work / "streamlit.log")
    try:
        started = time.perf_counter()
        load.warm_up(server.url)
        print(f"warm-up session (imports, {n_runs} models loaded): "
              f"{time.perf_counter() - started:.1f} s")
        if not args.no_training:
            run = load.start_training(server.url, store)
            print(f"training run {run} started on the server (idc_initial, quick profile)")
        result = load.run_load(server, args.sessions)
    finally:
        server.stop()

    failed = [s for s in result.sessions if s.error]
    compare = [s.seconds["compare"] for s in result.sessions if "compare" in s.seconds]
    explain = [s.seconds["explain"] for s in result.sessions if "explain" in s.seconds]
    mib = lambda kib: kib / 1024  # noqa: E731
    print(f"date: {dt.date.today()}, cpus: {os.cpu_count()}, load average during the run "
          f"(1/5/15 min): {' '.join(f'{x:.1f}' for x in result.load_average)}")
    print(f"sessions: {args.sessions} at once ({len(failed)} failed), "
          f"{'with' if not args.no_training else 'without'} a training run on the server")
    print(f"wall time, all sessions: {result.wall_s:.1f} s")
    if compare and explain:
        print(f"per session: Compare median {statistics.median(compare):.1f} s "
              f"(max {max(compare):.1f}); Explain with upload median "
              f"{statistics.median(explain):.1f} s (max {max(explain):.1f})")
    print(f"server RSS: {mib(result.rss_before_kib['VmRSS']):.0f} MiB before, "
          f"{mib(result.rss_after_kib['VmRSS']):.0f} MiB after "
          f"(+{mib(result.rss_after_kib['VmRSS'] - result.rss_before_kib['VmRSS']):.0f}); "
          f"peak {mib(result.rss_after_kib['VmHWM']):.0f} MiB")
    print(f"models held (st.cache_resource entries of dashboard.data._model): "
          f"{result.model_entries_before} before, {result.model_entries_after} after, "
          f"for {n_runs} runs")
    for session in failed:
        print(f"  session {session.index} failed: {session.error}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
