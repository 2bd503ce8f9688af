"""A stored model loads in a fresh process, where nothing has registered the custom layers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.store import ResultsStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_stored_registry_model_loads_in_a_fresh_process(trained_store: ResultsStore):
    run_id = trained_store.list_runs()["run_id"].iloc[0]
    code = (
        "import sys; from pathlib import Path; from core.store import ResultsStore; "
        f"m = ResultsStore(Path({str(trained_store.root)!r})).get({run_id!r}).load_model(); "
        "print(m.layers[1].__class__.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env={"TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "ImagePreprocessing" in out.stdout
