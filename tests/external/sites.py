"""Test datasets for external validation: a second demo "site" with an acquisition shift, and
a target that copies some of a run's training images.

The shift is documented so the README's reference can cite it: another synthetic cohort
(generator seed 11, other patients), then every patch with its contrast lowered to 60 % and its
colour saturation raised to 140 % (Pillow's ImageEnhance), as a different stain batch and
scanner would.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PIL import Image, ImageEnhance

from core.datasets import DatasetSpec, save_spec
from core.datasets.demo import generate_demo

CONTRAST = 0.6
SATURATION = 1.4


def shift(image: Image.Image) -> Image.Image:
    """The acquisition shift of the second site: lower contrast, stronger colour."""
    image = ImageEnhance.Contrast(image.convert("RGB")).enhance(CONTRAST)
    return ImageEnhance.Color(image).enhance(SATURATION)


def shifted_site(base: Path, name: str = "site_b", *, n_patients: int = 8,
                 patches: int = 20, seed: int = 11) -> str:
    """A second demo cohort with the shift applied to every patch, declared as ``name``."""
    raw = generate_demo(base / f"{name}_raw", seed=seed, n_patients=n_patients,
                        patches_per_patient=patches)
    root = base / name
    for src in raw.rglob("*.png"):
        dst = root / src.relative_to(raw)
        dst.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(src) as image:
            shift(image).save(dst)
    save_spec(DatasetSpec(name=name, kind="idc", path=str(root), positive_class="malignant"),
              replace=True)
    return name


def copying_site(base: Path, sources: list[str], extra: Path, name: str = "copies") -> str:
    """A folders dataset holding copies of ``sources`` (images that trained a run) beside the
    images under ``extra`` (an IDC tree): the overlap check must find exactly the copies."""
    root = base / name
    for i, src in enumerate(sources):
        label = "malignant" if src.endswith("class1.png") else "benign"
        (root / label).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, root / label / f"copy_{i}.png")
    for src in extra.rglob("*.png"):
        label = "malignant" if src.name.endswith("class1.png") else "benign"
        (root / label).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, root / label / src.name)
    save_spec(DatasetSpec(name=name, kind="folders", path=str(root),
                          positive_class="malignant"), replace=True)
    return name
