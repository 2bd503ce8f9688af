"""From a misclassified image on Errors, one click explains its TRUE class (issue 16)."""

from __future__ import annotations

from urllib.parse import parse_qs

from core.evaluation import RunEvaluation, misclassified
from dashboard.errors import explain_query
from tests.dashboard.conftest import no_exception, open_page


def test_the_query_names_the_true_class_when_it_is_one_of_the_runs_classes():
    classes = ["benign", "malignant"]
    assert explain_query("r", "s.png", "malignant", classes, "youden") == {
        "run": "r", "sample": "s.png", "t": "youden", "class": "malignant"}
    assert explain_query("r", "s.png", "benign", classes, "0.3")["class"] == "benign"
    # One-vs-rest of a multiclass run: a false positive's truth is no single class.
    assert "class" not in explain_query("r", "s.png", "not b", ["a", "b", "c"], "0.5")


def test_each_error_links_to_explain_with_its_true_class(store_env, runs):
    rid = runs[("idc_initial", "class_weight")]
    at = open_page("pages/errors.py", {"run": rid, "t": "youden"})
    no_exception(at)
    run = store_env.get(rid)
    ev = RunEvaluation.from_predictions(run.predictions(), run.record["positive_index"])
    expected = misclassified(ev, ev.choose_threshold("youden").threshold,
                             ("benign", "malignant"))
    truth = dict(zip(expected["sample_id"], expected["true_label"]))
    links = at.get("page_link")
    assert len(links) == min(12, len(expected))
    for link in links:
        query = parse_qs(link.proto.query_string)
        assert query["class"] == [truth[query["sample"][0]]]
    # False negatives come first: the first link explains the missed class.
    assert expected["kind"].iloc[0] == "false negative"
    assert parse_qs(links[0].proto.query_string)["class"] == ["malignant"]
    assert {parse_qs(link.proto.query_string)["class"][0] for link in links} <= {
        "benign", "malignant"}
