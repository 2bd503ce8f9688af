"""The settings every dataset kind shares, and the form rows around each kind's own.

A declaration's fields are, in order: :data:`FIRST` (name, kind, where, the task and its
labels), each kind's own settings (:mod:`core.datasets.loaders`, in ``KINDS`` order), then
:data:`LAST` (duplicates, confinement). The Datasets form of a kind is :func:`form_head`, the
kind's rows, then :data:`FORM_TAIL`.
"""

from __future__ import annotations

from core.datasets.kind import Ask, Row, Setting, row

TASKS = ("binary", "multiclass")
#: What training does with identical images under different labels or across splits (the
#: dataset check's duplicate errors): refuse to train (default), drop all but one copy of each
#: set, or keep them (recorded, and every page showing the run warns).
DUPLICATE_POLICIES = ("refuse", "drop", "keep")
#: The positive class of a binary dataset that names none.
DEFAULT_POSITIVE = "malignant"
#: What kind of images a dataset holds, when its declaration says so: a histology patch has no
#: up, an ultrasound image does (the probe is at the top, and the shadow below a lesion is one
#: of its signs), so they keep their labels under different random transforms.
MODALITIES = ("histology", "dermoscopy", "mammography", "ultrasound")
#: The augmentation preset (:mod:`core.datasets.augment`) a budget run uses on a dataset that
#: declares its modality, in place of the network's study's own: only transforms that keep the
#: label true for that kind of image. Tissue has no up; dermoscopy keeps the melanoma study's
#: own; mammograms and ultrasound are mirrored left-right only (``light``: a small tilt of the
#: probe and a depth change are still ultrasound). The studies' presets were made for their
#: own images: ``histology`` on ultrasound turns the acoustic shadow below a lesion, a sign of
#: malignancy, upwards (measured on BreastMNIST, 4-minute budget runs of idc_own, seeds 0-1,
#: validation AUC: 0.75 and 0.92 with ``histology``, 0.95 and 0.97 with ``light``, 0.95 and
#: 0.95 with none; chosen on validation, not test, images). Names only (no Keras here): the
#: grid check resolves runs without importing TensorFlow.
MODALITY_AUGMENTATION: dict[str, str] = {
    "histology": "histology",
    "dermoscopy": "melanoma",
    "mammography": "mammography",
    "ultrasound": "light",
}

FIRST = (
    Setting("name", str, help="short unique name used on every page"),
    Setting("kind", str, help="how the images and their labels are laid out on disk"),
    Setting("path", str, "", help="the dataset folder (for medmnist: the .npz file)"),
    Setting("positive_class", str | None, None,
            help="binary: the positive class (DEFAULT_POSITIVE when not given); multiclass: "
            "optional, but when given it must be one of the labels (a typo is never ignored)"),
    Setting("task", str, "binary", help="binary: positive vs everything else; multiclass: "
            "every label its own class"),
    Setting("label_map", dict[str, str], {}, help="raw label -> class name, applied first"),
    Setting("label_map_default", str | None, None, help="the class of every raw label not in "
            "label_map; without it an unmapped label is an error"),
    Setting("description", str, ""),
    Setting("modality", str | None, None, choices=MODALITIES,
            help="the kind of images (one of MODALITIES); the budget profile augments for it "
            "instead of with the augmentation of the study the network came from"),
)

LAST = (
    Setting("duplicates", str, "refuse", help="one of DUPLICATE_POLICIES, see "
            "core.datasets.usable"),
    Setting("allow_outside", bool, False, help="every file a loader reads (the label table, "
            "image_dir, folds_csv, each image) must lie inside the dataset folder once links "
            "are resolved; true lifts that rule for a dataset assembled from links on purpose"),
)

#: The raw=class mapping, for the kinds whose labels are free text (folders, csv).
LABEL_MAP_ROW = row(
    Ask("label_map", "Label mapping, one raw=class per line (optional)", "label_map",
        placeholder="4=malignant\n5=malignant\n1=benign", height=110),
    Ask("label_map_default", "Class of every unmapped label (optional)",
        help="Without it, a raw label missing from the mapping is an error."),
    widths=(2, 1),
)

FORM_TAIL = (
    row(Ask("description", "Description (optional)"),
        Ask("modality", "Kind of images (optional)", "select", options=("", *MODALITIES),
            help="Budget runs augment for it: e.g. an ultrasound image is never flipped "
            "upside down. Not said: each network's own study's augmentation."),
        widths=(2, 1)),
    row(Ask("duplicates", "Identical images under two labels or in two splits", "select",
            options=DUPLICATE_POLICIES,
            help="refuse: training stops until they are fixed (the check lists them); drop: "
            "keep one copy of each; keep: train on them, and every page showing the run "
            "warns.")),
)


def form_head(path_label: str) -> tuple[Row, ...]:
    """Name and path, positive class and task: the first rows of every kind's form."""
    return (
        row(Ask("name", "Name", help="Short unique name used on every page."),
            Ask("path", path_label)),
        row(Ask("positive_class", "Positive class", key="positive", placeholder="malignant",
                help="Binary task: the class called positive in the results, after label "
                "mapping (empty: malignant). Multiclass task: leave it empty (every class is "
                "scored; a one-vs-rest view lets you pick the class), or name one of the "
                "labels."),
            Ask("task", "Task", "select", options=TASKS,
                help="binary: positive class vs everything else; multiclass: one class per "
                "label.")),
    )
