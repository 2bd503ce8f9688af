"""Memory bounded by pixels on the real server: huge uploads from several sessions at once.

A server of its own (``streamlit run app.py`` over a copy of the ``trained_store`` fixture),
so that nothing else it does (the load test's background training run, its eight sessions)
moves the resident-memory figure this test reads.
"""

from __future__ import annotations

import io
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from dashboard.text import visible
from tests.hardening import load
from tests.hardening.stclient import Server, Session


@pytest.fixture(scope="module")
def fresh_server(trained_store, tmp_path_factory):
    root = tmp_path_factory.mktemp("uploads_server")
    shutil.copytree(trained_store.root, root / "store")
    server = Server({"LESIONLAB_STORE": str(root / "store")}, root / "streamlit.log")
    try:
        yield server
    finally:
        server.stop()


def test_huge_uploads_grow_the_server_by_pixels_kept_not_pixels_decoded(fresh_server):
    """Three sessions each upload two 6000 x 6000 PNGs of flat colour (~100 KB each, 103 MB
    decoded) on Explain at once. Kept whole, or decoded and resized all at once, they grew the
    server by gigabytes that stayed (measured: 8 x 8 uploads of 7000 px, +6 GB); reduced right
    after decoding, one at a time, they add little (benchmarks/upload_memory.py: 8 x 8 add
    < 200 MiB)."""
    server: Server = fresh_server
    load.warm_up(server.url)
    before = server.rss_kib()["VmRSS"]

    def png(colour):
        buffer = io.BytesIO()
        Image.new("RGB", (6000, 6000), colour).save(buffer, "PNG")
        return buffer.getvalue()

    def one(index: int) -> None:
        session = Session(server.url)
        try:
            uploader = session.run("explain").widget("file_uploader", "explain.uploads")["id"]
            files = [(f"huge{index}_{k}.png", png((index * 40, k * 90, 33))) for k in range(2)]
            page = session.run("explain", widgets=[session.upload(uploader, files)])
            assert not page.exceptions, page.exceptions
            assert visible(f"huge{index}_0.png  (6000x6000 px)") in page.bodies("text")
        finally:
            session.close()

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(one, range(3)))
    grown_mib = (server.rss_kib()["VmRSS"] - before) / 1024
    assert grown_mib < 250, f"the server grew by {grown_mib:.0f} MiB"
