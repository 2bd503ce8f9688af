"""Datasets page: a dataset that declares no patient/lesion group gets "leakage cannot be
checked", never "no patient group lies in two splits" (issue 16: each image is then its own
group, so the reassuring sentence would be true and misleading). Real files in tmp."""

from __future__ import annotations

from dashboard.datasets.check import NO_GROUPS
from tests.datasets.builders import class_folders
from tests.pages_manage.conftest import button, open_page, texts


def test_a_dataset_without_groups_says_leakage_cannot_be_checked(app_env, tmp_path):
    root = class_folders(tmp_path / "no_groups", {"benign": 6, "malignant": 5})
    at = open_page("pages/datasets.py")
    at.selectbox(key="declare_kind").select("folders").run()
    for field, value in (("name", "no_groups"), ("path", str(root))):
        at.text_input(key=f"declare_folders_{field}").input(value)
    button(at, "Validate and save").click().run()
    button(at, "Run the check").click().run()
    assert not at.exception, at.exception
    captions = texts(at, "caption")
    assert NO_GROUPS in captions
    assert "No patient group lies in two splits." not in captions
