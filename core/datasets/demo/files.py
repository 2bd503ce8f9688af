"""Writing the demo dataset: atomic, idempotent, verified by a completion marker.

Everything goes into a temporary sibling directory, the marker ``DEMO_COMPLETE.json``
(parameters, :data:`~core.datasets.demo.plan.DEMO_VERSION`, checksum) is written last, and the
directory is renamed into place. A later call with the same parameters finds the marker and
does nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

from core.datasets.demo.plan import (
    DEFAULT_N_PATIENTS,
    DEFAULT_PATCHES_PER_PATIENT,
    DEFAULT_SEED,
    DEMO_VERSION,
    DemoPatch,
    check_params,
    plan_demo,
)
from core.datasets.demo.texture import render_patient

MARKER_NAME = "DEMO_COMPLETE.json"
_MARKER_FORMAT = "lesionlab-demo"

#: A patch path relative to the dataset root, exactly as in the IDC dataset.
PATCH_NAME_RE = re.compile(
    r"^(?P<pid>\d+)/(?P<label>[01])/(?P=pid)_idx5_x(?P<x>\d+)_y(?P<y>\d+)_class(?P=label)\.png$"
)

_PNG_COMPRESS_LEVEL = 9
_STALE_TMP_SECONDS = 3600.0


def _png_bytes(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    # Fixed options and no metadata: identical pixels give identical bytes.
    Image.fromarray(pixels, mode="RGB").save(buf, format="PNG", compress_level=_PNG_COMPRESS_LEVEL)
    return buf.getvalue()


def _write_png(path: Path, data: bytes) -> None:
    """Write one image file (a seam for tests that simulate an interruption)."""
    path.write_bytes(data)


def _params(seed: int, n_patients: int, patches_per_patient: int) -> dict:
    return {
        "format": _MARKER_FORMAT,
        "version": DEMO_VERSION,
        "seed": int(seed),
        "n_patients": int(n_patients),
        "patches_per_patient": int(patches_per_patient),
    }


def _checksum(entries: list[tuple[str, str]]) -> str:
    h = hashlib.sha256()
    for rel, digest in sorted(entries):
        h.update(f"{rel}\0{digest}\n".encode())
    return h.hexdigest()


def read_marker(root: Path) -> dict | None:
    """The completion marker of ``root`` as a dict, or None if absent/unreadable."""
    try:
        data = json.loads((Path(root) / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == _MARKER_FORMAT else None


def is_demo_complete(
    root: Path,
    seed: int = DEFAULT_SEED,
    n_patients: int = DEFAULT_N_PATIENTS,
    patches_per_patient: int = DEFAULT_PATCHES_PER_PATIENT,
) -> bool:
    """Cheap check: the marker matches these parameters and the version, and the number of
    PNG files is right. :func:`verify_demo` also checks every file's content."""
    root = Path(root)
    marker = read_marker(root)
    if marker is None:
        return False
    want = _params(seed, n_patients, patches_per_patient)
    if any(marker.get(k) != v for k, v in want.items()):
        return False
    n_files = sum(1 for _ in root.glob("*/[01]/*.png"))
    return n_files == marker.get("n_patches") == n_patients * patches_per_patient


def verify_demo(root: Path) -> bool:
    """Full check: recompute the checksum over every file listed in the plan of the marker."""
    root = Path(root)
    marker = read_marker(root)
    if marker is None:
        return False
    try:
        plan = plan_demo(marker["seed"], marker["n_patients"], marker["patches_per_patient"])
        entries = [(str(p.relpath), hashlib.sha256((root / p.relpath).read_bytes()).hexdigest())
                   for p in plan]
    except (KeyError, TypeError, ValueError, OSError):
        return False
    found = {str(p.relative_to(root).as_posix()) for p in root.glob("*/[01]/*.png")}
    return found == {rel for rel, _ in entries} and _checksum(entries) == marker.get("checksum")


def _looks_like_demo(root: Path) -> bool:
    """True if everything in ``root`` is demo layout (so replacing it loses nothing else)."""
    for entry in root.iterdir():
        if entry.name == MARKER_NAME and entry.is_file():
            continue
        if not (entry.is_dir() and entry.name.isdigit()):
            return False
        for sub in entry.iterdir():
            if not (sub.is_dir() and sub.name in ("0", "1")):
                return False
            for f in sub.iterdir():
                rel = f"{entry.name}/{sub.name}/{f.name}"
                if not (f.is_file() and PATCH_NAME_RE.match(rel)):
                    return False
    return True


def _remove_stale_tmp(root: Path) -> None:
    """Remove temporary siblings left by a killed generation (old enough not to be live)."""
    now = time.time()
    for tmp in root.parent.glob(f".{root.name}.demo-tmp-*"):
        try:
            if now - tmp.stat().st_mtime > _STALE_TMP_SECONDS:
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError:
            pass


