"""Several users at once on one server: each opens Compare and Explain with a threshold and an
upload of their own, while the server trains a run in the background.

Shared by ``test_load_sessions.py`` (which asserts) and ``benchmarks/load_sessions.py`` (which
prints the figures). Each session is one :class:`~tests.hardening.stclient.Session` driven by
its own thread; the sessions start together behind a barrier, so their script runs overlap.

What makes a leak visible: session ``i`` uses threshold ``t_i``, uploads an image of a size no
other session uses, under a file name carrying its own token (and HTML, Markdown and control
characters). Everything one session is shown is searched for every other session's token,
size and threshold.
"""

from __future__ import annotations

import base64
import io
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from PIL import Image
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tests.hardening.stclient import Page, Server, Session

PREDICTION_COLUMN = "P(positive)"


def threshold_of(index: int) -> float:
    return round(0.11 + 0.07 * index, 2)


def upload_name(index: int) -> str:
    """A file name no other session uses, with HTML, Markdown and control characters."""
    return f"sess{index:02d}tok <b>bold</b> **x** [a](http://e.x) \u202egnp.exe\x1b[0m.png"


def side_of(index: int) -> int:
    return 41 + index  # a distinct image size per session, shown as "(W x H px)"


def image_bytes(index: int) -> bytes:
    rng = np.random.default_rng(index)
    side = side_of(index)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def frames(page: Page) -> list[pd.DataFrame]:
    """Every st.dataframe of a page, decoded from the Arrow bytes the browser receives."""
    out = []
    for element in page.of("dataframe"):
        data = base64.b64decode(element["arrowData"]["data"])
        out.append(pa.ipc.open_stream(data).read_all().to_pandas())
    return out


def page_text(page: Page) -> str:
    """Everything a page sent, as one searchable string (tables decoded)."""
    parts = [json.dumps(element, ensure_ascii=False) for _, element in page.elements]
    parts += [frame.to_csv() for frame in frames(page)]
    return "\n".join(parts) + "\n" + page.query_string


@dataclass
class SessionResult:
    index: int
    compare: Page | None = None
    explain: Page | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    error: str = ""


@dataclass
class LoadResult:
    sessions: list[SessionResult]
    wall_s: float
    rss_before_kib: dict[str, int]
    rss_after_kib: dict[str, int]
    model_entries_before: int
    model_entries_after: int
    cache_entries_after: dict[str, int]
    load_average: tuple[float, float, float]


def one_session(base_url: str, index: int, barrier: threading.Barrier) -> SessionResult:
    result = SessionResult(index)
    t = str(threshold_of(index))
    try:
        session = Session(base_url)
        try:
            barrier.wait(timeout=120)
            started = time.perf_counter()
            result.compare = session.run("compare", {"t": t})
            result.seconds["compare"] = time.perf_counter() - started
            started = time.perf_counter()
            first = session.run("explain", {"t": t})
            uploader = first.widget("file_uploader", "explain.uploads")["id"]
            state = session.upload(uploader, [(upload_name(index), image_bytes(index))])
            result.explain = session.run("explain", {"t": t}, [state])
            result.seconds["explain"] = time.perf_counter() - started
        finally:
            session.close()
    except Exception as exc:  # noqa: BLE001 - reported per session by the caller
        result.error = f"{type(exc).__name__}: {exc}"
    return result


def start_training(base_url: str, store_root: Path, timeout: float = 180) -> str:
    """Press the Train page's launch button (its defaults: idc_initial on the demo, quick
    profile) and return the run id once the server's job has claimed it and started training
    (its scratch folder has appeared)."""
    work = store_root / "work"
    before = set(os.listdir(work)) if work.is_dir() else set()
    session = Session(base_url)
    try:
        page = session.run("train")
        button = page.widget("button", "train_launch")
        assert "Train 1 run" in button["label"], button["label"]
        session.run("train", widgets=[WidgetState(id=button["id"], trigger_value=True)])
    finally:
        session.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = set(os.listdir(work)) - before if work.is_dir() else set()
        if new:
            return new.pop()
        time.sleep(0.2)
    raise TimeoutError("the training job did not start")


def warm_up(base_url: str) -> None:
    """One session through both pages first: imports, the three models and their explainers
    are loaded once, so the figures below are about serving, not about the first start."""
    result = one_session(base_url, 99, threading.Barrier(1))
    if result.error:
        raise RuntimeError(f"warm-up session failed: {result.error}")


def run_load(server: Server, n_sessions: int) -> LoadResult:
    model_key = "dashboard.data._model"
    rss_before = server.rss_kib()
    models_before = server.resource_cache_entries().get(model_key, 0)
    barrier = threading.Barrier(n_sessions)
    results: list[SessionResult | None] = [None] * n_sessions

    def work(i: int) -> None:
        results[i] = one_session(server.url, i, barrier)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(n_sessions)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    wall = time.perf_counter() - started
    cache = server.resource_cache_entries()
    return LoadResult(
        sessions=[r if r is not None else SessionResult(i, error="thread did not finish")
                  for i, r in enumerate(results)],
        wall_s=wall, rss_before_kib=rss_before, rss_after_kib=server.rss_kib(),
        model_entries_before=models_before, model_entries_after=cache.get(model_key, 0),
        cache_entries_after=cache, load_average=os.getloadavg())
