"""User-supplied text (file names, labels, messages that quote them) made visible as written.

Escaping HTML and Markdown is not enough for a file name: control and format characters
change what a reader sees without showing themselves. U+202E (right-to-left override) makes
``scan\u202egnp.exe`` display as ``scanexe.png``; an ANSI escape, a zero-width space or a
newline hides or fakes part of a name. Such characters are shown as their escape code
(``\\u202e``, ``\\x1b``), so two names that look identical on screen are identical.
"""

from __future__ import annotations

import re
import unicodedata

#: Characters Streamlit's Markdown gives a meaning: emphasis, links, code, ``:red[...]`` and
#: ``:material/...:`` directives, LaTeX (``$``), HTML-ish (``<``, ``&``), lists and headings.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&])")

#: Unicode categories that are invisible or act on the text around them: controls, format
#: characters (bidi overrides, zero-width), line and paragraph separators.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def visible(text: object, keep: str = "") -> str:
    """``text`` with every control or format character (except those in ``keep``) written as
    its Python escape code."""
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


def escape_markdown(text: object, keep: str = "\n") -> str:
    """``text`` shown literally where Streamlit renders Markdown (no links, no emphasis, no
    ``:material/...:`` icons or ``:red[...]`` directives smuggled in by a file name); control
    and format characters other than ``keep`` are shown as escape codes (:func:`visible`)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", visible(text, keep=keep))
