"""Every wrong value in ``datasets.toml`` (or the Datasets form) is one DatasetError that names
the file, the ``[[dataset]]`` entry, the setting and what it must be; never a raw TypeError,
OverflowError or ValueError, and never a quote of a long or unprintable value.

The table of bad values is built from the dataclass's own field types, so a field added later
is covered without touching this file (the class of defect, not the reported examples:
``path = 5``, ``name = 3``, ``fold = 1e400``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.datasets import DatasetError, DatasetSpec, load_registry
from core.datasets.fieldcheck import MAX_TEXT

LONG = "L" * (MAX_TEXT + 1)
#: Wrong values per annotation; each must be refused whatever the field.
WRONG_TEXT = [5, 3.5, True, ["a"], {"a": "b"}, float("inf"), float("nan"), "a\x00b",
              "\x1b[31mred", LONG, dt.date(2024, 1, 1)]
WRONG = {
    str: WRONG_TEXT,
    int: ["1", 1.5, float("inf"), float("-inf"), float("nan"), True, [1], {"a": 1}, 0, 101,
          2**63 - 1, -(2**63)],
    bool: ["yes", 1, 0, 1.0, [True], "true"],
    "names": [5, True, [1], [["a"]], {"a": "b"}, ["ok", "a\x00"], [LONG], [1.5]],
    "table": ["x", 5, ["a"], {"a": 1}, {"a": {"b": "c"}}, {"a": ["b"]}, {"a": "b\x00"}],
}


def _kind_of(hint) -> object:
    origin = typing.get_origin(hint)
    if origin is tuple:
        return "names"
    if origin is dict:
        return "table"
    if origin in (typing.Union, types.UnionType):
        return next(a for a in typing.get_args(hint) if a is not type(None))
    return hint


def _cases():
    hints = typing.get_type_hints(DatasetSpec)
    for f in dataclasses.fields(DatasetSpec):
        for value in WRONG[_kind_of(hints[f.name])]:
            yield pytest.param(f.name, value, id=f"{f.name}={str(value)[:20]!r}")


def _write(tmp_path, entry: dict) -> typing.Any:
    path = tmp_path / "datasets.toml"
    path.write_text(tomli_w.dumps({"dataset": [entry]}), encoding="utf-8")
    return path


#: Every setting is accepted on every kind; breakhis is the kind where ``fold`` matters.
BASE = {"name": "bad", "kind": "breakhis", "path": "/data/bh"}


@pytest.mark.parametrize("field, value", list(_cases()))
def test_every_field_refuses_every_wrong_type(tmp_path, field, value):
    path = _write(tmp_path, BASE | {field: value})
    with pytest.raises(DatasetError) as info:
        load_registry(path)
    message = str(info.value)
    assert str(path) in message and "[[dataset]] entry 1" in message, message
    assert f"setting {field} must be" in message, message
    assert info.value.fix.startswith(f"write it as {field} = "), message
    assert LONG[:100] not in message and "\x00" not in message and "\x1b" not in message
    assert len(message) < 600, message
    if field != "name":
        assert "Dataset 'bad'" in message, message


@pytest.mark.parametrize("text, phrase", [
    ('name = "x"\nkind = "folders"\npath = 5', "setting path must be text"),
    ('name = 3\nkind = "folders"\npath = "/d"', "setting name must be text"),
    ('name = "x"\nkind = "breakhis"\npath = "/d"\nfold = 1e400',
     "setting fold must be a whole number"),
])
def test_the_reported_examples_as_a_user_writes_them(tmp_path, text, phrase):
    """The issue's own lines (TOML reads 1e400 as infinity; int() of it overflowed)."""
    path = tmp_path / "datasets.toml"
    path.write_text(f"[[dataset]]\n{text}\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=phrase):
        load_registry(path)


def test_missing_required_settings_and_unknown_top_level_keys(tmp_path):
    path = tmp_path / "datasets.toml"
    path.write_text('[[dataset]]\nkind = "folders"\npath = "/d"\n', encoding="utf-8")
    with pytest.raises(DatasetError, match="lacks the setting.*name"):
        load_registry(path)
    path.write_text('datasets = 1\n[[dataset]]\nname = "a"\nkind = "folders"\npath = "/d"\n',
                    encoding="utf-8")
    with pytest.raises(DatasetError, match="unknown top-level key.*'datasets'"):
        load_registry(path)


def test_a_registry_that_is_a_folder_is_one_message(tmp_path):
    (tmp_path / "datasets.toml").mkdir()
    with pytest.raises(DatasetError, match="cannot be read"):
        load_registry(tmp_path / "datasets.toml")


def test_valid_values_still_load(tmp_path):
    path = _write(tmp_path, {"name": "ok", "kind": "breakhis", "path": "/d", "fold": 5,
                             "label_level": "subtype", "allow_outside": True,
                             "class_names": "one", "label_map": {"1": "a"}})
    spec = load_registry(path)["ok"]
    assert (spec.fold, spec.allow_outside, spec.class_names) == (5, True, ("one",))


def test_the_datasets_form_goes_through_the_same_checks():
    """The Datasets page builds its spec with from_dict: a NUL in a path (which os.stat would
    turn into a raw ValueError) is the same one message as in the TOML."""
    from dashboard.datasets.form import spec_from_fields

    with pytest.raises(DatasetError, match=r"setting path must be text .*without control"):
        spec_from_fields({"kind": "folders", "name": "f", "path": "/data/a\x00b"})
    with pytest.raises(DatasetError, match=r"setting name must be text .*without control"):
        spec_from_fields({"kind": "folders", "name": "a\x1bb", "path": "/data"})


# -- fuzz: any TOML value in any setting ---------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
SCALARS = (st.booleans() | st.integers(-(2**63), 2**63 - 1) | TEXT
           | st.floats(allow_nan=True, allow_infinity=True) | st.dates())
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6)
FIELDS = [f.name for f in dataclasses.fields(DatasetSpec)]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=VALUES)
def test_any_toml_value_in_any_setting_is_a_spec_or_one_dataset_error(tmp_path, field, value):
    path = _write(tmp_path, {"name": "f", "kind": "folders", "path": "/d"} | {field: value})
    try:
        spec = load_registry(path)
    except DatasetError as exc:
        assert str(path) in str(exc)
        return
    got = getattr(spec[value if field == "name" else "f"], field)
    if isinstance(got, tuple):  # a list setting; a lone text is a one-name list
        assert got == (tuple(value) if isinstance(value, list) else (value,))
    else:
        assert got == value and type(got) is type(value)
