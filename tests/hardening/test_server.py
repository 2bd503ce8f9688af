"""The real server (``streamlit run app.py`` with the repository's config) under load and
under attack: eight concurrent sessions on Compare and Explain while it trains a run, the
loopback-only binding, XSRF protection, the upload size cap, and no trace of uploads on disk.

One server serves the whole module (starting it and loading TensorFlow and the models costs
tens of seconds); its results store is a copy of the ``trained_store`` fixture, so the run it
trains in the background never reaches the store other tests read. The sessions are real
websocket clients (see ``stclient.py`` for why not AppTest or a browser).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import struct
from pathlib import Path

import numpy as np
import pytest
import requests
import websocket
from PIL import Image

from dashboard.text import as_read, visible
from tests.hardening import load
from tests.hardening.stclient import Server, Session

N_SESSIONS = 8
MODEL_CACHE = "dashboard.data._model"
#: Resident memory the eight sessions may add to a warm server (uploads, maps, figures and
#: session state). Models are not copied per session (checked separately), so this is far
#: below another set of models plus TensorFlow (~500 MB).
SESSION_RSS_BUDGET_MIB = 300


@pytest.fixture(scope="module")
def served(trained_store, tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    store = root / "store"
    shutil.copytree(trained_store.root, store)
    tmpdir = root / "server_tmp"  # the server's TMPDIR: where a spooled upload would land
    tmpdir.mkdir()
    server = Server({"LESIONLAB_STORE": str(store), "TMPDIR": str(tmpdir)},
                    root / "streamlit.log")
    try:
        yield {"server": server, "store": store, "tmpdir": tmpdir,
               "run_ids": sorted(p.name for p in (store / "runs").iterdir())}
    finally:
        server.stop()


def test_eight_sessions_on_compare_and_explain_while_training(served):
    server: Server = served["server"]
    load.warm_up(server.url)
    training = load.start_training(server.url, served["store"])
    result = load.run_load(server, N_SESSIONS)

    errors = {s.index: s.error for s in result.sessions if s.error}
    assert not errors, errors
    for session in result.sessions:
        t = load.threshold_of(session.index)
        compare, explain = session.compare, session.explain
        for page in (compare, explain):
            assert page.finished == "FINISHED_SUCCESSFULLY" and not page.exceptions, (
                session.index, page.exceptions)

        # Its own threshold, everywhere it shows, and in the URL it was given back.
        slider = compare.widget("slider", "compare.threshold.value")
        assert slider["value"] == [pytest.approx(t)]
        rule = f"Rule: fixed threshold {t:.3f} for every run."
        assert rule in map(as_read, compare.bodies("markdown"))
        assert f"t={t}" in compare.query_string.split("&")
        (table,) = [f for f in load.frames(explain) if load.PREDICTION_COLUMN in f.columns]
        assert (table["threshold"] == t).all() and len(table) == len(served["run_ids"])
        assert rule in map(as_read, explain.bodies("markdown"))

        # Its own upload, shown as plain text with control characters made visible.
        side = load.side_of(session.index)
        own = visible(f"{load.upload_name(session.index)}  ({side}x{side} px)")
        assert explain.bodies("text").count(own) == 1
        for kind, element in explain.elements:
            shown = json.dumps(element, ensure_ascii=False)
            assert "\u202e" not in shown and "\x1b" not in shown, kind
            if kind != "text":
                assert f"sess{session.index:02d}tok" not in shown, (kind, shown[:300])

        # Nothing of any other session: its file name, its image size, its threshold.
        seen = load.page_text(compare) + load.page_text(explain)
        for other in result.sessions:
            if other.index != session.index:
                assert f"sess{other.index:02d}tok" not in seen
                assert f"({load.side_of(other.index)}x" not in seen
                assert f"fixed threshold {load.threshold_of(other.index):.3f}" not in seen

    # Models are loaded once per server, not per session: one cache_resource entry per run,
    # the same before and after eight sessions explained with all of them.
    assert result.model_entries_before == result.model_entries_after == len(served["run_ids"])
    growth_mib = (result.rss_after_kib["VmHWM"] - result.rss_before_kib["VmRSS"]) / 1024
    assert growth_mib < SESSION_RSS_BUDGET_MIB, result

    # The training went on meanwhile and did not fail: its scratch folder or its stored run
    # exists, and the Train page's job panel says running or finished, with no failed run.
    store = served["store"]
    assert (store / "work" / training).is_dir() or (store / "runs" / training).is_dir()
    observer = Session(server.url)
    try:
        panel = [e.get("text", "") for e in observer.run("train").of("progress")]
    finally:
        observer.close()
    assert panel and panel[0].startswith(("Running", "Finished")), panel
    assert not any("failed" in text for text in panel), panel
    assert "Traceback" not in server.log_text(), server.log_text()[-3000:]


def _listening_addresses(port: int) -> list[str]:
    """Local addresses with a socket listening on ``port``, from the kernel's tables."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                if width == 8:
                    found.append(socket.inet_ntop(socket.AF_INET,
                                                  struct.pack("<I", int(address, 16))))
                else:
                    words = struct.pack("<4I", *struct.unpack(">4I", bytes.fromhex(address)))
                    found.append(socket.inet_ntop(socket.AF_INET6, words))
    return found


