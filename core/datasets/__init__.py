"""The data layer's public API: declare, load, split, check and fingerprint a dataset.

Importing it never imports TensorFlow (the dashboard lists and checks datasets long before
any model is built); the tf.data pipeline lives in ``core.datasets.pipeline``.

Typical use::

    ds = load_dataset("busi")                     # a name from datasets.toml, or a DatasetSpec
    splits = assign_splits(ds, SplitConfig(seed=0))
    report = check_dataset(ds, splits)
    key = split_fingerprint(ds, splits)           # what the results cache is keyed by
"""

from __future__ import annotations

from pathlib import Path

from core.datasets.check import DatasetCheck, check_dataset
from core.datasets.errors import DatasetError
from core.datasets.fingerprint import dataset_fingerprint, split_fingerprint
from core.datasets.loaders import load
from core.datasets.registry import get_spec, load_registry, remove_spec, save_spec
from core.datasets.spec import DatasetSpec
from core.datasets.splits import SplitConfig, assign_splits, split_counts
from core.datasets.table import LoadedDataset

__all__ = [
    "DatasetCheck",
    "DatasetError",
    "DatasetSpec",
    "LoadedDataset",
    "SplitConfig",
    "assign_splits",
    "check_dataset",
    "dataset_fingerprint",
    "get_spec",
    "load_dataset",
    "load_registry",
    "remove_spec",
    "save_spec",
    "split_counts",
    "split_fingerprint",
]


def load_dataset(
    name_or_spec: str | DatasetSpec, registry_path: Path | None = None
) -> LoadedDataset:
    """Load a dataset by its registry name (``"demo"`` is built in) or from a spec."""
    if isinstance(name_or_spec, DatasetSpec):
        spec = name_or_spec
    else:
        spec = get_spec(str(name_or_spec), registry_path)
    return load(spec)
