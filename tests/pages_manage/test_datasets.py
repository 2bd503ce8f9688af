"""Datasets page: declaring (bad input gets the loader's message and saves nothing; a good
folder is saved), the check report on demand, removing a declaration. Real files in tmp."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from core.datasets import load_registry
from tests.datasets.builders import class_folders, write_csv
from tests.pages_manage.conftest import button, open_page, texts


def _declare(at, kind: str, **values):
    at.selectbox(key="declare_kind").select(kind).run()
    for field, value in values.items():
        widget = at.text_input(key=f"declare_{kind}_{field}")
        widget.input(value)
    button(at, "Validate and save").click().run()
    assert not at.exception, at.exception


def test_lists_the_builtin_demo_as_synthetic(app_env):
    at = open_page("pages/datasets.py")
    table = at.dataframe[0].value
    assert list(table["name"]) == ["demo"]
    assert table.loc[0, "data"] == "SYNTHETIC"
    assert "Remove declaration" not in [b.label for b in at.button]  # demo cannot be removed


def test_a_folder_that_does_not_exist_gets_the_loader_message_and_nothing_is_saved(
        app_env, tmp_path):
    at = open_page("pages/datasets.py")
    _declare(at, "folders", name="busi", path=str(tmp_path / "no_such_folder"))
    errors = texts(at, "error")
    assert len(errors) == 1
    assert errors[0].startswith("Dataset folder of 'busi' does not exist.")
    assert str(tmp_path / "no_such_folder") in errors[0]
    assert "Fix: check the path in Folder of the dataset (path)" in errors[0]
    assert not app_env["registry"].exists()
    assert at.text_input(key="declare_folders_name").value == "busi"  # what was typed stays


def test_a_csv_with_a_missing_column_gets_one_clear_message(app_env, tmp_path):
    root = tmp_path / "isic"
    class_folders(root / "train", {"x": 2})
    write_csv(root / "train.csv", pd.DataFrame({"image": ["x/x_0.png", "x/x_1.png"],
                                                "diagnosis": ["benign", "malignant"]}))
    at = open_page("pages/datasets.py")
    _declare(at, "csv", name="isic", path=str(root), csv="train.csv", image_dir="train",
             path_column="image", label_column="benign_malignant")
    errors = texts(at, "error")
    assert len(errors) == 1 and "benign_malignant" in errors[0], errors
    assert not app_env["registry"].exists()


@pytest.fixture
def good_folder(tmp_path):
    """7 benign + 5 malignant images, one benign image copied under another name."""
    root = class_folders(tmp_path / "busi_like", {"benign": 6, "malignant": 5})
    shutil.copy(root / "benign" / "benign_0.png", root / "benign" / "benign_copy.png")
    return root


def test_a_good_folder_is_saved_and_its_check_finds_the_planted_duplicate(app_env, good_folder):
    at = open_page("pages/datasets.py")
    _declare(at, "folders", name="busi_like", path=str(good_folder), description="test data")
    assert not texts(at, "error")
    assert texts(at, "success") == ["Saved 'busi_like': 12 images (benign: 7, malignant: 5)."]
    assert load_registry(app_env["registry"])["busi_like"].path == str(good_folder)
    assert list(at.dataframe[0].value["name"]) == ["demo", "busi_like"]
    assert at.selectbox(key="datasets_selected").value == "busi_like"

    button(at, "Run the check").click().run()
    assert not at.exception, at.exception
    frames = [d.value for d in at.dataframe]
    counts = next(f for f in frames if "total" in f.columns)
    assert counts.loc["benign", "total"] == 7 and counts.loc["malignant", "total"] == 5
    assert counts[["train", "val", "test"]].sum(axis=1).tolist() == [7, 5]
    dups = next(f for f in frames if "copies" in f.columns)
    assert dups["images"].tolist() == ["benign/benign_0.png = benign/benign_copy.png"]
    assert bool(dups.loc[0, "across classes"]) is False
    findings = next(f for f in frames if "severity" in f.columns)
    assert findings["finding"].str.contains("identical images within one class").any()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Images"] == "12" and metrics["Unreadable"] == "0"
    images = at.get("image")
    assert sum(len(i.value) for i in images) == 8  # 4 sample images per class, from the files

    # A rerun shows the cached report; changing the files changes the fingerprint.
    (good_folder / "malignant" / "malignant_4.png").unlink()
    at.run()
    assert next(d.value for d in at.dataframe if "total" in d.value.columns).loc[
        "malignant", "total"] == 5, "the report shown is the one that was computed"
    button(at, "Check again").click().run()
    assert next(d.value for d in at.dataframe if "total" in d.value.columns).loc[
        "malignant", "total"] == 4


def test_the_kind_of_images_is_offered_not_said_by_default_and_saved(app_env, good_folder):
    """The modality select starts at "not said" (no modality: each study's augmentation);
    choosing one saves it, and budget runs then augment for it."""
    at = open_page("pages/datasets.py")
    at.selectbox(key="declare_kind").select("folders").run()
    modality = at.selectbox(key="declare_folders_modality")
    assert modality.value == "" and modality.format_func("") == "not said"
    assert modality.options[1:] == ["histology", "dermoscopy", "mammography", "ultrasound"]
    at.text_input(key="declare_folders_name").input("echo")
    at.text_input(key="declare_folders_path").input(str(good_folder))
    modality.select("ultrasound")  # a form's values count when it is submitted
    button(at, "Validate and save").click().run()
    assert not at.exception and not texts(at, "error")
    assert load_registry(app_env["registry"])["echo"].modality == "ultrasound"


def test_removing_a_declaration_keeps_the_files(app_env, good_folder):
    at = open_page("pages/datasets.py")
    _declare(at, "folders", name="to_remove", path=str(good_folder))
    assert "to_remove" in load_registry(app_env["registry"])
    assert button(at, "Remove declaration").disabled  # needs the confirmation first
    at.checkbox(key="datasets_remove_sure").check().run()
    button(at, "Remove declaration").click().run()
    assert not at.exception, at.exception
    assert "to_remove" not in load_registry(app_env["registry"])
    assert (good_folder / "benign" / "benign_0.png").exists()
    assert texts(at, "success") == ["Removed the declaration of 'to_remove'."]
    assert list(at.dataframe[0].value["name"]) == ["demo"]


def test_a_broken_registry_is_one_message_and_the_form_still_works(app_env):
    app_env["registry"].write_text("this is [ not toml", encoding="utf-8")
    at = open_page("pages/datasets.py")
    errors = texts(at, "error")
    assert len(errors) == 1 and "not valid TOML" in errors[0]
    assert [b.label for b in at.button] == ["Show the class mapping", "Validate and save"]


def test_datasets_page_beside_a_filled_store(trained_store, app_env, monkeypatch):
    """The page reads the registry, not the store: a filled store changes nothing on it."""
    monkeypatch.setenv("LESIONLAB_STORE", str(trained_store.root))
    at = open_page("pages/datasets.py")
    assert list(at.dataframe[0].value["name"]) == ["demo"]
    assert [b.label for b in at.button] == ["Show the class mapping", "Validate and save",
                                            "Run the check"]
