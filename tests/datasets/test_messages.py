"""Messages a Datasets-page user reads name the form's labels, not config keys ("Positive class
(positive_class)", not "positive_class"), and a path to nothing says to check the path."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.datasets import DatasetError, DatasetSpec, load_dataset
from core.datasets.labels import form_label
from core.datasets.spec import SETTINGS
from tests.datasets.builders import class_folders

ROOT = Path(__file__).resolve().parents[2]
#: Settings a message could name by key: the ones the form labels (and whose key is plainly a
#: key: "path" or "csv" are also words of a sentence).
KEYS = [s.name for s in SETTINGS if "_" in s.name and form_label(s.name)]


def _message_texts(source: str):
    """(line, the text of each DatasetError / Missing call), leaving out the arguments of
    ``named()`` / ``form_label()``, which turn a key into its label."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("DatasetError",
                                                                          "Missing"):
            yield node.lineno, "".join(_strings(node))


def _strings(node):
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("named", "form_label"):
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    for child in ast.iter_child_nodes(node):
        yield from _strings(child)


def bare_keys(source: str) -> list[tuple[int, str]]:
    """Each message's setting keys that are not inside parentheses after their label."""
    return [(line, key) for line, text in _message_texts(source) for key in KEYS
            if re.search(rf"(?<![(\w]){key}(?![\w)])", text)]


def test_the_scan_finds_a_bare_key_and_passes_a_named_one():
    source = '''
DatasetError(f"set positive_class to one of {x}", fix="add label_map lines")
DatasetError(f"set {named('positive_class')} to one", fix=f"fill in {named('image_dir')}")
'''
    assert bare_keys(source) == [(2, "positive_class"), (2, "label_map")]


def test_no_dataset_message_names_a_bare_setting_key():
    files = sorted((ROOT / "core" / "datasets").rglob("*.py"))
    found = [(str(p.relative_to(ROOT)), line, key) for p in files
             for line, key in bare_keys(p.read_text(encoding="utf-8"))]
    assert found == []


def _error(spec: DatasetSpec) -> str:
    with pytest.raises(DatasetError) as info:
        load_dataset(spec)
    return str(info.value)


def test_a_missing_folder_says_to_check_the_path(tmp_path):
    for kind in ("folders", "csv", "idc", "breakhis"):
        message = _error(DatasetSpec(name="x", kind=kind, path=str(tmp_path / "nope"),
                                     csv="a.csv"))
        assert "does not exist" in message
        assert "Fix: check the path in Folder of the dataset (path)" in message, message
    message = _error(DatasetSpec(name="x", kind="medmnist", path=str(tmp_path / "no.npz")))
    assert "Fix: check the path in Path of the .npz file (path)" in message


def test_label_messages_name_the_form_labels(tmp_path):
    root = class_folders(tmp_path / "d", {"benign": 2, "normal": 2})
    message = _error(DatasetSpec(name="d", kind="folders", path=str(root)))
    assert "set Positive class (positive_class) to one of those labels" in message
    message = _error(DatasetSpec(name="d", kind="folders", path=str(root),
                                 label_map={"benign": "benign"}))
    assert "not in its Label mapping (label_map)" in message
    assert "Class of every unmapped label (label_map_default)" in message
