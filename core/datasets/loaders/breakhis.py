"""``breakhis`` kind: BreakHis v1 (Spanhol et al. 2016).

Everything is parsed from the file name ``SOB_<B|M>_<subtype>-<yy>-<slide>-<mag>-<seq>.png``:
tumour class, one of 8 subtypes, the patient (``<yy>-<slide>``, the group: BreakHis has 82
patients and thousands of images each, so an image-level split leaks badly) and magnification.
When the official ``Folds.csv`` (columns fold, mag, grp, filename) is given, its train/test
assignment for the chosen fold is the official split; validation is then carved from train.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from core.datasets.confine import confined
from core.datasets.errors import DatasetError
from core.datasets.labels import named
from core.datasets.kind import Ask, DatasetKind, Setting, row
from core.datasets.quoting import shown_all
from core.datasets.loaders.csv_table import read_csv_strict
from core.datasets.loaders.files import relative_id, require_dir, walk_images
from core.datasets.table import LoadedDataset, finalize, normalize_split_name

if TYPE_CHECKING:
    # Annotation only: the spec's fields come from the kinds (core.datasets.kind), so
    # importing it here at run time would be an import cycle.
    from core.datasets.spec import DatasetSpec

NAME_RE = re.compile(
    r"^SOB_(?P<tumor>[BM])_(?P<subtype>[A-Z]+)-(?P<year>\d+)-(?P<slide>[0-9A-Za-z]+)"
    r"-(?P<mag>\d+)-(?P<seq>\d+)\.(?:png|jpg|jpeg|tif|tiff|bmp)$",
    re.I,
)
TUMOR = {"B": "benign", "M": "malignant"}
SUBTYPES = {
    "A": "adenosis",
    "F": "fibroadenoma",
    "PT": "phyllodes_tumor",
    "TA": "tubular_adenoma",
    "DC": "ductal_carcinoma",
    "LC": "lobular_carcinoma",
    "MC": "mucinous_carcinoma",
    "PC": "papillary_carcinoma",
}


def load_breakhis(spec: DatasetSpec) -> LoadedDataset:
    root = require_dir(spec.root, f"BreakHis folder of {spec.name!r}", "point path at BreaKHis_v1")
    if spec.label_level not in ("tumor", "subtype"):
        raise DatasetError(
            f"{named('label_level')} {spec.label_level!r} of {spec.name!r} is not tumor or "
            "subtype.",
            fix="choose tumor (benign/malignant) or subtype (8 classes)",
        )
    records = []
    for f in walk_images(root):
        match = NAME_RE.match(f.name)
        if not match:
            continue  # BreakHis folders also hold thumbnails and readme files
        subtype = SUBTYPES.get(match["subtype"].upper())
        if subtype is None:
            raise DatasetError(
                f"Unknown BreakHis subtype code {match['subtype']!r}.",
                where=f,
                fix=f"known codes: {', '.join(SUBTYPES)}",
            )
        tumor = TUMOR[match["tumor"].upper()]
        records.append(
            {
                "sample_id": relative_id(f, root),
                "path": str(f),
                "file_name": f.name,
                "raw_label": tumor if spec.label_level == "tumor" else subtype,
                "group": f"{match['year']}-{match['slide']}",
                "meta_magnification": f"{int(match['mag'])}X",
                "meta_subtype": subtype,
                "meta_tumor": tumor,
            }
        )
    if not records:
        raise DatasetError(
            "No BreakHis images (SOB_<B|M>_<subtype>-<yy>-<slide>-<mag>-<seq>.png) in "
            f"{spec.name!r}.",
            where=root,
            fix=f"check the path in {named('path', 'breakhis')}: it must be the BreaKHis_v1 "
            "folder",
        )
    rows = pd.DataFrame.from_records(records)
    if spec.folds_csv:
        rows["official_split"] = _official_split(spec, rows)
    rows = rows.drop(columns=["file_name"])
    return finalize(spec, rows, where=root)


def _official_split(spec: DatasetSpec, rows: pd.DataFrame) -> list[str]:
    path = confined(spec, spec.folds_csv, "folds_csv")
    folds = read_csv_strict(path)
    needed = {"fold", "grp", "filename"}
    if not needed <= set(folds.columns):
        raise DatasetError(
            f"Folds.csv lacks column(s) {', '.join(sorted(needed - set(folds.columns)))}.",
            where=path,
            fix="use the official Folds.csv (columns fold, mag, grp, filename)",
        )
    chosen = folds[folds["fold"].astype(str).str.strip() == str(spec.fold)]
    if chosen.empty:
        raise DatasetError(
            f"Folds.csv has no rows for fold {spec.fold}.",
            where=path,
            fix=f"folds present: {shown_all(sorted(folds['fold'].astype(str).unique()))}",
        )
    by_name = {
        Path(fn).name: normalize_split_name(g, path)
        for fn, g in zip(chosen["filename"], chosen["grp"])
    }
    return [by_name.get(name, "") for name in rows["file_name"]]


KIND = DatasetKind(
    "breakhis", load_breakhis,
    summary="BreaKHis_v1 folder tree, optionally with the official Folds.csv",
    settings=(
        Setting("folds_csv", str, "", help="the official Folds.csv"),
        Setting("fold", int, 1, help="which official fold (1-5)", range=(1, 100)),
        Setting("label_level", str, "tumor", help="tumor (benign/malignant) or subtype (the 8 "
                "subtypes)", choices=("tumor", "subtype")),
    ),
    form=(
        row(Ask("folds_csv", "Folds.csv (optional)"),
            Ask("fold", "Fold", "number", bounds=(1, 5, 1)),
            Ask("label_level", "Labels", "select", options=("tumor", "subtype"))),
    ),
)