def generate_demo(
    root: Path,
    seed: int = DEFAULT_SEED,
    n_patients: int = DEFAULT_N_PATIENTS,
    patches_per_patient: int = DEFAULT_PATCHES_PER_PATIENT,
) -> Path:
    """Write the SYNTHETIC demo dataset into ``root`` (IDC layout) and return ``root``.

    Idempotent: if ``root`` already holds a complete dataset for the same parameters and
    :data:`DEMO_VERSION`, nothing is written. Atomic: the dataset is built in a temporary
    sibling directory, completed by ``DEMO_COMPLETE.json`` (written last), then renamed into
    place, so an interrupted run never leaves a complete-looking half dataset. An existing
    ``root`` is replaced only if it is empty or holds nothing but demo-layout files (e.g. a
    demo of other parameters); otherwise :class:`FileExistsError` is raised.
    """
    root = Path(root)
    check_params(seed, n_patients, patches_per_patient)
    if is_demo_complete(root, seed, n_patients, patches_per_patient):
        return root
    _refuse_foreign_root(root)

    root.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_tmp(root)
    tmp = root.parent / f".{root.name}.demo-tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        plan = plan_demo(seed, n_patients, patches_per_patient)
        entries, total_bytes = _write_patches(tmp, seed, plan)
        _write_marker(tmp, _params(seed, n_patients, patches_per_patient), plan, entries,
                      total_bytes)
        return _move_into_place(tmp, root, seed, n_patients, patches_per_patient)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _refuse_foreign_root(root: Path) -> None:
    """FileExistsError unless ``root`` is absent, empty, or demo layout only: generating must
    never replace a folder holding anything else."""
    if root.exists() and not root.is_dir():
        raise FileExistsError(f"{root} exists and is not a directory")
    if root.is_dir() and any(root.iterdir()) and not _looks_like_demo(root):
        raise FileExistsError(
            f"{root} is not empty and does not hold a demo dataset; refusing to overwrite it"
        )


def _write_patches(
    tmp: Path, seed: int, plan: list[DemoPatch]
) -> tuple[list[tuple[str, str]], int]:
    """Render and write every planned patch under ``tmp``, patient by patient (in plan order,
    which fixes each patient's random stream); returns (relpath, sha256) per file and the
    total bytes written."""
    by_patient: dict[str, list[DemoPatch]] = {}
    for patch in plan:
        by_patient.setdefault(patch.patient_id, []).append(patch)
    entries: list[tuple[str, str]] = []
    total_bytes = 0
    for index, (pid, patches) in enumerate(by_patient.items()):
        for label in (0, 1):
            (tmp / pid / str(label)).mkdir(parents=True, exist_ok=True)
        for patch, pixels in render_patient(seed, index, patches):
            data = _png_bytes(pixels)
            _write_png(tmp / patch.relpath, data)
            entries.append((str(patch.relpath), hashlib.sha256(data).hexdigest()))
            total_bytes += len(data)
    return entries, total_bytes


def _write_marker(tmp: Path, params: dict, plan: list[DemoPatch],
                  entries: list[tuple[str, str]], total_bytes: int) -> None:
    """The completion marker, written last and atomically: its presence means every file is
    there."""
    n_mal = sum(p.label for p in plan)
    marker = {
        **params,
        "synthetic": True,
        "description": "SYNTHETIC H&E-like breast tissue patches made by "
        "core.datasets.demo; not real patient data.",
        "layout": "<patient_id>/<0|1>/<patient_id>_idx5_x<X>_y<Y>_class<0|1>.png",
        "n_patches": len(plan),
        "n_malignant": n_mal,
        "n_benign": len(plan) - n_mal,
        "image_bytes": total_bytes,
        "checksum_algorithm": "sha256 of sorted '<relpath>\\0<sha256 of file>\\n' lines",
        "checksum": _checksum(entries),
    }
    marker_tmp = tmp / (MARKER_NAME + ".tmp")
    marker_tmp.write_text(json.dumps(marker, indent=2, sort_keys=True) + "\n",
                          encoding="utf-8")
    os.replace(marker_tmp, tmp / MARKER_NAME)


def _move_into_place(tmp: Path, root: Path, seed: int, n_patients: int,
                     patches_per_patient: int) -> Path:
    """Rename the finished ``tmp`` to ``root``. An old demo (other parameters/version) is moved
    aside first; a concurrent generation that finished first wins."""
    old = None
    if root.is_dir():
        if is_demo_complete(root, seed, n_patients, patches_per_patient):
            return root  # someone else finished first
        if any(root.iterdir()):
            old = root.parent / f".{root.name}.demo-tmp-old-{uuid.uuid4().hex[:8]}"
            os.replace(root, old)
        else:
            root.rmdir()
    try:
        os.replace(tmp, root)
    except OSError:
        if is_demo_complete(root, seed, n_patients, patches_per_patient):
            return root  # a concurrent generation won the race
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return root
