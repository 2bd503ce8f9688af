"""Store upkeep: verifying every run (and remembering when), and the cleaning rule for leftovers.

The locks are the kernel's (a claim held in this process blocks the cleaner exactly as one held
by a trainer in another process would: ``flock`` locks belong to open files, not processes).
"""

from __future__ import annotations

import json
import os
import time

import pandas as pd

from core.store import ResultsStore
from core.store.fsutil import ScratchDir
from core.store.maintenance import (
    FAILED_FILE, FAILED_SCRATCH_AGE_S, VERIFIED_FILE, clean_store, delete_corrupt, describe,
    last_verified, verification_line, verify_store,
)
from tests.store import factories as f


def _truncate(path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def test_verify_checks_every_run_and_records_when(store: ResultsStore) -> None:
    good, bad = f.commit_sample(store), f.commit_sample(store, seed=2)
    assert verification_line(store, [good.run_id]).startswith("last verified: never")
    data = bytearray((bad.path / "history.parquet").read_bytes())
    data[len(data) // 2] ^= 0x01  # same size: only a full sha256 check can see it
    (bad.path / "history.parquet").write_bytes(bytes(data))
    assert set(store.list_runs()["status"]) == {"ok"}  # listing checks sizes only

    table = verify_store(store).set_index("run_id")
    assert table.loc[good.run_id, "status"] == "ok" and table.loc[bad.run_id, "status"] == "corrupt"
    assert "history.parquet" in table.loc[bad.run_id, "problem"]
    assert "sha256" in table.loc[bad.run_id, "problem"]
    assert pd.isna(table.loc[good.run_id, "problem"])

    last = last_verified(store)
    assert last is not None and last.statuses == {good.run_id: "ok", bad.run_id: "corrupt"}
    line = verification_line(store, [good.run_id, bad.run_id])
    assert line.startswith("last verified: ") and "2 run(s): 1 ok, 1 corrupt" in line
    newer = f.commit_sample(store, seed=3)
    line = verification_line(store, [good.run_id, bad.run_id, newer.run_id])
    assert "1 run(s) stored since then are not verified yet" in line

    assert delete_corrupt(store, verify_store(store)) == [bad.run_id]
    assert not store.has(bad.run_id) and store.has(good.run_id)
    assert set(verify_store(store)["status"]) == {"ok"}


def test_a_damaged_verification_file_reads_as_never(store: ResultsStore) -> None:
    f.commit_sample(store)
    verify_store(store)
    (store.root / VERIFIED_FILE).write_text('{"verified_at": 3')
    assert last_verified(store) is None
    assert verification_line(store, []).startswith("last verified: never")
    assert not list(store.tmp_dir.iterdir())  # the atomic write left nothing behind


def _scratch(store: ResultsStore, rid: str, failed_age_s: float | None = None):
    work = store.work_dir(rid)
    (work / "history.csv").write_text("epoch,loss\n0,0.5\n")
    if failed_age_s is not None:
        store.record_failure(rid, RuntimeError("the training loss became NaN"))
        then = time.time() - failed_age_s
        os.utime(work / FAILED_FILE, (then, then))
    return work


def _ids(n: int) -> list[str]:
    from core.store import run_id

    return [run_id(f.identity(seed=100 + i)) for i in range(n)]


def test_clean_removes_only_what_no_one_can_need(store: ResultsStore) -> None:
    stored = f.commit_sample(store)
    failed, interrupted, training = _ids(3)
    stored_work = _scratch(store, stored.run_id)
    failed_work = _scratch(store, failed, failed_age_s=60)
    assert json.loads((failed_work / FAILED_FILE).read_text())["error"].startswith("RuntimeError")
    interrupted_work = _scratch(store, interrupted)
    training_work = _scratch(store, training, failed_age_s=10 * FAILED_SCRATCH_AGE_S)
    dead = store.tmp_dir / "0123456789abcdef0123-x"
    dead.mkdir()
    live = ScratchDir(store.tmp_dir, "live-")  # a commit in progress: its writer holds a flock
    try:
        with store.claim(training):
            report = {e.path: e for e in clean_store(store)}
        assert not stored_work.exists() and not failed_work.exists() and not dead.exists()
        assert interrupted_work.is_dir() and training_work.is_dir() and live.path.is_dir()
        assert report[training_work].reason == "its run is being trained now"
        assert "resumes" in report[interrupted_work].reason and not report[interrupted_work].removed
        rows = describe(list(report.values()), store.root)
        assert {"path": "tmp/0123456789abcdef0123-x", "action": "removed",
                "why": "left in tmp/ by a process that died"} in rows

        report = {e.path: e for e in clean_store(store, resumable=True)}
        assert not interrupted_work.exists() and report[interrupted_work].removed
        assert not training_work.exists()  # its claim is free now, and its failure a record
        assert live.path.is_dir()
    finally:
        live.discard()


def test_every_commit_applies_the_safe_part_of_the_rule(store: ResultsStore) -> None:
    first = f.commit_sample(store)
    fresh_failure, old_failure, interrupted = _ids(3)
    stored_work = _scratch(store, first.run_id)
    fresh = _scratch(store, fresh_failure, failed_age_s=60)
    old = _scratch(store, old_failure, failed_age_s=FAILED_SCRATCH_AGE_S + 60)
    resumable = _scratch(store, interrupted)
    f.commit_sample(store, seed=5)
    assert not stored_work.exists() and not old.exists()
    assert fresh.is_dir() and resumable.is_dir()


def test_a_new_attempt_owns_the_scratch(store: ResultsStore) -> None:
    (rid,) = _ids(1)
    work = _scratch(store, rid, failed_age_s=60)
    assert (work / FAILED_FILE).is_file()
    assert store.work_dir(rid) == work and not (work / FAILED_FILE).exists()
    assert (work / "history.csv").is_file()  # the checkpoints stay: the attempt resumes
    clean_store(store)
    assert work.is_dir()  # an interrupted attempt now, not a failed one
