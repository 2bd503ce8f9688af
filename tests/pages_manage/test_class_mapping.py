"""Declaring shows the class mapping before saving (BUSI: benign + normal -> non-malignant),
the user changes it through the form's label mapping, and saving shows it again."""

from __future__ import annotations

from core.datasets import load_registry
from tests.datasets.builders import class_folders
from tests.pages_manage.conftest import button, open_page, texts


def _mapping(at) -> tuple[str, list[tuple[str, str]]]:
    """The mapping sentence and the (label found, class) rows shown below the form."""
    sentence = next(t for t in texts(at, "info") if "task" in t)
    table = next(d.value for d in at.dataframe if "label found" in d.value.columns)
    return sentence, list(zip(table["label found"], table["class"]))


def test_busi_shows_its_mapping_before_saving_and_the_label_mapping_changes_it(
        app_env, tmp_path):
    root = class_folders(tmp_path / "busi", {"benign": 3, "normal": 2, "malignant": 2})
    at = open_page("pages/datasets.py")
    at.text_input(key="declare_folders_name").input("busi")
    at.text_input(key="declare_folders_path").input(str(root))
    button(at, "Show the class mapping").click().run()
    assert not at.exception and not texts(at, "error"), texts(at, "error")
    sentence, rows = _mapping(at)
    assert sentence == ("Binary task: benign + normal → non-malignant (negative); "
                        "malignant (positive).")
    assert rows == [("benign", "non-malignant"), ("normal", "non-malignant"),
                    ("malignant", "malignant")]
    assert any("Nothing is saved yet" in c and "Label mapping" in c for c in texts(at, "caption"))
    assert not app_env["registry"].exists()

    at.selectbox(key="declare_folders_task").select("multiclass")
    button(at, "Show the class mapping").click().run()
    assert _mapping(at)[0] == "Multiclass task, 3 classes: benign; malignant; normal."

    at.selectbox(key="declare_folders_task").select("binary")
    at.text_area(key="declare_folders_label_map").input(
        "benign=benign\nnormal=benign\nmalignant=malignant")
    button(at, "Show the class mapping").click().run()
    assert _mapping(at)[0] == ("Binary task: benign + normal → benign (negative); "
                               "malignant (positive).")
    assert not app_env["registry"].exists()

    button(at, "Validate and save").click().run()
    assert not at.exception and not texts(at, "error"), texts(at, "error")
    assert texts(at, "success") == ["Saved 'busi': 7 images (benign: 5, malignant: 2)."]
    assert _mapping(at)[0] == ("Binary task: benign + normal → benign (negative); "
                               "malignant (positive).")
    assert load_registry(app_env["registry"])["busi"].label_map == {
        "benign": "benign", "normal": "benign", "malignant": "malignant"}


def test_a_mapping_that_does_not_load_is_the_loader_message(app_env, tmp_path):
    root = class_folders(tmp_path / "busi", {"benign": 2, "normal": 2})
    at = open_page("pages/datasets.py")
    at.text_input(key="declare_folders_name").input("busi")
    at.text_input(key="declare_folders_path").input(str(root))
    button(at, "Show the class mapping").click().run()
    errors = texts(at, "error")
    assert len(errors) == 1 and errors[0].startswith("Positive class 'malignant' is not among")
    assert not [d for d in at.dataframe if "label found" in d.value.columns]
