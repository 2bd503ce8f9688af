"""A second synthetic "site" for the demo: another cohort with a documented acquisition shift.

External validation needs a second collection; on a fresh machine there is only the built-in
demo. This writes one: the demo generator with another seed (other synthetic patients), every
patch then re-rendered with its contrast lowered to :data:`CONTRAST` and its colour saturation
raised to :data:`SATURATION` (Pillow's ``ImageEnhance``), as a different stain batch and
scanner would, and declares it in the datasets registry (kind ``idc``). THE IMAGES ARE
SYNTHETIC, like the demo's; by default as many as the demo's (40 patients x 50 patches).

    python -m core.external.demo_site FOLDER [--name demo_site_b] [--patients 40]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from PIL import Image, ImageEnhance

from core.datasets import DatasetSpec, save_spec
from core.datasets.demo import (DEFAULT_N_PATIENTS, DEFAULT_PATCHES_PER_PATIENT,
                                generate_demo)

__all__ = ["CONTRAST", "SATURATION", "SEED", "make_shifted_site", "shift"]

CONTRAST = 0.6
SATURATION = 1.4
SEED = 11


def shift(image: Image.Image) -> Image.Image:
    """The second site's acquisition shift: lower contrast, stronger colour."""
    image = ImageEnhance.Contrast(image.convert("RGB")).enhance(CONTRAST)
    return ImageEnhance.Color(image).enhance(SATURATION)


def make_shifted_site(base: Path, name: str = "demo_site_b", *,
                      n_patients: int = DEFAULT_N_PATIENTS,
                      patches: int = DEFAULT_PATCHES_PER_PATIENT, seed: int = SEED) -> str:
    """Write the shifted cohort under ``base/name``, declare it as ``name``, return the name."""
    raw = generate_demo(Path(base) / f"{name}_unshifted", seed=seed, n_patients=n_patients,
                        patches_per_patient=patches)
    root = Path(base) / name
    shutil.rmtree(root, ignore_errors=True)
    for src in raw.rglob("*.png"):
        dst = root / src.relative_to(raw)
        dst.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(src) as image:
            shift(image).save(dst)
    save_spec(DatasetSpec(name=name, kind="idc", path=str(root.resolve()),
                          positive_class="malignant",
                          description=f"SYNTHETIC second site: demo generator seed {seed}, "
                          f"contrast x{CONTRAST}, saturation x{SATURATION}"), replace=True)
    return name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.external.demo_site",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--name", default="demo_site_b")
    parser.add_argument("--patients", type=int, default=DEFAULT_N_PATIENTS)
    parser.add_argument("--patches", type=int, default=DEFAULT_PATCHES_PER_PATIENT,
                        help="patches per patient")
    args = parser.parse_args(argv)
    name = make_shifted_site(args.folder, args.name, n_patients=args.patients,
                             patches=args.patches)
    print(f"declared dataset {name!r} in {args.folder / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