def test_the_server_listens_on_loopback_only(served):
    """Started without --server.address, as `streamlit run app.py` is: the repository's
    .streamlit/config.toml must keep it off every other interface."""
    assert _listening_addresses(served["server"].port) == ["127.0.0.1"]


def test_xsrf_protection_refuses_uploads_and_sockets_without_the_token(served):
    server: Server = served["server"]
    session = Session(server.url)
    try:
        session.run("explain")
        url = f"{server.url}/_stcore/upload_file/{session.session_id}/someid"
        files = {"file": ("x.png", b"not read", "image/png")}
        assert requests.put(url, files=files, timeout=30).status_code == 403
        forged = requests.put(url, files=files, headers={"X-Xsrftoken": "2|0|0|0"},
                              cookies={"_streamlit_xsrf": session.xsrf}, timeout=30)
        assert forged.status_code == 403
        genuine = session.http.put(url, files=files, headers={"X-Xsrftoken": session.xsrf},
                                   timeout=30)
        assert genuine.status_code == 204  # the same request with the token is accepted
    finally:
        session.close()
    stream = server.url.replace("http://", "ws://") + "/_stcore/stream"
    websocket.create_connection(stream, origin=server.url, timeout=30).close()  # same site
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:  # another site's page
        websocket.create_connection(stream, origin="http://evil.example", timeout=30)
    assert refused.value.status_code == 403


def test_uploads_over_the_configured_cap_are_refused(served):
    server: Server = served["server"]
    session = Session(server.url)
    try:
        session.run("explain")
        url = f"{server.url}/_stcore/upload_file/{session.session_id}/big"
        too_big = b"\0" * (50 * 1024 * 1024 + 1)
        response = session.http.put(url, files={"file": ("big.png", too_big, "image/png")},
                                    headers={"X-Xsrftoken": session.xsrf}, timeout=60)
        assert response.status_code == 413
    finally:
        session.close()


def test_an_upload_leaves_nothing_on_disk(served):
    """A 1.6 MB upload (over Starlette's 1 MB in-memory limit, so it is spooled to a temporary
    file) through the Explain page: afterwards no file in the server's TMPDIR, store or state
    folder holds its bytes or pixels, none is left in TMPDIR, and the server keeps no
    descriptor to a deleted temporary file."""
    server: Server = served["server"]
    rgb = np.random.default_rng(7).integers(0, 256, (740, 740, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "PNG", compress_level=0)
    content = buffer.getvalue()
    assert len(content) > 1.5e6
    session = Session(server.url)
    try:
        uploader = session.run("explain").widget("file_uploader", "explain.uploads")["id"]
        state = session.upload(uploader, [("big scan.png", content)])
        page = session.run("explain", widgets=[state])
        assert not page.exceptions and visible("big scan.png  (740x740 px)") in page.bodies(
            "text")
    finally:
        session.close()

    traces = [content[i:i + 64] for i in (1000, len(content) // 2, len(content) - 200)]
    traces.append(rgb.tobytes()[300_000:300_192])
    roots = [served["tmpdir"], served["store"], Path(os.environ["LESIONLAB_HOME"])]
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                assert not any(trace in data for trace in traces), path
    # TensorFlow writes the sources of the functions it traced (training, saliency) there.
    leftovers = [p.name for p in served["tmpdir"].iterdir()
                 if not p.name.startswith("__autograph_generated_file")]
    assert leftovers == []
    fds = Path(f"/proc/{server.proc.pid}/fd")
    deleted = [os.readlink(fd) for fd in fds.iterdir()
               if os.readlink(fd).endswith("(deleted)")]
    assert deleted == []

