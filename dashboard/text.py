"""The app's one rule for showing text that comes from outside the code: shown as written.

Outside text is anything the code does not spell out itself: URL query parameters, dataset,
model, class, file and column names, group ids, metadata values, run labels built from them,
and every exception message (they quote paths and names). It must never become markup: no
link, no image (the browser would fetch it, telling a third party who looked and when), no
bold, no ``:material/...:`` icon, no LaTeX. Which function applies depends on the widget,
measured in a real browser on Streamlit 1.67 (``tests/hardening/test_markup.py``):

Markdown widgets: :func:`literal`, or :func:`md` for a sentence of the code's own with values
    Every body text (``st.markdown``, ``caption``, ``info``, ``warning``, ``error``,
    ``success``, ``write``, ``title``, ``header``, ``subheader``, ``toast``), every widget
    label (buttons, inputs, selectbox, radio, checkbox, toggle, download, page link, metric
    label, value and delta), every ``help=`` tooltip, tab, expander, popover and status
    labels, progress and spinner texts, radio options, image captions, ``st.table`` cells
    (:func:`markdown_table`).
    Escaping Markdown's characters is not enough: GitHub-flavoured autolinks are found after
    escapes are resolved (``www\\.x\\.com`` and ``http\\://x`` still become links, as do
    ``a@b\\.co``), and so are ``:material/..:`` icons and ``:smile:`` emoji. :func:`literal`
    therefore also puts a WORD JOINER (U+2060, invisible, zero width) after a colon that is
    followed by text, before an ``@`` and between ``www`` and a dot: the text reads the same
    (a copy of it holds the invisible joiners), and none of those patterns matches any more.
Plain-text widgets: :func:`visible`, and :func:`plain_table` for every ``st.dataframe``
    ``st.text``, ``st.code``, ``st.json``, dataframe cells and headers, selectbox and
    multiselect options. They render no markup; escaping would show backslashes. Hidden
    characters are still shown as codes.
plotly figures: :func:`plot_text` (from :mod:`core.text`: core builds the figures and the
    HTML report, and never imports the dashboard)
    Titles, axis titles, legend names, tick labels, annotations and hover text render a
    subset of HTML (``<a href>`` is a live link) and hovertemplates fill ``%{...}``.
Download file names: :func:`file_name`
    Letters, digits, ``-``, ``_`` and ``.`` only, never a path.
CSV downloads: :func:`spreadsheet_table`
    A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
    (``=HYPERLINK("http://...")`` is a live link); such text cells get a leading ``'``.

``tests/hardening/test_markup.py`` holds every page to this: a static check that each
Markdown argument of a Streamlit call in ``pages/`` and ``dashboard/`` is a literal of the code
or goes through :func:`literal` / :func:`md`, and a real browser that walks every page of a
store whose every name is a link, an image and a bare URL to a loopback listener, with such
values in every query parameter: the listener must receive no request and the pages must hold
no link or image to it.
"""

from __future__ import annotations

import re
import string
from typing import Any

import pandas as pd

from core.text import HIDDEN_CATEGORIES, plot_text, visible

__all__ = ["HIDDEN_CATEGORIES", "visible", "literal", "md", "plot_text", "file_name",
           "plain_table", "markdown_table", "spreadsheet_table", "WORD_JOINER", "as_read"]

#: Characters Streamlit's Markdown gives a meaning: emphasis, links, code, ``:red[...]`` and
#: ``:material/...:`` directives, LaTeX (``$``), HTML-ish (``<``, ``&``), lists, headings
#: (``#``, and ``=`` under a line), tables.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=])")
#: Invisible, zero width, no line break: splits a pattern without changing what is read.
WORD_JOINER = "\u2060"
#: Where an autolink, an icon or an emoji would start (after Markdown escaping): a colon
#: followed by anything but a space (``http:``, ``mailto:``, ``:material/``, ``:smile:``), an
#: ``@`` after anything (e-mail addresses), ``www`` before a (escaped) dot.
_PATTERN_START = re.compile(r"(?i)(?<=:)(?=[^\s])|(?=@)|(?<=www)(?=\\?\.)")


