"""Server memory when many sessions upload huge images at once: bounded by pixels, not bytes.

    python benchmarks/upload_memory.py [--sessions 8] [--uploads 8] [--side 7000] [--source STORE]

A 7000 x 7000 PNG of flat colour is ~60 KB on disk and 147 MB decoded. Starts ``streamlit run
app.py`` (the repository's config) on a copy of a store with trained demo runs (trained here
first unless ``--source`` names one), warms it with one session, then lets N websocket sessions
at once each upload K such PNGs (each a colour of its own) on Explain, where every image is
predicted by every run and the default saliency maps are computed. Printed: the server's
resident memory before, with the sessions open, and after they have closed and Streamlit has
dropped them (``server.disconnectedSessionTTL``, set to a few seconds here; 120 s by default),
its peak, and the time taken. Target (issue 12): 8 sessions x 8 uploads add < 300 MiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks._common import prepared_store  # noqa: E402

TTL_S = 3


def flat_png(side: int, colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (side, side), colour).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def session_uploads(url: str, index: int, uploads: int, side: int,
                    barrier: threading.Barrier, errors: list[str]) -> None:
    from tests.hardening.stclient import Session

    files = [(f"s{index}_{k}.png", flat_png(side, (index * 20 % 256, k * 30 % 256, 77)))
             for k in range(uploads)]
    try:
        session = Session(url, timeout=900)
        try:
            first = session.run("explain")
            uploader = first.widget("file_uploader", "explain.uploads")["id"]
            barrier.wait(timeout=300)
            state = session.upload(uploader, files)
            page = session.run("explain", widgets=[state])
            if page.exceptions or page.finished != "FINISHED_SUCCESSFULLY":
                errors.append(f"session {index}: {page.finished} {page.exceptions}")
            barrier.wait(timeout=900)  # all sessions hold their uploads at once
        finally:
            session.close()
    except Exception as exc:  # noqa: BLE001 - reported below
        errors.append(f"session {index}: {type(exc).__name__}: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--side", type=int, default=7000)
    parser.add_argument("--source", type=Path, default=None,
                        help="a store holding trained runs (copied, never written)")
    args = parser.parse_args()

    from tests.hardening import load
    from tests.hardening.stclient import Server

    work, store = prepared_store("lesionlab-uploads-", args.source, REPO)
    print(f"one upload: {len(flat_png(args.side, (1, 2, 3))) / 1024:.0f} KB on disk, "
          f"{args.side * args.side * 3 / 2**20:.0f} MiB decoded")
    server = Server({"LESIONLAB_STORE": str(store),
                     "STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(TTL_S)},
                    work / "streamlit.log")
    mib = lambda kib: kib / 1024  # noqa: E731
    try:
        load.warm_up(server.url)
        before = server.rss_kib()
        errors: list[str] = []
        barrier = threading.Barrier(args.sessions + 1)
        threads = [threading.Thread(target=session_uploads, daemon=True,
                                    args=(server.url, i, args.uploads, args.side, barrier,
                                          errors)) for i in range(args.sessions)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        barrier.wait(timeout=300)  # every session is ready to upload
        barrier.wait(timeout=900)  # every session has shown its uploads
        held = server.rss_kib()
        seconds = time.perf_counter() - started
        for thread in threads:
            thread.join(timeout=120)
        time.sleep(TTL_S + 20)  # Streamlit drops a closed session after its TTL
        after = server.rss_kib()
    finally:
        server.stop()
    print(f"date: {dt.date.today()}, cpus: {os.cpu_count()}, load average (1/5/15 min): "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{args.sessions} sessions x {args.uploads} uploads of {args.side}x{args.side} px, "
          f"all shown in {seconds:.1f} s ({len(errors)} errors)")
    print(f"server RSS: {mib(before['VmRSS']):.0f} MiB warm; {mib(held['VmRSS']):.0f} MiB with "
          f"every session holding its uploads (+{mib(held['VmRSS'] - before['VmRSS']):.0f}); "
          f"{mib(after['VmRSS']):.0f} MiB after the sessions closed "
          f"(+{mib(after['VmRSS'] - before['VmRSS']):.0f}); peak {mib(after['VmHWM']):.0f} MiB")
    for error in errors:
        print("  " + error)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
