"""Every Compare tab with one run and one external evaluation selected (real AppTest, the real
run and shifted site of this folder).

Why every tab: AppTest renders only the open tab, so a panel that raised on an evaluation, or
dropped it without a word, went unseen while the tests opened only Overview and Transfer. Each
tab must run without an exception and show the evaluation by its label: in its figures or
tables where the panel applies, or in one line saying why it is left out where it cannot.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from dashboard.compare.panels import TABS
from tests.dashboard.conftest import no_exception, open_page
from tests.external.sites import shifted_site

PAGE = "pages/compare.py"
SITE = "site_panels"
NAME = f"idc_own · trained on demo, tested on {SITE} · all images"
#: Tabs whose panels cannot take an external evaluation (one model on another dataset is not
#: a configuration over seeds, nor a fold): they must say so, naming it.
LEFT_OUT = {"Ranking", "Cross-validation"}
#: The transfer matrix names datasets, not items: the evaluation is its target's column.
BY_DATASET = {"Transfer": SITE}


@pytest.fixture(scope="module")
def at(source, lesionlab_home, tmp_path_factory):
    from core.external import evaluate_external

    store, run = source
    site = shifted_site(tmp_path_factory.mktemp(SITE), name=SITE)
    stored = evaluate_external(store, run.run_id, site, split="all")
    mp = pytest.MonkeyPatch()
    mp.setenv("LESIONLAB_STORE", str(store.root))
    yield open_page(PAGE, {"runs": run.run_id, "evals": stored.evaluation_id})
    mp.undo()


def _tab(at, label: str):
    (tab,) = [t for t in at.tabs if t.label == label]
    return tab


def _shown(tab) -> str:
    """What a tab's figures and tables name: trace names, legend/axis/annotation text, cells."""
    figures = [json.dumps(json.loads(c.proto.spec), ensure_ascii=False)
               for c in tab.get("plotly_chart")]
    tables = [df.value.to_csv() for df in tab.dataframe]
    return "\n".join(figures + tables)


def _said(tab) -> str:
    """What a tab says in words (captions, notes, headings)."""
    said = "\n".join(str(e.value) for kind in ("caption", "info", "markdown", "subheader")
                      for e in tab.get(kind))
    return said.replace("\\", "")  # outside text is escaped for Markdown (dashboard.text.md)


@pytest.mark.parametrize("label", TABS)
def test_every_tab_shows_the_external_evaluation(at, label) -> None:
    at.session_state["view"] = label
    at.run()
    no_exception(at)
    tab = _tab(at, label)
    if label == "Subgroups":  # nothing is preselected: choose the first shared column
        (column,) = [s for s in tab.selectbox if s.key == "compare.subgroup.column"]
        assert column.options, "the run and the evaluation share no metadata column"
        column.set_value(column.options[0]).run()
        no_exception(at)
        tab = _tab(at, label)
    if label in LEFT_OUT:
        assert NAME in _said(tab), f"{label} drops the evaluation without a word"
    else:
        assert BY_DATASET.get(label, NAME) in _shown(tab), f"{label} does not show it"



def test_the_note_links_each_evaluation_to_its_errors(at) -> None:
    """Compare's note says where an evaluation's errors are and how Explain takes a target
    image, and links each evaluation to its Errors gallery (``?eval=<id>``)."""
    no_exception(at)
    note = next(c.value for c in at.caption if c.value.startswith("External evaluations:"))
    assert "Errors page" in note and "uploading the image" in note
    links = [parse_qs(link.proto.query_string) for link in at.get("page_link")
             if link.proto.page.rsplit("/", 1)[-1].startswith("errors")]
    assert [q["eval"] for q in links] == [at.multiselect(key="compare.evals").value]
