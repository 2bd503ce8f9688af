"""The "declare a dataset" form, generated from the kind's rows, turned into a saved DatasetSpec.

Declaring is two steps a user cannot get wrong in between: the spec is built from the form and
the dataset is *loaded* (every loader check runs: layout, labels, positive class), and only then
is it written to the registry. Any problem is one :class:`DatasetError` message, shown as it is;
nothing is saved and the form keeps what the user typed.

"Show the class mapping" loads the same way and saves nothing: it shows which class each label
found becomes (BUSI's benign + normal -> non-malignant), computed by
:mod:`core.datasets.classmap`, so the user sees the classes before saving and changes them in
the form's label mapping. The same mapping is shown again under the saved message.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.datasets import DatasetError, DatasetSpec, load_dataset, save_spec
from core.datasets.classmap import ClassMapping, loaded_mapping
from core.datasets.formvalues import form_rows, maps_labels, spec_from_fields
from core.datasets.kind import Ask, Row
from core.datasets.loaders import KINDS, declarable_kinds
from dashboard.text import literal, plain_table

FLASH_KEY = "datasets_saved_message"
EDIT_HINT = ("Nothing is saved yet. To map the labels differently, write one raw=class line per "
             "label found under Label mapping (a label left out takes the Class of every "
             "unmapped label), or change Positive class or Task; then show the mapping again.")
FIXED_HINT = ("Nothing is saved yet. This kind's labels come from its layout; Positive class "
              "and Task decide the classes.")


@dataclass(frozen=True)
class Declared:
    """The outcome of a successful declaration, for the confirmation message."""

    spec: DatasetSpec
    n_images: int
    class_counts: dict[str, int]
    notes: tuple[str, ...]
    mapping: ClassMapping


def preview(fields: dict) -> ClassMapping:
    """Build and load (all checks), save nothing: the classes the declaration produces."""
    return loaded_mapping(load_dataset(spec_from_fields(fields)))


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
                    tuple(ds.notes), loaded_mapping(ds))


def declare_form() -> None:
    """The form of the chosen kind, generated from its rows; on submit, validate and save,
    and say what happened."""
    kind = st.selectbox("Kind", declarable_kinds(), key="declare_kind",
                        help="How the images and their labels are laid out on disk.")
    st.caption(literal(KINDS[kind].summary))
    with st.form(f"declare_{kind}", clear_on_submit=False):
        fields: dict = {"kind": kind}
        for row in form_rows(kind):
            _row(row, f"declare_{kind}", fields)
        replace = st.checkbox("Replace a declaration that has the same name",
                              key=f"declare_{kind}_replace")
        shown = st.form_submit_button(
            "Show the class mapping", icon=":material/account_tree:",
            help="Loads the dataset with every check and shows which class each label found "
            "becomes; saves nothing.")
        submitted = st.form_submit_button("Validate and save", type="primary")
    if shown:
        _preview(fields)
    elif submitted:
        _submit(fields, replace)


def _row(row: Row, prefix: str, fields: dict) -> None:
    """One row of controls: a lone one at full width, several in columns."""
    if len(row.asks) == 1 and row.widths is None:
        places = [st]
    else:
        places = st.columns(row.widths or len(row.asks))
    for place, ask in zip(places, row.asks):
        fields[ask.setting] = _widget(place, ask, f"{prefix}_{ask.widget_key}")


def _widget(place, ask: Ask, key: str):
    """The Streamlit widget for one control, returning what the user entered. Labels, help
    and options are the kind's text, shown as written (a label holds ``(?P<group>...)``)."""
    label = literal(ask.label)
    tip = literal(ask.help) if ask.help else None
    if ask.control in ("text", "names"):
        return place.text_input(label, key=key, help=tip, placeholder=ask.placeholder)
    if ask.control == "label_map":
        return place.text_area(label, key=key, help=tip, placeholder=ask.placeholder,
                               height=ask.height)
    if ask.control == "number":
        low, high, value = ask.bounds
        return place.number_input(label, low, high, value, key=key, help=tip)
    if ask.control == "select":  # an optional setting's "" option reads "not said"
        return place.selectbox(label, ask.options, key=key, help=tip,
                               format_func=lambda option: str(option) or "not said")
    return place.radio(label, ask.options, horizontal=True, key=key, help=tip,
                       format_func=literal)


def _attempt(action):
    """``action()``, or None after showing why it failed (one message; the page stays up)."""
    try:
        return action()
    except DatasetError as exc:
        st.error(literal(str(exc)), icon=":material/error:")
    except Exception as exc:  # noqa: BLE001 - a loader bug must not take the page down
        st.error(literal(f"Could not load the dataset ({type(exc).__name__}: {exc})."),
                 icon=":material/error:")
    return None


def _preview(fields: dict) -> None:
    with st.spinner("Loading the dataset to show its classes…"):
        mapping = _attempt(lambda: preview(fields))
    if mapping is not None:
        show_mapping(mapping)
        st.caption(EDIT_HINT if maps_labels(fields["kind"]) else FIXED_HINT)


def _submit(fields: dict, replace: bool) -> None:
    with st.spinner("Loading the dataset to validate it…"):
        result = _attempt(lambda: declare(fields, replace=replace))
    if result is None:
        return
    counts = ", ".join(f"{k}: {v}" for k, v in result.class_counts.items())
    st.session_state[FLASH_KEY] = (
        f"Saved '{result.spec.name}': {result.n_images} images ({counts}).", result.notes,
        result.mapping)
    st.session_state["datasets_selected"] = result.spec.name
    st.rerun()  # so the list and the check's choices include the new dataset


def show_mapping(mapping: ClassMapping) -> None:
    """The classes in one sentence, and each label found with its class."""
    st.info(literal(mapping.summary()), icon=":material/account_tree:")
    st.dataframe(placeholder="–", data=plain_table(mapping.table()), hide_index=True)


def show_saved_message() -> None:
    """The confirmation of the last save, once (the page reran to list the new dataset)."""
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        message, notes, mapping = flash
        st.success(literal(message), icon=":material/check:")
        show_mapping(mapping)
        for note in notes:
            st.info(literal(note))
