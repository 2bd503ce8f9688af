"""No text from outside the code becomes markup, on any page, in any widget.

Three layers, each able to fail on its own:

* the policy functions of :mod:`dashboard.text` (hypothesis on arbitrary text): what a reader
  sees is the text as written, and no pattern that Streamlit's Markdown turns into a link, an
  image, an icon or an emoji survives;
* a static scan (:mod:`tests.hardening.markup_scan`) of every Streamlit call in ``pages/`` and
  ``dashboard/``: each argument that renders Markdown is text of the code or goes through
  ``literal`` / ``md``, each download's file name through ``file_name``;
* a real ``streamlit run`` server and headless Chromium walking every page of a store and a
  dataset whose every name is a link, an image and a bare URL to a loopback listener
  (:mod:`tests.hardening.hostile_store`), with such values in every query parameter: the
  listener must receive no request, no page may hold a link or image from those names, and the
  names must be shown as written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.text import WORD_JOINER, as_read, file_name, literal, md, plot_text, visible
from tests.hardening import markup_scan

REPO = Path(__file__).resolve().parents[2]
APP_SOURCES = sorted([REPO / "app.py", *REPO.glob("pages/*.py"), *REPO.glob("dashboard/*.py")])

#: What GitHub-flavoured Markdown (remark-gfm, as Streamlit 1.67 runs it) turns into a link in
#: plain text after escapes are resolved (mdast-util-gfm-autolink-literal), and Streamlit's own
#: icon and emoji shortcodes.
AUTOLINK = re.compile(r"(?i)https?://|(mailto|xmpp):[-.\w+]|www\.|[-.\w+]@[-\w]|:[\w+-]+:"
                      r"|:material/")
SPECIALS = set("\\`*_{}[]()#+-.!|<>~:$&=")
HOSTILE = ["[log in](http://127.0.0.1:1/x) ![p](http://127.0.0.1:1/p.png)",
           "www.example.com http://a.b/c HTTPS://X.Y a@b.co mailto:x@y.z :material/home: :+1:",
           "<img src=x onerror=alert(1)> **b** `c` $x$ :red[r] ~~s~~ 1. a\n===\n# h | t |",
           "scan\u202egnp.exe zero\u200bwidth \x1b[31m &amp; &#60; 14:03:12"]


def _parsed(markdown: str) -> str:
    """The text a Markdown parser sees once backslash escapes are resolved."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _check_literal(text: str) -> None:
    shown = literal(text)
    assert as_read(shown) == visible(text)
    assert not AUTOLINK.search(_parsed(shown)), (text, shown)
    unescaped = re.sub(r"\\.", "", shown)
    assert not SPECIALS & set(unescaped), (text, shown)


@pytest.mark.parametrize("text", HOSTILE)
def test_literal_shows_the_text_and_nothing_a_parser_links(text):
    _check_literal(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
       | st.lists(st.sampled_from(["www", ".", ":", "/", "@", "http", "a", " ", "\\", "m",
                                   "material", "[", "](", ")", "!", "<", ">"]),
                  max_size=25).map("".join))
def test_literal_on_any_text(text):
    _check_literal(text)


def test_md_keeps_the_template_and_shows_values_literally():
    out = md("**{n}** of {name} at {t:.3f}", n=3, name="[x](http://e.x)", t=0.5)
    assert out.startswith("**3** of ") and as_read(out) == "**3** of [x](http://e.x) at 0.500"
    assert not AUTOLINK.search(_parsed(out.split(" of ", 1)[1]))
    assert md("{x}", x="{y}") == "\\{y\\}"  # a value is never a template


def test_plot_text_escapes_html_templates_and_hidden_characters():
    text = plot_text('<a href="http://x">%{x}</a> &amp; \u202e')
    assert "<" not in text and "%{" not in text and "\u202e" not in text
    assert text == '&lt;a href="http://x"&gt;&#37;{x}&lt;/a&gt; &amp;amp; \\u202e'


@given(st.text(max_size=80))
def test_file_names_are_plain_and_never_paths(text):
    name = file_name(text, ".csv")
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.csv", name), name


def test_the_scan_finds_outside_text_in_markdown_arguments():
    """The scan can fail: each unsafe call below is reported, each safe one is not."""
    source = '''
import streamlit as st
from dashboard import urlstate
TITLE = "Runs"
def page(name, values, runs):
    label = "fixed"
    st.caption(name)
    st.warning(f"{name} failed")
    st.info(f"{len(values)} of {values[0]:.3f} " + TITLE)
    col = st.columns(2)[0]
    col.metric("Runs", runs.shape)
    st.radio("r", values, format_func=str)
    st.radio("r", values, format_func=literal)
    st.download_button("d", b"", file_name=name)
    st.download_button("d", b"", file_name=file_name(name, ".csv"))
    st.expander(md("{n} runs", n=name))
    st.expander(md(name))
    st.button(label, help=name)
    st.tabs([literal(n) for n in values])
    st.subheader(f"{name!r}")
    urlstate.write("runs", name)
'''
    found = [line.split(": ")[1] for line in markup_scan.source_offenders(source, "x")]
    assert found == ["caption argument 1", "warning argument 1", "metric argument 2",
                     "radio options", "download_button(file_name=)", "expander argument 1",
                     "button(help=)", "subheader argument 1"], found


def test_every_markdown_argument_in_the_app_is_code_text_or_literal():
    offenders = [o for path in APP_SOURCES for o in markup_scan.offenders(path, REPO)]
    assert offenders == []


def test_word_joiner_is_invisible_and_does_not_break_lines():
    import unicodedata

    assert unicodedata.category(WORD_JOINER) == "Cf" and unicodedata.name(WORD_JOINER) == (
        "WORD JOINER")
