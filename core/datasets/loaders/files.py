"""File-system helpers shared by the folder-based loaders."""

from __future__ import annotations

import os
from pathlib import Path

from core.datasets.errors import DatasetError
from core.datasets.labels import named

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})


def is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_EXTENSIONS and not path.name.startswith(".")


def require_dir(path: Path, what: str, fix: str, setting: str = "path",
                kind: str | None = None) -> Path:
    """``path`` if it is a folder. A path to nothing is most often a typo or a drive not
    mounted, so its fix names the form's field to check; ``fix`` is for a file in its place."""
    if not path.exists():
        raise DatasetError(f"{what} does not exist.", where=path,
                           fix=f"check the path in {named(setting, kind)}: nothing is there "
                           "(a typo, a moved folder, or a drive that is not mounted?)")
    if not path.is_dir():
        raise DatasetError(f"{what} is not a folder.", where=path, fix=fix)
    return path


#: Folders that archive tools add and that are never classes or patients.
IGNORED_DIRS = frozenset({"__MACOSX"})


def subdirs(path: Path) -> list[Path]:
    """Visible sub-folders, sorted; hidden folders and ``__MACOSX`` (left by unzipping a Mac
    archive) are skipped so they are not taken for a class or a patient."""
    return sorted(
        p for p in path.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name not in IGNORED_DIRS
    )


def walk_images(root: Path) -> list[Path]:
    """Every image below ``root``, sorted, without following symlinked folders.

    ``os.walk`` with ``followlinks=False`` cannot loop on a symlink cycle; symlinked *files*
    are kept (a common way to assemble a dataset without copying).
    """
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d not in IGNORED_DIRS
        )
        base = Path(dirpath)
        found.extend(base / f for f in sorted(filenames) if is_image(base / f))
    return found


def images_in(folder: Path) -> list[Path]:
    """Images directly or below ``folder`` (class folders may have sub-folders)."""
    return walk_images(folder)


def relative_id(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
