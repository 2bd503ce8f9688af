"""Keep every file a dataset loader reads inside the dataset folder.

A declaration names files (``csv``, ``image_dir``, ``folds_csv``, the images a table lists or a
folder holds). Unchecked, ``csv = "/etc/passwd"``, ``csv = "../../x/.env"`` or a
``labels.csv`` that is a symbolic link to either would be read, and the loader's error ("column
'label' not found; the CSV has: root:x:0:0:...") would show the file's first line on the
Datasets page. So each path is resolved (``os.path.realpath``: ``..`` and every link in it)
and must lie inside the resolved dataset folder before anything is opened. A dataset deliberately
assembled from links to elsewhere declares ``allow_outside = true``.

The image check runs once per load over every listed file; it resolves each folder once and
only the files that are themselves links, so it costs one ``lstat`` per image.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from core.datasets.errors import DatasetError
from core.datasets.quoting import shown

if TYPE_CHECKING:
    # Annotation only: the spec's fields come from the kinds (core.datasets.kind), so
    # importing it here at run time would be an import cycle.
    from core.datasets.spec import DatasetSpec

ALLOW_FIX = ("or, if files outside are intended (e.g. a dataset assembled from links), add "
             "allow_outside = true to the dataset's declaration")


def confined(spec: DatasetSpec, declared: str, setting: str) -> Path:
    """The file or folder a setting names (relative to the dataset folder, or absolute),
    refused with one DatasetError unless it resolves inside the dataset folder."""
    path = spec.resolve(declared)
    if spec.allow_outside:
        return path
    base = os.path.realpath(spec.root)
    target = os.path.realpath(path)
    if target != base and not target.startswith(_as_folder(base)):
        raise DatasetError(
            f"{setting} = {shown(declared)} of dataset {shown(spec.name)} lies outside the "
            "dataset folder (after resolving '..' and links); Lesionlab does not read it.",
            where=spec.root,
            fix=f"move the file into the dataset folder and name it relative to it, {ALLOW_FIX}",
        )
    return path


def require_files_inside(spec: DatasetSpec, paths: Iterable[str], ids: Iterable[str]) -> None:
    """Refuse the dataset if any listed image resolves outside its folder (a link to a file
    elsewhere, or an image in a linked folder). Empty paths (array-backed samples) pass."""
    if spec.allow_outside or not spec.path:
        return
    base = _as_folder(os.path.realpath(spec.root))
    folders: dict[str, str] = {}
    outside: list[str] = []
    for path, sample_id in zip(paths, ids):
        if not path:
            continue
        folder, name = os.path.split(path)
        real_folder = folders.get(folder)
        if real_folder is None:
            real_folder = folders[folder] = os.path.realpath(folder)
        target = os.path.realpath(path) if os.path.islink(path) else os.path.join(real_folder,
                                                                                  name)
        if not target.startswith(base):
            outside.append(sample_id)
    if outside:
        raise DatasetError(
            f"{len(outside)} image(s) of dataset {shown(spec.name)} lie outside its folder "
            f"once links are resolved (first: {shown(outside[0])}); Lesionlab does not read "
            "them.",
            where=spec.root,
            fix=f"copy the images into the dataset folder instead of linking them, {ALLOW_FIX}",
        )


def _as_folder(path: str) -> str:
    return path if path.endswith(os.sep) else path + os.sep
