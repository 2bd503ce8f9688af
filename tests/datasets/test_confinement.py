"""Files outside the dataset folder are neither read nor quoted.

Before the fix ``csv = "/etc/passwd"`` or ``csv = "../../x/.env"`` was read and the missing-column
error listed the file's first line as "the CSV has: ..." (on the Datasets page too). Now every
file a declaration names (``csv``, ``image_dir``, ``folds_csv``) and every image a loader lists
must resolve inside the dataset folder, links and ``..`` resolved, unless the declaration says
``allow_outside = true``; and a message quotes a value from a file only when it is short and
printable.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.datasets import DatasetError, DatasetSpec, load_dataset, save_spec
from tests.datasets.builders import breakhis_dataset, class_folders, write_csv, write_image

SECRET = "API_KEY=hunter2-do-not-show"


@pytest.fixture
def secret(tmp_path) -> Path:
    """A ``.env`` beside (not inside) the dataset folder, shaped like a one-column CSV."""
    path = tmp_path / "x" / ".env"
    path.parent.mkdir()
    path.write_text(f"{SECRET}\nDB_PASSWORD=swordfish\n", encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path) -> Path:
    """A valid csv dataset: ``data/d/labels.csv`` + ``data/d/images/*.png``."""
    root = tmp_path / "data" / "d"
    for name in ("a.png", "b.png", "c.png", "d.png"):
        write_image(root / "images" / name)
    write_csv(root / "labels.csv", pd.DataFrame({"file": ["a.png", "b.png", "c.png", "d.png"],
                                                 "label": ["benign", "malignant"] * 2}))
    return root


def _csv(root: Path, **kw) -> DatasetSpec:
    base = dict(name="c", kind="csv", path=str(root), csv="labels.csv", image_dir="images",
                path_column="file", label_column="label")
    return DatasetSpec(**(base | kw))


def _refused(spec: DatasetSpec, *phrases: str) -> str:
    with pytest.raises(DatasetError) as info:
        load_dataset(spec)
    message = str(info.value)
    for phrase in ("outside", "allow_outside = true", *phrases):
        assert phrase in message, message
    for leak in ("hunter2", "swordfish", "root:x:", "API_KEY"):
        assert leak not in message, message
    return message


@pytest.mark.parametrize("declared", ["/etc/passwd", "../../x/.env", "{secret}",
                                      "images/../../../x/.env"])
def test_a_label_table_outside_the_folder_is_not_read(root, secret, declared):
    _refused(_csv(root, csv=declared.format(secret=secret)), "csv =")


def test_a_label_table_linked_to_a_file_outside_is_not_read(root, secret):
    (root / "labels.csv").unlink()
    (root / "labels.csv").symlink_to(secret)
    _refused(_csv(root), "csv = 'labels.csv'")


def test_a_dataset_folder_reached_through_a_link_is_still_its_own_inside(tmp_path, root):
    """The rule compares resolved paths: a dataset folder that is itself a link works."""
    (tmp_path / "link").symlink_to(root, target_is_directory=True)
    assert len(load_dataset(_csv(tmp_path / "link"))) == 4


def test_an_image_folder_outside_is_refused(root, tmp_path):
    other = class_folders(tmp_path / "elsewhere", {"x": 1}) / "x"
    _refused(_csv(root, image_dir=str(other)), "image_dir =")
    (root / "linked").symlink_to(other, target_is_directory=True)
    _refused(_csv(root, image_dir="linked"), "image_dir =")


def test_a_listed_image_that_links_outside_is_refused(root, tmp_path):
    outside = write_image(tmp_path / "private.png")
    (root / "images" / "b.png").unlink()
    (root / "images" / "b.png").symlink_to(outside)
    _refused(_csv(root), "1 image(s)", "'b.png'")
    assert len(load_dataset(_csv(root, allow_outside=True))) == 4


@pytest.mark.parametrize("how", ["file link", "class folder link"])
def test_folder_kinds_refuse_images_linked_from_outside(tmp_path, how):
    root = class_folders(tmp_path / "d", {"benign": 2, "malignant": 2})
    outside = class_folders(tmp_path / "other", {"malignant": 2})
    if how == "file link":
        (root / "malignant" / "linked.png").symlink_to(outside / "malignant" / "malignant_0.png")
    else:
        (root / "extra").symlink_to(outside / "malignant", target_is_directory=True)
    spec = DatasetSpec(name="f", kind="folders", path=str(root))
    _refused(spec, "lie outside its folder")
    assert len(load_dataset(DatasetSpec(name="f", kind="folders", path=str(root),
                                        allow_outside=True))) > 4


def test_breakhis_folds_csv_outside_is_refused(tmp_path, secret):
    root = breakhis_dataset(tmp_path / "bh")
    spec = DatasetSpec(name="b", kind="breakhis", path=str(root), folds_csv=str(secret))
    _refused(spec, "folds_csv =")


def test_allow_outside_reads_a_table_outside_on_purpose(root, tmp_path):
    table = write_csv(tmp_path / "shared" / "labels.csv",
                      pd.read_csv(root / "labels.csv"))
    assert len(load_dataset(_csv(root, csv=str(table), allow_outside=True))) == 4


def test_the_datasets_form_shows_no_line_of_an_outside_file(tmp_path, root, secret):
    """The page's path: declare() builds, loads and (only then) saves."""
    from core import config
    from dashboard.datasets.form import declare

    fields = {"kind": "csv", "name": "formcsv", "path": str(root), "csv": str(secret),
              "image_dir": "images", "images_by": "path column", "path_column": "file",
              "label_column": "label"}
    with pytest.raises(DatasetError) as info:
        declare(fields)
    assert "outside" in str(info.value) and "hunter2" not in str(info.value)
    assert "formcsv" not in (config.datasets_registry_path().read_text(encoding="utf-8")
                             if config.datasets_registry_path().exists() else "")


# -- what a message may quote from a file inside the folder ---------------------------------------


@pytest.mark.parametrize("name", ["x" * 500, "bad\x1b[2Jname", "nul\x00name", "rtl\u202ename"],
                         ids=["500 characters", "terminal escape", "NUL", "right-to-left"])
def test_column_names_are_quoted_only_when_short_and_printable(root, name):
    write_csv(root / "labels.csv", pd.DataFrame({name: ["a.png", "b.png"],
                                                 "label": ["benign", "malignant"]}))
    with pytest.raises(DatasetError) as info:
        load_dataset(_csv(root))
    message = str(info.value)
    assert "'file'" in message and "'label'" in message  # the wanted and a sane column
    assert name not in message and "not shown" in message, message


def test_cell_values_in_messages_are_filtered_too(root):
    long_label = "secret-" + "y" * 300
    write_csv(root / "labels.csv", pd.DataFrame({"file": ["a.png", "b.png", "c.png"],
                                                 "label": ["benign", "malignant", long_label]}))
    spec = _csv(root, label_map={"benign": "benign", "malignant": "malignant"})
    with pytest.raises(DatasetError) as info:
        load_dataset(spec)
    assert long_label not in str(info.value) and "307 characters" in str(info.value)


def test_a_spec_saved_with_allow_outside_keeps_it(tmp_path, root):
    path = tmp_path / "datasets.toml"
    save_spec(_csv(root, allow_outside=True), path)
    assert "allow_outside = true" in path.read_text(encoding="utf-8")
