"""One loader per dataset kind; :func:`load` dispatches on ``spec.kind``."""

from __future__ import annotations

from core.datasets.loaders.breakhis import load_breakhis
from core.datasets.loaders.csv_table import load_csv
from core.datasets.loaders.folders import load_folders
from core.datasets.loaders.idc import load_idc
from core.datasets.loaders.medmnist import load_medmnist
from core.datasets.spec import DatasetSpec
from core.datasets.table import LoadedDataset


def load_demo(spec: DatasetSpec) -> LoadedDataset:
    """The embedded synthetic dataset: generated on first use, then read as IDC patches."""
    from dataclasses import replace

    from core import config
    from core.datasets.demo import generate_demo

    root = generate_demo(spec.root if spec.path else config.demo_root())
    return load_idc(replace(spec, path=str(root)), synthetic=True)


LOADERS = {
    "folders": load_folders,
    "csv": load_csv,
    "idc": load_idc,
    "breakhis": load_breakhis,
    "medmnist": load_medmnist,
    "demo": load_demo,
}


def load(spec: DatasetSpec) -> LoadedDataset:
    return LOADERS[spec.kind](spec)
