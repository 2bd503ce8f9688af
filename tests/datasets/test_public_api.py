"""The data layer's public API: complete, and importable without TensorFlow or Streamlit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import core.datasets as api
from tests.datasets.builders import class_folders

REPO = Path(__file__).resolve().parents[2]


def test_import_pulls_in_neither_tensorflow_nor_streamlit():
    code = ("import sys, core.datasets; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'streamlit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_public_names():
    expected = {"DatasetSpec", "DatasetError", "LoadedDataset", "SplitConfig", "assign_splits",
                "split_counts", "check_dataset", "dataset_fingerprint", "split_fingerprint",
                "load_registry", "save_spec", "load_dataset"}
    assert expected <= set(api.__all__)
    assert all(hasattr(api, name) for name in api.__all__)


def test_load_dataset_takes_a_spec_or_a_registry_name(tmp_path):
    root = class_folders(tmp_path / "d", {"benign": 2, "malignant": 2})
    spec = api.DatasetSpec(name="mine", kind="folders", path=str(root))
    registry = tmp_path / "datasets.toml"
    api.save_spec(spec, registry)

    by_spec = api.load_dataset(spec)
    by_name = api.load_dataset("mine", registry_path=registry)

    assert by_spec.table.equals(by_name.table)
    assert isinstance(by_spec, api.LoadedDataset)
