"""Single-byte damage inside index.sqlite: detected, rebuilt from the run folders, never shown.

A missing or garbage file is easy (tests/store/test_index.py); these flip one byte inside the
real SQLite file the store wrote, on its data pages (the rows of every run) and across the
whole file, deterministically. Before the fix such flips made ``list_runs`` raise ("Could not
decode to UTF-8", "database disk image is malformed", a UnicodeDecodeError from SQLite's own
message) or return a phantom all-NULL row; a flip inside a number or a name returned a silently
wrong row. Each flip here must give exactly the runs, values and statuses of the undamaged store.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core.store import ResultsStore
from tests.store import factories as f

REPO = Path(__file__).resolve().parents[2]
PAGE = 4096


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[Path, bytes, pd.DataFrame]:
    """A store with six runs (one of them corrupt, so statuses differ) and its index bytes."""
    store = ResultsStore(tmp_path_factory.mktemp("damage") / "store")
    runs = [f.commit_sample(store, seed=s, model=m) for s in range(3) for m in ("a", "b")]
    target = runs[0].path / "predictions.parquet"
    target.write_bytes(target.read_bytes()[:100])
    store.verify(runs[0].run_id)
    expected = store.list_runs()
    assert (expected["status"] == "corrupt").sum() == 1
    return store.root, (store.root / "index.sqlite").read_bytes(), expected


def _cell_area(data: bytes, page_no: int) -> range:
    """Byte positions of the records on one b-tree page (from its header's content offset)."""
    start = (page_no - 1) * PAGE
    header = start + (100 if page_no == 1 else 0)
    content = int.from_bytes(data[header + 5:header + 7], "big") or PAGE
    return range(start + content, start + PAGE)


def _runs_pages(root: Path) -> list[int]:
    with sqlite3.connect(root / "index.sqlite") as conn:
        pages = [r[0] for r in conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE tbl_name = 'runs'")]
    conn.close()
    return pages


def _positions(root: Path, data: bytes) -> list[tuple[int, int]]:
    """(position, xor mask): every 9th byte of the runs' records and index, every 131st byte of
    the whole file (header, schema, free space), with masks that do and do not break UTF-8."""
    masks = (0xFF, 0x01, 0x80, 0x20)
    cells = [p for page in _runs_pages(root) for p in _cell_area(data, page)][::9]
    spread = list(range(0, len(data), 131))
    return [(p, masks[i % len(masks)]) for i, p in enumerate(sorted(set(cells + spread)))]


def _damaged(root: Path, data: bytes, position: int, mask: int) -> None:
    flipped = bytearray(data)
    flipped[position] ^= mask
    (root / "index.sqlite").write_bytes(bytes(flipped))


def test_every_flip_lists_exactly_the_stored_runs(pristine, caplog) -> None:
    root, data, expected = pristine
    positions = _positions(root, data)
    assert len(positions) > 200  # the records themselves are covered, not just the header
    wrong = []
    caplog.set_level(logging.WARNING, logger="core.store.index")
    for position, mask in positions:
        _damaged(root, data, position, mask)
        try:
            got = ResultsStore(root).list_runs()
            pd.testing.assert_frame_equal(got, expected)
        except Exception as exc:  # noqa: BLE001 - collect every failing flip, then report
            wrong.append((position, mask, f"{type(exc).__name__}: {str(exc)[:120]}"))
    assert not wrong, f"{len(wrong)} flips gave a wrong listing, e.g. {wrong[:5]}"
    # Damage was seen and said (logged), not just lucky: most record flips need a rebuild.
    rebuilt = [r for r in caplog.records if "rebuilding it from the run folders" in r.message]
    assert len(rebuilt) > len(positions) // 3


def test_a_phantom_null_row_is_not_listed(pristine) -> None:
    """The flip the issue reported: a record's header turned into NULLs. Written here through
    SQLite itself (a row of NULLs where a run was), so the file is well-formed and only the
    row's own checksum and types can tell."""
    root, data, expected = pristine
    (root / "index.sqlite").write_bytes(data)
    with sqlite3.connect(root / "index.sqlite") as conn:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("UPDATE runs SET run_id = 'x', dataset = NULL, model = NULL, "
                     "summary_json = '{}', row_sha = '' WHERE rowid = 2")
        conn.execute("UPDATE runs SET model = 'a' WHERE rowid = 3")  # a silently wrong name
    conn.close()
    pd.testing.assert_frame_equal(ResultsStore(root).list_runs(), expected)
    with sqlite3.connect(root / "index.sqlite") as conn:  # and the file was replaced, healed
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM runs WHERE run_id = 'x'").fetchone()[0] == 0
    conn.close()


def test_core_ls_exits_0_on_a_damaged_index(pristine) -> None:
    root, data, expected = pristine
    _damaged(root, data, _cell_area(data, _runs_pages(root)[0]).start + 40, 0xFF)
    env = {**os.environ, "LESIONLAB_STORE": str(root), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "core", "ls"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    listed = [line.split()[0] for line in done.stdout.splitlines()[1:] if line.strip()]
    assert sorted(r for r in listed if len(r) == 20) == sorted(expected["run_id"])
    assert "NaN" not in done.stdout and "<NA>" not in done.stdout  # no phantom NULL row


def test_an_index_that_cannot_be_rebuilt_is_listed_from_the_folders(pristine) -> None:
    """Damage plus no way to write a new index (here tmp/, where rebuilds are built, is a file:
    the same error as a read-only or full disk): the runs are listed from the folders, unsaved,
    instead of an error on every page."""
    root, data, expected = pristine
    store = ResultsStore(root)
    _damaged(root, data, _cell_area(data, _runs_pages(root)[0]).start + 40, 0xFF)
    damaged = (root / "index.sqlite").read_bytes()
    tmp = root / "tmp"
    tmp.rename(root / "tmp-aside")
    tmp.write_text("in the way")
    try:
        pd.testing.assert_frame_equal(store.list_runs(), expected)
        assert (root / "index.sqlite").read_bytes() == damaged  # listed, not saved
    finally:
        tmp.unlink()
        (root / "tmp-aside").rename(tmp)
