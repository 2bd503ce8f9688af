"""No emoji in the app's own text: a browser without an emoji font (a fresh server, a hospital
workstation, headless Chromium) shows each as an empty box. Icons are Material Symbols
(``:material/name:``), which Streamlit ships as a web font.

Static: every character of the code's strings in ``app.py``, ``pages/`` and ``dashboard/`` is
checked for Unicode's "other symbol" category (emoji, dingbats such as ✔ ✖, shapes such as ■
▶) and the emoji presentation selector; every string that is not a docstring, for an emoji
shortcode (``:microscope:``), which Streamlit turns into the emoji itself.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCES = [REPO / "app.py", *sorted((REPO / "pages").rglob("*.py")),
           *sorted((REPO / "dashboard").rglob("*.py"))]
#: Streamlit's shortcode pattern (streamlit.string_util); ``:material/x:`` has a slash.
SHORTCODE = re.compile(r"(?<![\w/]):[a-zA-Z0-9_+-]+:(?![\w/`])")


def symbols(text: str) -> list[str]:
    """Characters a font without emoji may lack: category So, or U+FE0F."""
    return [ch for ch in text if unicodedata.category(ch) == "So" or ch == "\ufe0f"]


def shortcodes(source: str) -> list[tuple[int, str]]:
    """(line, shortcode) in every string constant that is not a docstring."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                       ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, m) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings
            for m in SHORTCODE.findall(node.value)]


def test_the_scans_find_emoji_and_shortcodes_and_pass_material_icons():
    assert symbols("⏳ queued ✔ ■ ▶ 🔬 – → × ≥ …") == ["⏳", "✔", "■", "▶", "🔬"]
    source = ('"""Doc :mod:`x` :smile:"""\n'
              'st.set_page_config(page_icon=":microscope:")\n'
              'st.button("Go", icon=":material/check:")\n'
              'f"{t:.3f}: {n}"\n')
    assert shortcodes(source) == [(2, ":microscope:")]


def test_no_emoji_in_the_apps_text():
    found = []
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(REPO)
        for number, line in enumerate(source.splitlines(), start=1):
            found += [f"{where}:{number}: {ch!r} ({unicodedata.name(ch, '?')})"
                      for ch in symbols(line)]
        found += [f"{where}:{number}: {code}" for number, code in shortcodes(source)]
    assert found == [], "\n".join(found)
