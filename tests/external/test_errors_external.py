"""The Errors page on an external evaluation (real AppTest, the real run and shifted site of
this folder): ``?eval=`` shows the TARGET images the source model gets wrong, pictured from the
target dataset, at the threshold frozen from the source run's validation split, and links
each to Explain with the evaluation (tests/external/test_explain_external.py)."""

from __future__ import annotations

import numpy as np
import pytest

from core.datasets import load_dataset
from core.evaluation import RunEvaluation
from tests.dashboard.conftest import no_exception, open_page
from tests.external.sites import evaluated_site

PAGE = "pages/errors.py"
SITE = "site_errors"
NAME = f"idc_own · trained on demo, tested on {SITE} · all images"


@pytest.fixture(scope="module")
def evaluated(source, lesionlab_home, tmp_path_factory):
    yield from evaluated_site(source, tmp_path_factory, SITE)


@pytest.fixture(scope="module")
def at(evaluated):
    run, stored = evaluated
    return open_page(PAGE, {"eval": stored.evaluation_id, "t": "youden"})


def _frozen_youden(run) -> float:
    return RunEvaluation.from_predictions(run.predictions(), 1, n_boot=10
                                          ).choose_threshold("youden").threshold


def test_the_evaluation_is_offered_beside_the_runs(at, evaluated) -> None:
    _, stored = evaluated
    no_exception(at)
    picker = at.selectbox(key="errors.eval")
    assert picker.value == stored.evaluation_id
    assert picker.format_func(stored.evaluation_id) == NAME


def test_the_target_images_wrong_at_the_source_runs_frozen_threshold(at, evaluated) -> None:
    run, stored = evaluated
    no_exception(at)
    t = _frozen_youden(run)
    test = stored.predictions().query("split == 'test'")
    wrong = test[(test["prob_1"].to_numpy() >= t) != (test["target"].to_numpy() == 1)]
    heading = at.subheader[0].value.replace("\\", "")  # Markdown-escaped
    assert heading.startswith(f"{len(wrong)} of {len(test)} test images misclassified"), heading
    assert heading.endswith(f"at threshold {t:.3f}"), heading
    assert 0 < len(wrong) < len(test)  # the shifted site: some, not all, wrong
    shown_ids = {c.value.replace("\\", "") for c in at.caption} & set(wrong["sample_id"])
    assert len(shown_ids) == min(12, len(wrong))
    target_ids = set(load_dataset(SITE).table["sample_id"])
    assert shown_ids <= target_ids  # TARGET images, not the source run's


def test_each_error_is_pictured_from_the_target_dataset(at, evaluated) -> None:
    run, stored = evaluated
    no_exception(at)
    t = _frozen_youden(run)
    test = stored.predictions().query("split == 'test'")
    n_wrong = int(np.sum((test["prob_1"].to_numpy() >= t) != (test["target"].to_numpy() == 1)))
    assert len(at.get("image")) == min(12, n_wrong)  # one thumbnail per error on the page
    assert not [c.value for c in at.caption if c.value.startswith("No image")]


def test_each_error_links_to_explain_with_the_evaluation(at, evaluated) -> None:
    _, stored = evaluated
    no_exception(at)
    links = [link for link in at.get("page_link") if "explain" in (link.proto.page or "")]
    assert len(links) == len(at.get("image"))
    assert all(f"eval={stored.evaluation_id}" in link.proto.query_string for link in links)


def test_a_free_threshold_moves_the_gallery(at, evaluated) -> None:
    from dashboard.threshold import PRESET_FREE

    _, stored = evaluated
    at.radio(key="errors.threshold.preset").set_value(PRESET_FREE).run()
    at.slider(key="errors.threshold.value").set_value(0.3).run()
    no_exception(at)
    t = 0.3
    test = stored.predictions().query("split == 'test'")
    n_wrong = int(np.sum((test["prob_1"].to_numpy() >= t) != (test["target"].to_numpy() == 1)))
    assert at.subheader[0].value.replace("\\", "").startswith(f"{n_wrong} of {len(test)} ")
