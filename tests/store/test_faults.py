"""Environment faults: unwritable roots and a full disk give one clear error, nothing visible."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from core.store import ResultsStore, StoreError, run_id
from core.store.errors import os_error
from tests.store import factories as f
from tests.store.factories import start_python


def test_root_under_a_regular_file(tmp_path: Path) -> None:
    blocker = tmp_path / "results.txt"
    blocker.write_text("not a folder")
    root = blocker / "store"
    with pytest.raises(StoreError) as info:
        ResultsStore(root)
    message = str(info.value)
    assert str(blocker) in message and "LESIONLAB_STORE" in message and "in the way" in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_root(tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="Permission denied.*writable"):
            ResultsStore(parent / "store")
    finally:
        parent.chmod(0o700)


def test_disk_full_message_from_a_real_enospc() -> None:
    with pytest.raises(OSError) as info:
        with open("/dev/full", "wb", buffering=0) as fh:
            fh.write(b"x")
    assert info.value.errno == errno.ENOSPC
    err = os_error(info.value, "write run abc", "/some/store")
    assert "Not enough disk space" in str(err) and "/some/store" in str(err)
    assert "LESIONLAB_STORE" in str(err) and "nothing was half-written" in str(err)


FILE_SIZE_LIMITED = """
import resource, signal, sys
from pathlib import Path
from core.store import ResultsStore, StoreError, run_id
from tests.store import factories as f

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
store = ResultsStore(Path(sys.argv[1]))
big = Path(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))
ident = f.identity()
try:
    store.commit(run_id(ident), ident, f.record(), f.predictions(), f.history(), None,
                 {"big.bin": big})
except StoreError as exc:
    print(exc)
    sys.exit(3)
"""


def test_no_space_mid_commit_leaves_nothing(store: ResultsStore, tmp_path: Path) -> None:
    """The child may write at most 256 KiB per file; the 1 MiB extra file cannot fit."""
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(1 << 20))
    child = start_python(FILE_SIZE_LIMITED, str(store.root), str(big))
    out, err = child.communicate(timeout=60)
    assert child.returncode == 3, err
    assert "Not enough disk space" in out and str(store.root) in out and "Fix:" in out

    ident = f.identity()
    assert not store.has(run_id(ident)) and store.list_runs().empty
    assert list((store.root / "tmp").iterdir()) == []
    run = store.commit(run_id(ident), ident, f.record(), f.predictions(), f.history(), None,
                       {"big.bin": big})
    assert run.file_path("big.bin").stat().st_size == 1 << 20
