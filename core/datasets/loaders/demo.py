"""``demo`` kind: the embedded SYNTHETIC dataset, generated on first use, then read as IDC.

Built in (never declared through the form) and the one kind that needs no path: without one
it is generated under :func:`core.config.demo_root`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from core.datasets.kind import DatasetKind
from core.datasets.loaders.idc import load_idc

if TYPE_CHECKING:
    # Annotation only: the spec's fields come from the kinds (core.datasets.kind), so
    # importing it here at run time would be an import cycle.
    from core.datasets.spec import DatasetSpec
    from core.datasets.table import LoadedDataset


def load_demo(spec: DatasetSpec) -> LoadedDataset:
    """The embedded synthetic dataset: generated on first use, then read as IDC patches."""
    from core import config
    from core.datasets.demo import generate_demo

    root = generate_demo(spec.root if spec.path else config.demo_root())
    return load_idc(replace(spec, path=str(root)), synthetic=True)


KIND = DatasetKind("demo", load_demo, declarable=False, needs_path=False)
