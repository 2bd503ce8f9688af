"""``folders`` kind: ``root/<class>/*`` or pre-split ``root/{train,val|validation,test}/<class>/*``.

This is the Keras ``flow_from_directory`` layout used by the melanoma and BreakHis studies and
by BUSI. A pre-split layout is recognised when every top-level folder is a split name; its split
is then the official one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from core.datasets.errors import DatasetError
from core.datasets.labels import named
from core.datasets.common import LABEL_MAP_ROW
from core.datasets.kind import Ask, DatasetKind, Setting, row
from core.datasets.loaders.files import images_in, is_image, relative_id, require_dir, subdirs
from core.datasets.table import SPLIT_ALIASES, LoadedDataset, finalize

if TYPE_CHECKING:
    # Annotation only: the spec's fields come from the kinds (core.datasets.kind), so
    # importing it here at run time would be an import cycle.
    from core.datasets.spec import DatasetSpec

LAYOUT_FIX = "arrange images as root/<class>/*.png or root/{train,val,test}/<class>/*.png"


def load_folders(spec: DatasetSpec) -> LoadedDataset:
    root = require_dir(spec.root, f"Dataset folder of {spec.name!r}", LAYOUT_FIX)
    top = subdirs(root)
    if not top:
        raise DatasetError(
            f"No class folders in dataset {spec.name!r}.", where=root, fix=LAYOUT_FIX
        )
    is_split = [d.name.lower() in SPLIT_ALIASES for d in top]
    pre_split = all(is_split)
    if any(is_split) and not pre_split:
        names = ", ".join(d.name for d in top)
        raise DatasetError(
            f"Dataset {spec.name!r} mixes split folders (train/val/test) and other folders at "
            f"its top level: {names}.",
            where=root,
            fix=LAYOUT_FIX,
        )
    group_re = _compile_group_regex(spec)
    notes = _loose_image_notes(root)

    records = []
    sources = [(SPLIT_ALIASES[d.name.lower()], d) for d in top] if pre_split else [("", root)]
    for split, base in sources:
        class_dirs = subdirs(base)
        if not class_dirs:
            raise DatasetError(
                f"Split folder {base.name!r} has no class folders.", where=base, fix=LAYOUT_FIX
            )
        for class_dir in class_dirs:
            files = images_in(class_dir)
            if not files:
                raise DatasetError(
                    f"Class folder {class_dir.name!r} holds no images "
                    "(.png .jpg .jpeg .tif .tiff .bmp).",
                    where=class_dir,
                    fix="add images or remove the empty folder",
                )
            for f in files:
                rec = {
                    "sample_id": relative_id(f, root),
                    "path": str(f),
                    "raw_label": class_dir.name,
                    "official_split": split,
                }
                if group_re is not None:
                    rec["group"] = _group_of(group_re, f.name, f)
                records.append(rec)
    return finalize(spec, pd.DataFrame.from_records(records), where=root, notes=notes)


def _loose_image_notes(root: Path) -> list[str]:
    """Images lying beside the class (or split) folders have no class; say so rather than drop
    them silently."""
    loose = [p.name for p in sorted(root.iterdir()) if p.is_file() and is_image(p)]
    if not loose:
        return []
    return [
        f"{len(loose)} image(s) directly in {root} are outside every class folder and were "
        "not used: " + ", ".join(loose[:5]) + (" ..." if len(loose) > 5 else "")
    ]


def _compile_group_regex(spec: DatasetSpec) -> re.Pattern[str] | None:
    if not spec.group_regex:
        return None
    try:
        pattern = re.compile(spec.group_regex)
    except re.error as exc:
        raise DatasetError(
            f"{named('group_regex')} of dataset {spec.name!r} is not a valid regular "
            f"expression: {exc}.",
            fix="e.g. ^(?P<group>[^_]+)_ (the patient id is the text before the first _)",
        ) from exc
    if "group" not in pattern.groupindex:
        raise DatasetError(
            f"{named('group_regex')} of dataset {spec.name!r} has no named group 'group'.",
            fix="write it as (?P<group>...)",
        )
    return pattern


def _group_of(pattern: re.Pattern[str], filename: str, where: object) -> str:
    match = pattern.search(filename)
    if not match:
        raise DatasetError(
            f"File name {filename!r} does not match the regular expression "
            f"{pattern.pattern!r} of {named('group_regex')}.",
            where=where,
            fix="fix the regular expression so that it matches every file name",
        )
    return match.group("group")


KIND = DatasetKind(
    "folders", load_folders,
    summary="root/<class>/*.png, or root/{train,val,test}/<class>/*.png (Keras layout, BUSI)",
    settings=(
        Setting("group_regex", str, "", help="a regular expression with a named group "
                "'group' applied to each file name, for data sets whose file names carry a "
                "patient id"),
    ),
    form=(
        row(Ask("group_regex", "Patient id from the file name (regular expression with "
                "(?P<group>...), optional)")),
        LABEL_MAP_ROW,
    ),
)
