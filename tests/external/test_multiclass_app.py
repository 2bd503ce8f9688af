"""A multiclass run's external evaluation in the app (real AppTest): a three-class run, trained
for real (one short epoch on small generated images), evaluated through the Compare page's form
on a second three-class dataset (another seed, every image brighter); the picker offers it
and the multiclass panel shows core's K x K numbers on the external set; the Errors page lists
its mistakes one class against the others, at thresholds frozen from the source's validation
split, each linking to Explain."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl

import numpy as np
import pytest

from core.evaluation import RunEvaluation, multiclass_from_predictions
from core.external import evaluate_external
from core.store import ResultsStore
from core.store.evaluations import EvaluationStore
from core.training import RunSpec, train_run
from tests.dashboard.conftest import chart_specs, no_exception, open_page
from tests.external.sites import CLASSES, three_class_site

TINY = {"epochs": 1, "max_train_images": 32, "batch_size": 8, "input_size": 24}
NAME = "idc_initial · trained on lesions_a, tested on lesions_b · all images"


@pytest.fixture(scope="module")
def multiclass_run(lesionlab_home, tmp_path_factory):
    """``(store, run, registry)``: the run on site A, with site B declared beside it; the
    app's environment points at both."""
    base = tmp_path_factory.mktemp("multiclass_sites")
    registry = base / "datasets.toml"
    three_class_site(base, "lesions_a", registry, seed=0)
    three_class_site(base, "lesions_b", registry, seed=1, brightness=15.0)
    store = ResultsStore(base / "store")
    run = train_run(RunSpec("lesions_a", "idc_initial", overrides=TINY), store,
                    registry_path=registry)
    mp = pytest.MonkeyPatch()
    mp.setenv("LESIONLAB_STORE", str(store.root))
    mp.setenv("LESIONLAB_DATASETS", str(registry))
    yield store, run, registry
    mp.undo()


def _offered(at) -> list[str]:
    """The picker's evaluations (no picker at all while the store holds none)."""
    try:
        return list(at.multiselect(key="compare.evals").options)
    except KeyError:
        return []


def _confusions(at) -> list[np.ndarray]:
    out = []
    for spec in chart_specs(at):
        title = spec.get("layout", {}).get("title", {}).get("text", "")
        if title.startswith("Confusion matrix (arg-max class"):
            cells = np.array(spec["data"][0]["text"])
            out.append(np.vectorize(lambda s: int(str(s).split("<br>")[0]))(cells))
    return out


def test_the_form_evaluates_a_multiclass_run_and_its_panel_shows_it(multiclass_run) -> None:
    store, run, _ = multiclass_run
    assert run.record["task"] == "multiclass"
    at = open_page("pages/compare.py", {"runs": run.run_id})
    no_exception(at)
    at.multiselect(key="compare.evaluate.runs").set_value([run.run_id])
    at.selectbox(key="compare.evaluate.dataset").set_value("lesions_b")
    at.radio(key="compare.evaluate.split").set_value("all")
    at.text_input(key="compare.evaluate.mapping").input("")
    at.button(key="compare.evaluate.go").click().run()
    no_exception(at)
    assert not at.error, [e.value for e in at.error]  # the form accepted it
    deadline = time.monotonic() + 240
    while not _offered(at):
        assert time.monotonic() < deadline, "the evaluation never appeared"
        time.sleep(1)
        at.run()
    (eid,) = EvaluationStore(store.root).list_evaluations()["evaluation_id"]
    picker = at.multiselect(key="compare.evals")
    assert picker.format_func(eid) == NAME
    picker.set_value([eid]).run()
    no_exception(at)
    assert not at.error, [e.value for e in at.error]  # nothing left out of the comparison
    heads = [s.value.replace("\\", "") for s in at.subheader]  # md escapes the underscores
    assert f"{NAME} — 3 classes" in heads, heads
    stored = EvaluationStore(store.root).get(eid)
    external = multiclass_from_predictions(stored.predictions(), list(CLASSES))
    internal = multiclass_from_predictions(run.predictions(), list(CLASSES))
    assert int(external.confusion.sum()) == 3 * 14  # every image of lesions_b
    shown = _confusions(at)
    assert len(shown) == 2  # the run's own, then its evaluation's
    np.testing.assert_array_equal(shown[0], internal.confusion)
    np.testing.assert_array_equal(shown[1], external.confusion)


def test_the_errors_page_lists_an_evaluations_mistakes_one_class_against_the_rest(
        multiclass_run) -> None:
    store, run, registry = multiclass_run
    stored = evaluate_external(store, run.run_id, "lesions_b", split="all",
                               registry_path=registry)
    k, chosen = 2, CLASSES[2]
    at = open_page("pages/errors.py", {"eval": stored.evaluation_id, "class": chosen,
                                       "t": "youden"})
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="class").value == chosen
    # the threshold is frozen from the source run's own validation rows, class k vs the rest
    t = RunEvaluation.from_predictions(run.predictions(), k, n_boot=10
                                       ).choose_threshold("youden").threshold
    test = stored.predictions().query("split == 'test'")
    wrong = test[(test[f"prob_{k}"].to_numpy() >= t) != (test["target"].to_numpy() == k)]
    heading = at.subheader[0].value.replace("\\", "")  # Markdown-escaped
    assert heading.startswith(f"{len(wrong)} of {len(test)} test images misclassified"), heading
    assert heading.endswith(f"at threshold {t:.3f}"), heading
    links = [link for link in at.get("page_link") if "explain" in (link.proto.page or "")]
    assert len(links) == min(12, len(wrong)) > 0
    query = dict(parse_qsl(links[0].proto.query_string))
    assert query["eval"] == stored.evaluation_id
    explain = open_page("pages/explain.py", query)
    no_exception(explain)
    assert not explain.error, [e.value for e in explain.error]

