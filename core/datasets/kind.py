"""What a dataset kind is: one object holding its loader, its settings and its form.

A kind (``folders``, ``csv``, ...) used to live in four places that had to agree: the loader,
the loader table, the declaration's fields and the Datasets form's if-chains. Now each kind
module ends with one :class:`DatasetKind`, listed once in ``KINDS``
(:mod:`core.datasets.loaders`); from those objects :class:`~core.datasets.spec.DatasetSpec`
takes its fields (so their types, ranges and choices are checked by
:mod:`core.datasets.fieldcheck`), and the Datasets form is generated (rows of :class:`Ask`).

This module describes the form; it renders nothing (``core`` never imports Streamlit): the
dashboard maps each :attr:`Ask.control` to a widget.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from core.datasets.spec import DatasetSpec
    from core.datasets.table import LoadedDataset


class _Required:
    """The default of a setting every declaration must give (``name``, ``kind``); not
    :data:`dataclasses.MISSING`, which would make ``Setting``'s own ``default`` required."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()

#: The form controls, and how each turns the user's input into a setting's value:
#: ``text`` (one line, trimmed), ``names`` (comma- or newline-separated, as a list),
#: ``label_map`` (a text area of ``raw=class`` lines), ``number`` (a whole number), ``select``
#: (one of ``options``), ``choice`` (horizontal radio buttons; a form-only choice that decides
#: which settings are sent, see :attr:`Ask.chooses`).
CONTROLS = ("text", "names", "label_map", "number", "select", "choice")


@dataclass(frozen=True)
class Setting:
    """One setting of a declaration, i.e. one field of ``DatasetSpec``.

    ``type`` is the annotation the value is checked against (``str``, ``int``, ``bool``,
    ``str | None``, ``tuple[str, ...]``, ``dict[str, str]``); ``range`` (inclusive bounds) and
    ``choices`` narrow it. ``help`` says what it means, for the reader of the kind's module.
    """

    name: str
    type: Any
    default: Any = REQUIRED
    help: str = ""
    range: tuple[int, int] | None = None
    choices: tuple[str, ...] | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def as_field(self) -> tuple[str, Any, dataclasses.Field]:
        """``(name, type, field)`` for :func:`dataclasses.make_dataclass`; a mutable default
        (``{}``) becomes a factory, so no two declarations share one."""
        meta = {k: v for k, v in (("range", self.range), ("choices", self.choices)) if v}
        if self.required:
            spec_field = dataclasses.field(metadata=meta)
        elif isinstance(self.default, (dict, list)):
            default = self.default
            spec_field = dataclasses.field(default_factory=lambda: copy.copy(default),
                                           metadata=meta)
        else:
            spec_field = dataclasses.field(default=self.default, metadata=meta)
        return self.name, self.type, spec_field


@dataclass(frozen=True)
class Missing:
    """The message when a setting the form requires is left empty."""

    problem: str
    fix: str


@dataclass(frozen=True)
class Ask:
    """One control of the Datasets form.

    ``setting`` names the value in the form's values (a setting of the declaration, or a
    form-only choice); the widget's key is ``declare_<kind>_<key>`` (``key`` defaults to
    ``setting``). A value absent from the form's values is the control's initial one
    (:attr:`initial`). ``required``: the message when the value is empty; for a ``choice``,
    when the first setting of the chosen option is.
    """

    setting: str
    label: str
    control: str = "text"
    key: str = ""
    help: str | None = None
    placeholder: str | None = None
    options: tuple[Any, ...] = ()
    #: ``number``: (lowest, highest, initial value).
    bounds: tuple[int, int, int] | None = None
    #: ``label_map``: the text area's height in pixels.
    height: int | None = None
    required: Missing | None = None
    #: ``choice``: per option (in order), the settings it sends; the others are not sent.
    chooses: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        if self.control not in CONTROLS:
            raise ValueError(f"unknown control {self.control!r}; use one of {CONTROLS}")

    @property
    def widget_key(self) -> str:
        return self.key or self.setting

    @property
    def initial(self) -> Any:
        """What the control shows before the user touches it."""
        if self.control == "number" and self.bounds:
            return self.bounds[2]
        if self.control in ("select", "choice"):
            return self.options[0]
        return ""


@dataclass(frozen=True)
class Row:
    """Controls side by side: in columns of relative ``widths`` (equal when None); a lone
    control without widths takes the full width."""

    asks: tuple[Ask, ...]
    widths: tuple[int, ...] | None = None


def row(*asks: Ask, widths: tuple[int, ...] | None = None) -> Row:
    return Row(asks, widths)


@dataclass(frozen=True)
class DatasetKind:
    """A dataset layout as one unit.

    ``load`` reads a declaration of this kind into a table; ``settings`` are the declaration's
    fields only this kind reads; ``form`` the rows the Datasets form shows for it between the
    common ones; ``summary`` the line under the form's kind choice; ``path_label`` the label
    of the path. ``declarable``: offered in the form (the built-in ``demo`` is not);
    ``needs_path``: a declaration without ``path`` is refused.
    """

    name: str
    load: Callable[[DatasetSpec], LoadedDataset]
    summary: str = ""
    settings: tuple[Setting, ...] = ()
    form: tuple[Row, ...] = ()
    path_label: str = "Folder of the dataset"
    declarable: bool = True
    needs_path: bool = True
