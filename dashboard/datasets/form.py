"""The "declare a dataset" form: fields per kind, turned into a validated, saved DatasetSpec.

Declaring is two steps a user cannot get wrong in between: the spec is built from the form and
the dataset is *loaded* (every loader check runs: layout, labels, positive class), and only then
is it written to the registry. Any problem is one :class:`DatasetError` message, shown as it is;
nothing is saved and the form keeps what the user typed.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.datasets import DatasetError, DatasetSpec, load_dataset, save_spec
from core.datasets.spec import DUPLICATE_POLICIES, KINDS
from dashboard.text import literal

FLASH_KEY = "datasets_saved_message"
#: The kinds a user can declare (``demo`` is built in).
USER_KINDS = tuple(k for k in KINDS if k != "demo")
KIND_HELP = {
    "folders": "root/<class>/*.png, or root/{train,val,test}/<class>/*.png (Keras layout, BUSI)",
    "csv": "a table with one row per image: file path or id column, label column, optional "
           "patient and metadata columns (ISIC, mammography exports)",
    "idc": "Kaggle Breast Histopathology Images: root/<patient>/<0|1>/*_class<0|1>.png",
    "breakhis": "BreaKHis_v1 folder tree, optionally with the official Folds.csv",
    "medmnist": "a MedMNIST .npz file (train/val/test arrays), e.g. breastmnist.npz",
}


@dataclass(frozen=True)
class Declared:
    """The outcome of a successful declaration, for the confirmation message."""

    spec: DatasetSpec
    n_images: int
    class_counts: dict[str, int]
    notes: tuple[str, ...]


def parse_label_map(text: str) -> dict[str, str]:
    """``raw=class`` lines (blank lines and ``#`` comments ignored) as a dict."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        raw, sep, cls = line.partition("=")
        if not sep or not raw.strip() or not cls.strip():
            raise DatasetError(f"Label mapping line {number} ({line!r}) is not raw=class.",
                               fix='write one mapping per line, e.g. "4=malignant"')
        if raw.strip() in mapping:
            raise DatasetError(f"Raw label {raw.strip()!r} is mapped twice in the label mapping.",
                               fix="keep one line per raw label")
        mapping[raw.strip()] = cls.strip()
    return mapping


def split_names(text: str) -> tuple[str, ...]:
    """Comma- or newline-separated names, trimmed, empties dropped."""
    return tuple(p.strip() for p in text.replace("\n", ",").split(",") if p.strip())


def spec_from_fields(fields: dict) -> DatasetSpec:
    """A DatasetSpec from the form's raw values (strings, mostly); DatasetError if invalid."""
    kind = fields["kind"]
    data: dict = {
        "name": str(fields.get("name", "")).strip(),
        "kind": kind,
        "path": str(fields.get("path", "")).strip(),
        # empty: binary takes the default positive class, multiclass needs none
        "positive_class": str(fields.get("positive_class", "")).strip() or None,
        "task": fields.get("task", "binary"),
        "description": str(fields.get("description", "")).strip(),
        "duplicates": fields.get("duplicates", "refuse"),
    }
    if kind in ("folders", "csv"):
        data["label_map"] = parse_label_map(fields.get("label_map", ""))
        default = str(fields.get("label_map_default", "")).strip()
        if default:
            data["label_map_default"] = default
    if kind == "folders":
        data["group_regex"] = str(fields.get("group_regex", "")).strip()
    elif kind == "csv":
        for key in ("csv", "image_dir", "label_column", "group_column", "split_column"):
            data[key] = str(fields.get(key, "")).strip()
        if fields.get("images_by") == "id column + suffix":
            data["id_column"] = str(fields.get("id_column", "")).strip()
            data["id_suffix"] = str(fields.get("id_suffix", "")).strip()
        else:
            data["path_column"] = str(fields.get("path_column", "")).strip()
        data["metadata_columns"] = split_names(fields.get("metadata_columns", ""))
        _require(data, "csv", "the CSV file")
        _require(data, "label_column", "the label column")
        if not (data.get("path_column") or data.get("id_column")):
            raise DatasetError("Say which column names the image files.",
                               fix="give the path column, or the id column and its suffix")
    elif kind == "breakhis":
        data["folds_csv"] = str(fields.get("folds_csv", "")).strip()
        data["fold"] = int(fields.get("fold", 1))
        data["label_level"] = fields.get("label_level", "tumor")
    elif kind == "medmnist":
        data["class_names"] = split_names(fields.get("class_names", ""))
        if not data["class_names"]:
            raise DatasetError("A MedMNIST dataset needs its class names in label order.",
                               fix='e.g. "malignant, normal/benign" for BreastMNIST')
    return DatasetSpec.from_dict({k: v for k, v in data.items() if v not in ("", (), {})}
                                 | {"name": data["name"], "kind": kind})


def _require(data: dict, key: str, what: str) -> None:
    if not data.get(key):
        raise DatasetError(f"The {what} is missing.", fix=f"fill in {what}")


def declare(fields: dict, *, replace: bool = False) -> Declared:
    """Build, load (all checks) and save. Raises DatasetError; saves nothing on error."""
    spec = spec_from_fields(fields)
    if spec.name == "demo":
        raise DatasetError("The name 'demo' is reserved for the built-in dataset.",
                           fix="choose another name")
    ds = load_dataset(spec)
    save_spec(spec, replace=replace)
    counts = ds.table["label"].value_counts().sort_index()
    return Declared(spec, len(ds.table), {str(k): int(v) for k, v in counts.items()},
                    tuple(ds.notes))


def declare_form() -> None:
    """The form, by kind; on submit, validate and save, and say what happened."""
    kind = st.selectbox("Kind", USER_KINDS, key="declare_kind",
                        help="How the images and their labels are laid out on disk.")
    st.caption(literal(KIND_HELP[kind]))
    with st.form(f"declare_{kind}", clear_on_submit=False):
        fields: dict = {"kind": kind}
        left, right = st.columns(2)
        fields["name"] = left.text_input("Name", key=f"declare_{kind}_name",
                                         help="Short unique name used on every page.")
        path_label = "Path of the .npz file" if kind == "medmnist" else "Folder of the dataset"
        fields["path"] = right.text_input(path_label, key=f"declare_{kind}_path")
        left, right = st.columns(2)
        fields["positive_class"] = left.text_input(
            "Positive class", key=f"declare_{kind}_positive", placeholder="malignant",
            help="Binary task: the class called positive in the results, after label mapping "
                 "(empty: malignant). Multiclass task: leave it empty (every class is scored; "
                 "a one-vs-rest view lets you pick the class), or name one of the labels.")
        fields["task"] = right.selectbox(
            "Task", ("binary", "multiclass"), key=f"declare_{kind}_task",
            help="binary: positive class vs everything else; multiclass: one class per label.")
        _kind_fields(kind, fields)
        fields["description"] = st.text_input("Description (optional)",
                                              key=f"declare_{kind}_description")
        fields["duplicates"] = st.selectbox(
            "Identical images under two labels or in two splits", DUPLICATE_POLICIES,
            key=f"declare_{kind}_duplicates",
            help="refuse: training stops until they are fixed (the check lists them); drop: "
            "keep one copy of each; keep: train on them, and every page showing the run warns.")
        replace = st.checkbox("Replace a declaration that has the same name",
                              key=f"declare_{kind}_replace")
        submitted = st.form_submit_button("Validate and save", type="primary")
    if submitted:
        _submit(fields, replace)


def _kind_fields(kind: str, fields: dict) -> None:
    k = f"declare_{kind}"
    if kind == "csv":
        left, right = st.columns(2)
        fields["csv"] = left.text_input("CSV file (relative to the folder, or absolute)",
                                        key=f"{k}_csv")
        fields["image_dir"] = right.text_input("Image folder (relative; default: the folder)",
                                               key=f"{k}_image_dir")
        fields["images_by"] = st.radio("Images are named by", ("path column",
                                                               "id column + suffix"),
                                       horizontal=True, key=f"{k}_images_by")
        left, mid, right = st.columns(3)
        fields["path_column"] = left.text_input("Path column", key=f"{k}_path_column")
        fields["id_column"] = mid.text_input("Id column", key=f"{k}_id_column")
        fields["id_suffix"] = right.text_input("Id suffix (e.g. .jpg)", key=f"{k}_id_suffix")
        left, mid, right = st.columns(3)
        fields["label_column"] = left.text_input("Label column", key=f"{k}_label_column")
        fields["group_column"] = mid.text_input("Group (patient) column, optional",
                                                key=f"{k}_group_column")
        fields["split_column"] = right.text_input("Official split column, optional",
                                                  key=f"{k}_split_column")
        fields["metadata_columns"] = st.text_input(
            "Metadata columns for subgroups (comma-separated, optional)",
            key=f"{k}_metadata_columns")
    if kind == "folders":
        fields["group_regex"] = st.text_input(
            "Patient id from the file name (regular expression with (?P<group>...), optional)",
            key=f"{k}_group_regex")
    if kind in ("folders", "csv"):
        left, right = st.columns([2, 1])
        fields["label_map"] = left.text_area(
            "Label mapping, one raw=class per line (optional)", key=f"{k}_label_map",
            placeholder="4=malignant\n5=malignant\n1=benign", height=110)
        fields["label_map_default"] = right.text_input(
            "Class of every unmapped label (optional)", key=f"{k}_label_map_default",
            help="Without it, a raw label missing from the mapping is an error.")
    if kind == "breakhis":
        left, mid, right = st.columns(3)
        fields["folds_csv"] = left.text_input("Folds.csv (optional)", key=f"{k}_folds_csv")
        fields["fold"] = mid.number_input("Fold", 1, 5, 1, key=f"{k}_fold")
        fields["label_level"] = right.selectbox("Labels", ("tumor", "subtype"),
                                                key=f"{k}_label_level")
    if kind == "medmnist":
        fields["class_names"] = st.text_input(
            "Class names in label order (comma-separated)", key=f"{k}_class_names",
            placeholder="malignant, normal/benign")


def _submit(fields: dict, replace: bool) -> None:
    try:
        with st.spinner("Loading the dataset to validate it…"):
            result = declare(fields, replace=replace)
    except DatasetError as exc:
        st.error(literal(str(exc)), icon=":material/error:")
        return
    except Exception as exc:  # noqa: BLE001 - a loader bug must not take the page down
        st.error(literal(f"Could not load the dataset ({type(exc).__name__}: {exc})."),
                 icon=":material/error:")
        return
    counts = ", ".join(f"{k}: {v}" for k, v in result.class_counts.items())
    st.session_state[FLASH_KEY] = (
        f"Saved '{result.spec.name}': {result.n_images} images ({counts}).", result.notes)
    st.session_state["datasets_selected"] = result.spec.name
    st.rerun()  # so the list and the check's choices include the new dataset


def show_saved_message() -> None:
    """The confirmation of the last save, once (the page reran to list the new dataset)."""
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        message, notes = flash
        st.success(literal(message), icon=":material/check:")
        for note in notes:
            st.info(literal(note))
