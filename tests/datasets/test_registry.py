"""The datasets.toml registry: round trip, the built-in demo, errors naming the file."""

from __future__ import annotations

import tomllib

import pytest

from core import config
from core.datasets import DatasetError, DatasetSpec, load_dataset, load_registry, save_spec
from core.datasets.registry import get_spec, remove_spec
from tests.datasets.builders import class_folders

FULL = DatasetSpec(
    name="isic2020", kind="csv", path="/data/isic", csv="train.csv", image_dir="train",
    id_column="image_name", id_suffix=".jpg", label_column="benign_malignant",
    group_column="patient_id", metadata_columns=("sex", "age_approx"), split_column="",
    label_map={"4": "malignant", "5": "malignant"}, label_map_default="benign",
    description="ISIC 2020 \"challenge\" set; unicode: é",
)


def test_round_trip_keeps_every_field(tmp_path):
    path = tmp_path / "datasets.toml"
    specs = [
        FULL,
        DatasetSpec(name="bh", kind="breakhis", path="/data/BreaKHis", folds_csv="Folds.csv",
                    fold=3, label_level="subtype", task="multiclass",
                    positive_class="ductal_carcinoma"),
        DatasetSpec(name="bm", kind="medmnist", path="/data/breastmnist.npz",
                    class_names=("malignant", "normal+benign")),
        DatasetSpec(name="busi", kind="folders", path="/data/busi", group_regex=r"^(?P<group>\d+)"),
    ]
    for spec in specs:
        save_spec(spec, path)

    loaded = load_registry(path)

    assert list(loaded) == ["demo", "isic2020", "bh", "bm", "busi"]
    for spec in specs:
        assert loaded[spec.name] == spec
    text = path.read_text(encoding="utf-8")
    assert "fold = 3" in text and "task" not in tomllib.loads(text)["dataset"][0]  # defaults out
    assert list(tmp_path.iterdir()) == [path]  # the atomic write leaves no temporary file


def test_default_registry_lives_in_lesionlab_home(lesionlab_home):
    assert config.datasets_registry_path() == lesionlab_home / "datasets.toml"


def test_save_refuses_duplicates_unless_replacing_and_remove(tmp_path):
    path = tmp_path / "datasets.toml"
    save_spec(FULL, path)
    with pytest.raises(DatasetError, match="exists already"):
        save_spec(FULL, path)
    changed = DatasetSpec(name="isic2020", kind="folders", path="/elsewhere")
    save_spec(changed, path, replace=True)
    assert get_spec("isic2020", path) == changed
    remove_spec("isic2020", path)
    assert list(load_registry(path)) == ["demo"]


def test_demo_name_is_reserved(tmp_path):
    with pytest.raises(DatasetError, match="reserved"):
        save_spec(DatasetSpec(name="demo", kind="folders", path="/d"), tmp_path / "r.toml")


def test_unknown_name_lists_the_declared_ones(tmp_path):
    path = tmp_path / "datasets.toml"
    save_spec(FULL, path)
    with pytest.raises(DatasetError, match="No dataset named 'busi'.*demo, isic2020"):
        load_dataset("busi", path)


def test_load_dataset_by_name(tmp_path):
    root = class_folders(tmp_path / "data", {"benign": 2, "malignant": 2})
    path = tmp_path / "datasets.toml"
    save_spec(DatasetSpec(name="mine", kind="folders", path=str(root)), path)
    assert len(load_dataset("mine", path)) == 4


@pytest.mark.parametrize("text, phrase", [
    ("[[dataset]\nname = 1", "not valid TOML"),
    ("dataset = 3", r"Use \[\[dataset\]\] tables"),
    ('[[dataset]]\nname = "a"\nkind = "folders"\npath = "/d"\ncolour = "red"',
     "unknown setting"),
    ('[[dataset]]\nname = "a"\nkind = "nope"\npath = "/d"', "Unknown dataset kind"),
    ('[[dataset]]\nname = "a"\nkind = "breakhis"\npath = "/d"\nfold = "two"', "whole number"),
    ('[[dataset]]\nname = "a"\nkind = "csv"\npath = "/d"\nlabel_map = "x"', "label_map"),
    ('[[dataset]]\nname = "a"\nkind = "folders"\npath = "/d"\n'
     '[[dataset]]\nname = "a"\nkind = "folders"\npath = "/e"', "declared twice"),
])
def test_bad_registry_names_the_file(tmp_path, text, phrase):
    path = tmp_path / "datasets.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError, match=phrase) as info:
        load_registry(path)
    assert str(path) in str(info.value)  # before the fix spec errors did not name the file


def test_a_lone_string_is_one_metadata_column(tmp_path):
    path = tmp_path / "datasets.toml"
    path.write_text('[[dataset]]\nname = "a"\nkind = "csv"\npath = "/d"\n'
                    'metadata_columns = "age"\nclass_names = ["x", "y"]\n', encoding="utf-8")
    spec = load_registry(path)["a"]
    # Before the fix this became ("a", "g", "e").
    assert spec.metadata_columns == ("age",)
    assert spec.class_names == ("x", "y")
