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

import io
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.downloads import csv_bytes
from dashboard.text import WORD_JOINER, as_read, file_name, literal, md, plot_text, visible
from tests.hardening import browser, hostile_store, markup_scan
from tests.hardening.stclient import Server

REPO = Path(__file__).resolve().parents[2]
APP_SOURCES = sorted([REPO / "app.py", *REPO.glob("pages/*.py"),
                      *REPO.glob("dashboard/**/*.py")])

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


def test_csv_downloads_hold_no_spreadsheet_formula():
    table = pd.DataFrame({"=name": ['=HYPERLINK("http://x","log in")', "+1", "@a", "ok"],
                          "score": [-1.5, 2.0, 3.0, 4.0]})
    back = pd.read_csv(io.BytesIO(csv_bytes(table)))
    assert list(back.columns) == ["'=name", "score"]
    assert back["'=name"].tolist() == ['\'=HYPERLINK("http://x","log in")', "'+1", "'@a", "ok"]
    assert back["score"].tolist() == [-1.5, 2.0, 3.0, 4.0]  # numbers stay numbers


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
    st.dataframe(values)
    st.dataframe(plain_table(values), column_config={"x": st.column_config.LinkColumn()})
    st.download_button("d", values.to_csv())
'''
    found = [line.split(": ")[1] for line in markup_scan.source_offenders(source, "x")]
    assert found == ["caption argument 1", "warning argument 1", "metric argument 2",
                     "radio options", "download_button(file_name=)", "expander argument 1",
                     "button(help=)", "subheader argument 1", "dataframe data",
                     "LinkColumn", "to_csv"], found


def test_every_markdown_argument_in_the_app_is_code_text_or_literal():
    offenders = [o for path in APP_SOURCES for o in markup_scan.offenders(path, REPO)]
    assert offenders == []


def test_word_joiner_is_invisible_and_does_not_break_lines():
    import unicodedata

    assert unicodedata.category(WORD_JOINER) == "Cf" and unicodedata.name(WORD_JOINER) == (
        "WORD JOINER")


# -- a real server and a real browser on a hostile store -----------------------------------

#: Every query parameter a page reads, and one none reads.
PARAMS = ("runs", "run", "t", "sample", "class", "level", "agg", "view", "per", "page", "dataset",
          "model", "zz_unknown")
PAGES = ("", "datasets", "train", "compare", "weighting", "errors", "explain")


@pytest.fixture(scope="module")
def listener():
    """A loopback HTTP server that records every request: a fetched image, a followed link."""
    hits: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def _record(self):
            hits.append(f"{self.command} {self.path}")
            self.send_response(204)
            self.end_headers()

        do_GET = do_POST = do_HEAD = _record

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.hits = hits
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def world(trained_store, listener, tmp_path_factory) -> hostile_store.HostileWorld:
    return hostile_store.build(tmp_path_factory.mktemp("hostile"), trained_store,
                               hostile_store.Hostile(listener.server_address[1]))


@pytest.fixture(scope="module")
def served(world, tmp_path_factory):
    server = Server({"LESIONLAB_STORE": str(world.store.root),
                     "LESIONLAB_DATASETS": str(world.registry)},
                    tmp_path_factory.mktemp("markup_server") / "streamlit.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    with browser.chromium(tmp_path_factory.mktemp("chrome")) as driver:
        yield driver


def _offences(report: dict, origin: str) -> list[str]:
    """Links and images that came from outside text, raw HTML in figures, exceptions."""
    app, out = urlsplit(origin).netloc, []
    for href, text in report["links"]:
        url = urlsplit(href)
        if href and (url.netloc != app or hostile_store.TOKEN in url.path or "log in" in text):
            out.append(f"link {href!r} ({text[:60]!r})")
    for src in report["images"]:
        local = src.startswith(("data:", "blob:")) or urlsplit(src).netloc == app
        if not local or hostile_store.TOKEN in src:
            out.append(f"image {src!r}")
    for fig in report["figures"]:
        out += [f"plotly figure: ...{fig[max(0, m.start() - 80):m.end() + 20]}..."
                for m in re.finditer(r"(?i)<a |<img", fig)]
    return out + [f"exception: {e}" for e in report["exceptions"]]


def _check(driver, origin: str, where: str, shown: tuple[str, ...] = ()) -> None:
    """The page holds nothing from outside text but that text, as written (``shown``)."""
    report = browser.inspect(driver)
    offences = _offences(report, origin)
    assert offences == [], (where, offences)
    text = report["text"].replace(WORD_JOINER, "")
    missing = [s for s in shown if visible(s) not in text]
    assert not missing, (where, missing)


def _open(driver, origin: str, path: str, params: dict[str, str]) -> None:
    driver.get(f"{origin}/{path}?{urlencode(params)}")
    browser.settle(driver)


def _visits(world: hostile_store.HostileWorld) -> list[tuple[str, dict, tuple, list, tuple]]:
    """(page, query, texts it must show as written, actions, texts shown after them): every
    page, every query parameter hostile (known runs added where a page needs them to draw)."""
    h, first = world.hostile, world.run_ids[0]
    bad = {p: h.text(f"param-{p}") for p in PARAMS}
    known = {"runs": ",".join([bad["runs"], *world.run_ids]), "run": first,
             "sample": world.samples[0], "dataset": world.dataset, "model": h.text("model")}
    tabs = [("tab", t) for t in ("Calibration", "Paired tests", "Subgroups", "Ranking",
                                 "Decision curves")]
    check = [("choose", "Dataset to check", "log in dataset"), ("button", "Run the check")]
    return [
        ("", bad, (), [], ()),
        ("datasets", bad, (), check, (world.samples[0], world.classes[0])),
        ("train", bad, (), [], ()),
        ("compare", bad | {"runs": known["runs"]},
         (bad["runs"][:39], bad["t"][:39], h.text("weightsnote"), world.dataset,
          h.text("mcmodel")), tabs, ()),
        ("compare", bad | {"runs": known["runs"], "per": "configuration"},
         (bad["runs"][:39], h.text("weightsnote"), world.dataset), [("tab", "Ranking")], ()),
        ("weighting", bad | {k: known[k] for k in ("dataset", "model")},
         (world.dataset, h.text("weightsnote")), [], ()),
        ("errors", bad, (bad["run"][:39],), [], ()),
        ("errors", bad | {"run": first}, (world.classes[1], *world.misclassified), [], ()),
        ("explain", bad, (f"run = {bad['run']}",), [], ()),
        ("explain", bad | {k: known[k] for k in ("run", "sample")},
         (world.samples[0], world.classes[0], world.dataset), [], ()),
    ]


def _act(driver, action: tuple) -> None:
    kind, *args = action
    if kind == "tab":
        browser.click_text(driver, '[role="tab"]', args[0])
    elif kind == "button":
        browser.click_text(driver, "button", args[0])
    else:
        browser.choose(driver, *args)


@pytest.mark.browser
def test_every_page_shows_hostile_names_and_parameters_as_written(page, world, served,
                                                                   listener):
    """Every page, with the hostile store and hostile query parameters: no request reaches
    the listener, no link or image comes from outside text, and that text is shown. (``page``
    comes first: without Chromium the test skips before anything is trained or served.)"""
    for path, params, shown, actions, shown_after in _visits(world):
        _open(page, served.url, path, params)
        _check(page, served.url, path or "home", shown)
        for number, action in enumerate(actions, start=1):
            _act(page, action)
            _check(page, served.url, f"{path} after {action}",
                   shown_after if number == len(actions) else ())
        assert listener.hits == [], path


def test_literal_keeps_the_lines_of_a_message_of_several_problems():
    message = "2 problems:\n# not a heading\n- www.example.com [x](http://e.x)"
    shown = literal(message, lines=True)
    assert "\\x0a" not in shown and shown.count("  \n") == 2
    for line in shown.split("  \n"):
        assert not line.startswith(("#", "-", ">")) and "](" not in line
    assert as_read(shown).replace("  \n", "\n") == message
