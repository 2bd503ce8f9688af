"""User-supplied text made visible as written, for the places core itself renders text: plotly
figures and HTML reports. The app's whole rendering policy (which function for which widget) is
:mod:`dashboard.text`; these two functions live here because core builds figures and reports
and never imports the dashboard.

Why escaping HTML is not enough for a file name: control and format characters change what a
reader sees without showing themselves. U+202E (right-to-left override) makes
``scan\u202egnp.exe`` display as ``scanexe.png``; an ANSI escape, a zero-width space or a
newline hides or fakes part of a name. Such characters are shown as their escape code
(``\\u202e``, ``\\x1b``), so two names that look identical on screen are identical.
"""

from __future__ import annotations

import html
import unicodedata

__all__ = ["HIDDEN_CATEGORIES", "visible", "plot_text"]

#: Unicode categories that are invisible or act on the text around them: controls, format
#: characters (bidi overrides, zero-width), line and paragraph separators.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def visible(text: object, keep: str = "") -> str:
    """``text`` with every control or format character (except those in ``keep``) written as
    its Python escape code. For widgets that render no markup (``st.text``, ``st.code``,
    dataframe cells, selectbox and multiselect options)."""
    out = []
    for char in str(text):
        if char in keep or unicodedata.category(char) not in HIDDEN_CATEGORIES:
            out.append(char)
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return "".join(out)


def plot_text(text: object) -> str:
    """``text`` shown literally in a plotly figure (titles, axis titles, legend names, tick
    labels, annotations, hover text, and inside a ``hovertemplate``).

    plotly.js renders a subset of HTML in every text (``<a href>`` becomes a live link,
    ``<b>``, ``<br>``) and decodes entities; ``%{...}`` in a hover or text template is
    replaced by a data value. ``<``, ``>``, ``&`` and ``%`` are therefore written as entities
    (plotly decodes ``&#37;`` after filling the template, so ``%{x}`` in a name stays text),
    and hidden characters as escape codes (:func:`visible`)."""
    return html.escape(visible(text), quote=False).replace("%", "&#37;")
