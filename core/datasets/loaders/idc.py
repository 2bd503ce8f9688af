"""``idc`` kind: Kaggle "Breast Histopathology Images" (IDC) patches.

Layout ``root/<patient>/<0|1>/<patient>_idx5_x<X>_y<Y>_class<0|1>.png``: the patient is the
group (patches of one slide are near-duplicates, so a patch-level split leaks), the class
folder is the label (0 = IDC negative -> ``benign``, 1 = IDC positive -> ``malignant``), and
the patch offsets are kept as metadata.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from core.datasets.errors import DatasetError
from core.datasets.kind import DatasetKind
from core.datasets.loaders.files import relative_id, require_dir, subdirs, walk_images
from core.datasets.table import LoadedDataset, finalize

if TYPE_CHECKING:
    # Annotation only: the spec's fields come from the kinds (core.datasets.kind), so
    # importing it here at run time would be an import cycle.
    from core.datasets.spec import DatasetSpec

IDC_CLASSES = {"0": "benign", "1": "malignant"}
PATCH_RE = re.compile(
    r"^(?P<patient>[^_]+)_idx\d+_x(?P<x>\d+)_y(?P<y>\d+)_class(?P<cls>[01])\.", re.I
)
LAYOUT_FIX = "expected root/<patient>/<0|1>/<patient>_idx5_x.._y.._class<0|1>.png"


def load_idc(spec: DatasetSpec, *, synthetic: bool = False) -> LoadedDataset:
    root = require_dir(spec.root, f"IDC folder of {spec.name!r}", LAYOUT_FIX)
    records = []
    for patient_dir in subdirs(root):
        for class_dir in subdirs(patient_dir):
            if class_dir.name not in IDC_CLASSES:
                raise DatasetError(
                    f"Unexpected folder {class_dir.name!r} in patient {patient_dir.name!r}.",
                    where=class_dir,
                    fix=LAYOUT_FIX,
                )
            for f in walk_images(class_dir):
                match = PATCH_RE.match(f.name)
                if not match:
                    raise DatasetError(
                        f"File name {f.name!r} is not an IDC patch name.", where=f, fix=LAYOUT_FIX
                    )
                if match["cls"] != class_dir.name:
                    raise DatasetError(
                        f"File {f.name!r} says class{match['cls']} but lies in folder "
                        f"{class_dir.name!r}.",
                        where=f,
                        fix="move the file to the folder of its class",
                    )
                records.append(
                    {
                        "sample_id": relative_id(f, root),
                        "path": str(f),
                        "raw_label": class_dir.name,
                        "group": patient_dir.name,
                        "meta_x": int(match["x"]),
                        "meta_y": int(match["y"]),
                    }
                )
    if not records:
        raise DatasetError(f"No IDC patches found in {spec.name!r}.", where=root, fix=LAYOUT_FIX)
    if not spec.label_map:
        spec = _with_idc_names(spec)
    return finalize(spec, pd.DataFrame.from_records(records), where=root, synthetic=synthetic)


def _with_idc_names(spec: DatasetSpec) -> DatasetSpec:
    from dataclasses import replace

    return replace(spec, label_map=dict(IDC_CLASSES))


KIND = DatasetKind(
    "idc", load_idc,
    summary="Kaggle Breast Histopathology Images: root/<patient>/<0|1>/*_class<0|1>.png",
)