def literal(text: object, lines: bool = False) -> str:
    """``text`` shown exactly as written where Streamlit renders Markdown (see the module
    docstring): hidden characters as escape codes, Markdown's characters escaped, autolink,
    icon and emoji patterns broken by an invisible word joiner. ``lines``: a message of several
    lines (the code's own, e.g. one problem per line) keeps its line breaks, as Markdown hard
    breaks; a line cannot start a heading, list or quote since those characters are escaped."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", visible(text, keep="\n" if lines else ""))
    escaped = escaped.replace("\n", "  \n") if lines else escaped
    return _PATTERN_START.sub(WORD_JOINER, escaped)


class _LiteralFormatter(string.Formatter):
    """``str.format`` whose every replacement field is formatted, then made :func:`literal`."""

    def format_field(self, value: Any, format_spec: str) -> str:
        return literal(format(value, format_spec))


_FORMATTER = _LiteralFormatter()


def md(template: str, /, *args: Any, **values: Any) -> str:
    """A Markdown sentence of the code's own (``template``, which may use ``**bold**``) with
    outside values in its ``{fields}`` (format specs as in ``str.format``: ``{t:.3f}``), each
    shown literally. ``md("**{n}** images of {name}", n=3, name=user_text)``."""
    return _FORMATTER.format(template, *args, **values)


def file_name(stem: object, suffix: str = "", limit: int = 80,
              default: str = "lesionlab") -> str:
    """A download's file name from outside text: the last path component's letters, digits,
    ``-``, ``_`` and ``.`` (others become ``_``), at most ``limit`` characters, never hidden
    (no leading dot), ``default`` when nothing is left, then ``suffix``."""
    last = str(stem).replace("\\", "/").rsplit("/", 1)[-1]
    clean = re.sub(r"[^A-Za-z0-9_.-]+", "_", last).strip("._-")[:limit].rstrip("._-")
    return f"{clean or default}{suffix}"


def _text_cells(frame: pd.DataFrame, text) -> pd.DataFrame:
    """``frame`` with ``text`` applied to its text cells, column names and index labels."""
    def textual(dtype: Any) -> bool:
        return (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
                or isinstance(dtype, pd.CategoricalDtype))

    def cell(value: Any) -> Any:
        return text(value) if isinstance(value, str) else value

    out = frame.rename(columns=cell)
    if not isinstance(out.index, pd.MultiIndex) and textual(out.index.dtype):
        out.index = out.index.map(cell)
    for i, dtype in enumerate(out.dtypes):
        if textual(dtype):
            out.isetitem(i, out.iloc[:, i].astype(object).map(cell))
    return out


def plain_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as ``st.dataframe`` should get it: every text cell, column name and index
    label through :func:`visible`. Dataframe cells render no markup, but a right-to-left
    override in a class or file name would still reorder what is read. Numbers are kept."""
    return _text_cells(frame, visible)


def markdown_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as ``st.table`` should get it: ``st.table`` renders its cells, column names
    and index labels as Markdown, so each text one goes through :func:`literal`."""
    return _text_cells(frame, literal)


#: How a spreadsheet recognises a formula (OWASP's list for CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` for a CSV download: a text cell or column name that a spreadsheet would run
    as a formula gets a leading ``'`` (shown as text; the rest is kept as it is)."""
    return _text_cells(frame, lambda t: "'" + t if t.startswith(_FORMULA_START) else t)


def as_read(markdown: str) -> str:
    """What a reader sees of a :func:`literal` text (escapes resolved, joiners removed): for
    tests that compare shown text with the original."""
    return re.sub(r"\\(.)", r"\1", markdown.replace(WORD_JOINER, ""))

