"""Training into a full disk: one clear error naming the folder, no crash, nothing stored.

The full disk is real: a 2 MB tmpfs mounted (in a private mount namespace, via ``unshare``) as
the store's root for one training process. Without the engine's DiskSpaceGuard, h5py hits
ENOSPC inside the epoch checkpoint and the process dies of a segmentation fault when the broken
file object is collected (measured), which in the app would take the server down.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

TRAIN = """
import json, sys
from pathlib import Path
from core.store import ResultsStore, StoreError
from core.training import RunSpec, train_run
store = ResultsStore(Path(sys.argv[1]))
spec = RunSpec("squares", "idc_own", overrides={"epochs": 2, "max_train_images": 16,
                                                 "batch_size": 8, "input_size": 32})
try:
    train_run(spec, store, registry_path=Path(sys.argv[2]))
except StoreError as exc:
    print("ERROR " + json.dumps({"message": str(exc), "fix": exc.fix, "where": exc.where,
                                 "runs": len(store.list_runs())}))
else:
    print("TRAINED")
"""


def _can_mount_private_tmpfs(where: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c",
                            f"mount -t tmpfs -o size=64k tmpfs {where}"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.slow
def test_a_full_disk_is_one_clear_error_without_a_crash(squares_registry, tmp_path):
    disk = tmp_path / "small_disk"
    disk.mkdir()
    if not _can_mount_private_tmpfs(disk):
        pytest.skip("cannot mount a private tmpfs here (needs unshare and user namespaces)")
    store_root = disk / "store"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "-1",
           "PYTHONPATH": str(ROOT)}
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    command = (f"mount -t tmpfs -o size=2m tmpfs {disk} && "
               f"exec {sys.executable} {script} {store_root} {squares_registry}")
    out = subprocess.run(["unshare", "-rm", "sh", "-c", command], cwd=ROOT,
                         capture_output=True, text=True, timeout=600, env=env)

    assert out.returncode == 0, out.stderr[-3000:]  # no segmentation fault, a normal exit
    line = next((l for l in out.stdout.splitlines() if l.startswith(("ERROR ", "TRAINED"))),
                None)
    assert line is not None and line.startswith("ERROR "), out.stdout[-2000:]
    error = json.loads(line[len("ERROR "):])
    assert "Not enough disk space" in error["message"] and "MB free" in error["message"]
    assert "LESIONLAB_STORE" in error["fix"]
    assert error["where"].startswith(str(store_root))
    assert error["runs"] == 0  # nothing half-written reached the store or its index
