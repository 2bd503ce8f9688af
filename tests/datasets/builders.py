"""Tiny datasets in the real layouts of the seed papers, written by the tests themselves.

Every image is a few pixels of seeded noise, unique per file name unless a test asks for a
copy, so that duplicate detection finds only the duplicates a test planted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".tif": "TIFF", ".tiff": "TIFF",
           ".bmp": "BMP"}


def pixels(key: str, size: int = 8, channels: int = 3) -> np.ndarray:
    """Deterministic noise that differs for every ``key``."""
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
    shape = (size, size, channels) if channels > 1 else (size, size)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def write_image(path: Path, key: str | None = None, size: int = 8, mode: str = "RGB") -> Path:
    """One small image; the format follows the extension."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = pixels(key or path.name, size, 1 if mode == "L" else 3)
    Image.fromarray(data, mode=mode).save(path, format=FORMATS[path.suffix.lower()])
    return path


def class_folders(root: Path, counts: dict[str, int], ext: str = ".png") -> Path:
    """``root/<class>/<class>_<i><ext>`` (Keras flow_from_directory, BUSI)."""
    for cls, n in counts.items():
        for i in range(n):
            write_image(root / cls / f"{cls}_{i}{ext}")
    return root


def presplit_folders(root: Path, layout: dict[str, dict[str, int]], ext: str = ".png") -> Path:
    """``root/<split>/<class>/*`` (the melanoma / BreakHis Keras studies)."""
    for split, counts in layout.items():
        for cls, n in counts.items():
            for i in range(n):
                write_image(root / split / cls / f"{split}_{cls}_{i}{ext}")
    return root


def write_csv(path: Path, frame: pd.DataFrame, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(frame.to_csv(index=False).encode(encoding))
    return path


def isic_dataset(root: Path, n_patients: int = 12, per_patient: int = 3) -> pd.DataFrame:
    """ISIC 2020 layout: ``train.csv`` (image_name, patient_id, sex, age_approx,
    anatom_site_general_challenge, benign_malignant) + ``train/<image_name>.jpg``."""
    rows = []
    for p in range(n_patients):
        for j in range(per_patient):
            name = f"ISIC_{p:03d}{j:04d}"
            malignant = p % 3 == 0 and j == 0
            rows.append({
                "image_name": name,
                "patient_id": f"IP_{p:07d}",
                "sex": "female" if p % 2 else "male",
                "age_approx": str(30 + p),
                "anatom_site_general_challenge": ["torso", "head/neck", "lower extremity"][j % 3],
                "benign_malignant": "malignant" if malignant else "benign",
            })
            write_image(root / "train" / f"{name}.jpg")
    frame = pd.DataFrame(rows)
    write_csv(root / "train.csv", frame)
    return frame


def birads_dataset(root: Path, n_patients: int = 10) -> pd.DataFrame:
    """A mammography export (INbreast-like): ``labels.csv`` with a relative ``file`` path,
    ``birads`` 1-6, ``patient_id``, ``laterality``, ``view``; images in ``images/``."""
    rows = []
    for p in range(n_patients):
        for view in ("CC", "MLO"):
            file = f"images/{p:04d}_{view}.png"
            rows.append({"file": file, "birads": str(p % 6 + 1), "patient_id": f"P{p:03d}",
                         "laterality": "L" if p % 2 else "R", "view": view})
            write_image(root / file, mode="L")
    frame = pd.DataFrame(rows)
    write_csv(root / "labels.csv", frame)
    return frame


def idc_dataset(root: Path, patients: dict[str, tuple[int, int]]) -> Path:
    """Kaggle IDC: ``root/<pid>/<0|1>/<pid>_idx5_x<X>_y<Y>_class<c>.png``;
    ``patients`` maps an id to (benign, malignant) patch counts."""
    for pid, (n_benign, n_malignant) in patients.items():
        for label, n in ((0, n_benign), (1, n_malignant)):
            for i in range(n):
                name = f"{pid}_idx5_x{50 * i + 1}_y{100 * label + 51}_class{label}.png"
                write_image(root / pid / str(label) / name)
    return root


BREAKHIS_PATIENTS = {
    # (tumour, subtype code, subtype folder, patient)
    ("B", "A", "adenosis", "14-22549AB"),
    ("B", "F", "fibroadenoma", "14-9133"),
    ("B", "TA", "tubular_adenoma", "14-3411F"),
    ("M", "DC", "ductal_carcinoma", "14-2523"),
    ("M", "LC", "lobular_carcinoma", "14-12204"),
    ("M", "MC", "mucinous_carcinoma", "14-13418DE"),
}


def breakhis_dataset(root: Path, per_patient: int = 2) -> Path:
    """BreaKHis_v1 tree plus the official ``Folds.csv`` (fold, mag, grp, filename) with
    five patient-wise folds; returns the folder to declare (``root``)."""
    rows = []
    patients = sorted(BREAKHIS_PATIENTS)
    for index, (tumor, code, folder, patient) in enumerate(patients):
        kind = "benign" if tumor == "B" else "malignant"
        for mag in (40, 100):
            for seq in range(1, per_patient + 1):
                name = f"SOB_{tumor}_{code}-{patient}-{mag}-{seq:03d}.png"
                rel = (f"BreaKHis_v1/histology_slides/breast/{kind}/SOB/{folder}/"
                       f"SOB_{tumor}_{code}_{patient}/{mag}X/{name}")
                write_image(root / rel)
                for fold in range(1, 6):
                    # Patient-wise: in fold f, patients with index % 3 == f % 3 are test.
                    grp = "test" if index % 3 == fold % 3 else "train"
                    rows.append({"fold": fold, "mag": mag, "grp": grp, "filename": rel})
    write_csv(root / "Folds.csv", pd.DataFrame(rows))
    return root


def medmnist_npz(path: Path, sizes=(30, 8, 10), *, column_labels: bool = False,
                 grayscale: bool = True, side: int = 6) -> Path:
    """A MedMNIST-style ``.npz``: ``{train,val,test}_{images,labels}``, label 0 in about a
    third of the images (like BreastMNIST's malignant class)."""
    rng = np.random.default_rng(len(sizes) + sum(sizes))
    arrays = {}
    for split, n in zip(("train", "val", "test"), sizes):
        shape = (n, side, side) if grayscale else (n, side, side, 3)
        arrays[f"{split}_images"] = rng.integers(0, 256, shape, dtype=np.uint8)
        labels = (np.arange(n) % 3 != 0).astype(np.uint8)  # 0 for every third image
        arrays[f"{split}_labels"] = labels[:, None] if column_labels else labels
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **arrays)
    return path


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder below ``root`` with size and mtime: compare before and after to
    prove that nothing was written inside a dataset."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.stat()
        out[p.relative_to(root).as_posix()] = (st.st_size if p.is_file() else -1,
                                               st.st_mtime_ns)
    return out
