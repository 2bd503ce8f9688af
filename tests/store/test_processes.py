"""Real processes: a writer SIGKILLed mid-commit, two processes racing for one run, dead holders.

Nothing is simulated: children are fresh interpreters, the kill is a real SIGKILL, and the
locks are the kernel's.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

from core.store import ResultsStore, StoreError, run_id
from tests.store import factories as f
from tests.store.factories import start_python, wait_for

PAUSED_WRITER = """
import sys, time
from pathlib import Path
from core.store import ResultsStore, run_id
from tests.store import factories as f

class PausesBeforeRename(ResultsStore):
    def _publish(self, folder, target):
        Path(sys.argv[2]).write_text(str(folder))
        time.sleep(600)

ident = f.identity(seed=99)
PausesBeforeRename(Path(sys.argv[1])).commit(
    run_id(ident), ident, f.record(), f.predictions(), f.history(), None)
"""


def test_writer_killed_before_rename_leaves_no_trace(store: ResultsStore, tmp_path: Path) -> None:
    f.commit_sample(store)  # an existing run, to show the index is left as it was
    before = store.list_runs()
    ident = f.identity(seed=99)
    rid = run_id(ident)
    signal_file = tmp_path / "paused"
    child = start_python(PAUSED_WRITER, str(store.root), str(signal_file))
    try:
        wait_for(signal_file, child)
        leftover = Path(signal_file.read_text())
        # Really between "all files written" and "rename": the manifest is already there.
        assert (leftover / "manifest.json").is_file()
        assert leftover.parent == store.root / "tmp"
        assert store.cleanup(max_age_s=0) == []  # a live writer's folder is never removed
        assert leftover.is_dir()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    assert not store.has(rid)
    pd.testing.assert_frame_equal(store.list_runs(), before)
    with pytest.raises(KeyError):
        store.get(rid)
    assert leftover.is_dir()  # ignored by readers until cleaned

    run = store.commit(rid, ident, f.record(), f.predictions(), f.history(), None)
    pd.testing.assert_frame_equal(run.predictions(), f.predictions())
    assert store.cleanup(max_age_s=0) == [leftover]
    assert list((store.root / "tmp").iterdir()) == []
    assert len(store.list_runs()) == 2


RACER = """
import sys, time
from pathlib import Path
from core.store import ResultsStore, run_id
from tests.store import factories as f

root, me, work_log, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
store = ResultsStore(root)
ident = f.identity(seed=7)
rid = run_id(ident)
Path(f"{go}.{me}.ready").touch()
while not go.exists():
    time.sleep(0.005)
with store.claim(rid) as claim:
    if store.has(rid):
        print("reused", store.get(rid).record["summary"]["test_auc"], claim.waited_s)
    else:
        with work_log.open("a") as fh:
            fh.write(me + "\\n")
        time.sleep(0.5)  # "training": the other process must be blocked meanwhile
        store.commit(rid, ident, f.record(), f.predictions(), f.history(), None)
        print("trained")
"""


def test_two_processes_same_key_train_once(store: ResultsStore, tmp_path: Path) -> None:
    work_log, go = tmp_path / "trained.log", tmp_path / "go"
    children = [start_python(RACER, str(store.root), name, str(work_log), str(go))
                for name in ("a", "b")]
    for name, child in zip(("a", "b"), children):
        wait_for(Path(f"{go}.{name}.ready"), child)
    go.touch()
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        outputs.append(out.split())
    assert len(work_log.read_text().split()) == 1  # exactly one did the work
    assert sorted(o[0] for o in outputs) == ["reused", "trained"]
    reused = next(o for o in outputs if o[0] == "reused")
    assert float(reused[1]) == 0.81 and float(reused[2]) > 0.2  # it waited for the trainer
    assert len(store.list_runs()) == 1


HOLDER = """
import sys, time
from pathlib import Path
from core.store import ResultsStore
with ResultsStore(Path(sys.argv[1])).claim(sys.argv[2]):
    Path(sys.argv[3]).touch()
    time.sleep(600)
"""


def test_claim_times_out_then_dead_holder_releases(store: ResultsStore, tmp_path: Path) -> None:
    rid = run_id(f.identity())
    held = tmp_path / "held"
    child = start_python(HOLDER, str(store.root), rid, str(held))
    try:
        wait_for(held, child)
        start = time.monotonic()
        with pytest.raises(StoreError, match=r"Timed out.*another process") as info:
            with store.claim(rid, timeout=0.3):
                pass
        assert 0.3 <= time.monotonic() - start < 5
        assert f"{rid}.lock" in str(info.value)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    with store.claim(rid, timeout=10) as claim:  # the kernel dropped the dead holder's lock
        assert claim.run_id == rid and claim.waited_s < 10
