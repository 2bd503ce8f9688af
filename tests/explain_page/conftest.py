"""Fixtures for the Explain page tests: the page on the trained demo store, images as bytes.

The page runs in Streamlit's AppTest (in this process, so the Keras models loaded by the page
through ``st.cache_resource`` and the explainers cached by ``core.saliency`` are shared between
tests, as they are between sessions of one server). Every file "uploaded" is made here in memory.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "pages" / "explain.py")
APP = str(REPO / "app.py")
TIMEOUT = 240  # first run imports TensorFlow and loads three models on a shared 2-core machine


def png_bytes(rgb: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()


def png_from_chunks(width: int, height: int, bit_depth: int, colour_type: int,
                    idat: bytes) -> bytes:
    """A PNG assembled by hand: lets a test declare any size without allocating its pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def huge_real_png(side: int = 20000) -> bytes:
    """A complete, valid side x side black 1-bit PNG: 400 Mpx in about 50 kB."""
    row = b"\x00" * (1 + -(-side // 8))  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return png_from_chunks(side, side, 1, 0, data)


def header_only_png(width: int, height: int) -> bytes:
    """A decompression bomb's shape: a tiny file whose header declares width x height RGB."""
    return png_from_chunks(width, height, 8, 2, zlib.compress(b""))


@pytest.fixture
def store_env(trained_store, monkeypatch):
    """Point the app at the trained demo store; make sure models can be loaded here too."""
    from models import register_custom_objects

    register_custom_objects()
    monkeypatch.setenv("LESIONLAB_STORE", str(trained_store.root))
    return trained_store


@pytest.fixture(scope="session")
def demo_like_image(trained_store) -> np.ndarray:
    """A demo test patch, mirrored and enlarged to 64 px (so the page must resize it)."""
    from core.datasets import load_dataset
    from core.datasets.images import decode_image

    ds = load_dataset("demo")
    rgb = decode_image(ds.table["path"].iloc[0])
    enlarged = Image.fromarray(rgb[:, ::-1]).resize((64, 64), Image.Resampling.BICUBIC)
    return np.asarray(enlarged)


@pytest.fixture(scope="session")
def run_ids(trained_store) -> list[str]:
    return list(trained_store.list_runs()["run_id"])


def new_page(**query: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for name, value in query.items():
        at.query_params[name] = value
    return at


def no_exceptions(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def prediction_tables(at) -> list:
    """The per-image prediction tables (the threshold control has a table of its own)."""
    return [d.value for d in at.dataframe if "P(predicted)" in d.value.columns]


def texts(at) -> list[str]:
    return [t.value for t in at.text]

