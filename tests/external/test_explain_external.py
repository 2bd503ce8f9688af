"""Explain on an external evaluation's image (issue 13; real AppTest, the real run and shifted
site of this folder): ``?eval=&sample=`` runs the SOURCE run's model on that TARGET image, and
its live probability equals the one the evaluation stored; the Errors gallery of an evaluation
links each image there; an unknown evaluation or image is one warning, never an exception."""

from __future__ import annotations

from urllib.parse import parse_qs

import numpy as np
import pytest

from core.datasets import load_dataset
from dashboard.explain.external import SOURCE_EXTERNAL, UNKNOWN_EVAL, UNKNOWN_SAMPLE
from tests.dashboard.conftest import REPO, no_exception, open_page
from tests.external.sites import evaluated_site

SITE = "site_explain"
TIMEOUT = 240  # the first run imports TensorFlow and loads the model on a shared machine


@pytest.fixture(scope="module")
def evaluated(source, lesionlab_home, tmp_path_factory):
    yield from evaluated_site(source, tmp_path_factory, SITE)


def explain_page(**query: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "pages" / "explain.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.run()
    return at


def link_warnings(at) -> list[str]:
    """The warnings about the link (the demo run also gets its synthetic-data warnings)."""
    return [w.value for w in at.warning if "link" in w.value]


def _external_rows(stored):
    return stored.predictions().query("split == 'test'").set_index("sample_id")


@pytest.fixture(scope="module")
def linked(evaluated):
    """Explain opened on the evaluation's most confidently malignant target image."""
    run, stored = evaluated
    rows = _external_rows(stored)
    sample = str(rows["prob_1"].idxmax())
    return explain_page(eval=stored.evaluation_id, sample=sample, t="youden"), sample


def test_the_link_chooses_the_source_model_and_the_target_image(linked, evaluated) -> None:
    run, stored = evaluated
    at, sample = linked
    no_exception(at)
    assert not link_warnings(at)
    assert run.run_id in at.multiselect(key="explain.runs").value
    assert at.radio(key="explain.source").value == SOURCE_EXTERNAL
    assert at.selectbox(key="explain.eval").value == stored.evaluation_id
    assert at.selectbox(key="explain.eval_sample").value == sample
    assert sample in set(load_dataset(SITE).table["sample_id"])  # a TARGET image
    captions = [c.value.replace("\\", "") for c in at.caption]  # Markdown-escaped
    assert any(c.startswith(f"Image from {SITE} (external evaluation ") for c in captions)
    assert at.query_params["eval"] == stored.evaluation_id  # the view stays shareable
    assert at.query_params["sample"] == sample


def test_the_live_prediction_equals_the_stored_external_probability(linked, evaluated) -> None:
    run, stored = evaluated
    at, sample = linked
    no_exception(at)
    expected = _external_rows(stored).loc[sample, ["prob_0", "prob_1"]].to_numpy(float)
    (table,) = [d.value for d in at.dataframe if "P(predicted)" in d.value.columns]
    live = float(table.loc[table["run_id"] == run.run_id, "P(positive)"].iloc[0])
    assert abs(live - expected[1]) < 1e-5, (live, expected)
    (side,) = [d.value for d in at.dataframe if "stored probability" in d.value.columns]
    assert list(side["class"]) == list(run.class_names)
    np.testing.assert_allclose(side["stored probability"].to_numpy(float), expected, atol=0)
    np.testing.assert_allclose(side["live probability"].to_numpy(float), expected, atol=1e-5)


def test_the_errors_gallery_links_each_target_image_to_explain(evaluated) -> None:
    _, stored = evaluated
    at = open_page("pages/errors.py", {"eval": stored.evaluation_id, "t": "youden"})
    no_exception(at)
    links = [link for link in at.get("page_link") if "explain" in (link.proto.page or "")]
    assert len(links) == len(at.get("image")) > 0  # one link per pictured error
    rows = _external_rows(stored)
    for link in links:
        query = parse_qs(link.proto.query_string)
        assert query["eval"] == [stored.evaluation_id] and "run" not in query
        (sample,) = query["sample"]
        assert sample in rows.index
        assert query["class"] == [rows.at[sample, "label"]]  # its true class


def test_an_unknown_evaluation_is_one_warning_and_the_page_works(evaluated) -> None:
    at = explain_page(eval="0" * 20, sample="nothing.png")
    no_exception(at)
    assert link_warnings(at) == [UNKNOWN_EVAL]
    assert f"eval = {'0' * 20}" in [t.value for t in at.text]
    assert at.radio(key="explain.source").value == "Upload images"


def test_an_unknown_target_image_is_one_warning_and_shows_the_first(evaluated) -> None:
    _, stored = evaluated
    at = explain_page(eval=stored.evaluation_id, sample="nothing.png")
    no_exception(at)
    assert link_warnings(at) == [UNKNOWN_SAMPLE]
    assert "sample = nothing.png" in [t.value for t in at.text]
    assert at.selectbox(key="explain.eval_sample").value == _external_rows(stored).index[0]
