"""External evaluations on the Compare page (real AppTest, the real run and shifted site of
this folder): the evaluation is offered with its label, its AUC is sklearn's on its stored
predictions, a validation preset freezes the source run's threshold, the transfer matrix shows
core's numbers, and the form refuses an unmapped class with one message, storing nothing."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from core.evaluation import RunEvaluation
from core.external import evaluate_external, external_result, transfer_long
from core.store.evaluations import EvaluationStore
from tests.dashboard.conftest import open_page
from tests.external.sites import shifted_site

PAGE = "pages/compare.py"
#: The module's evaluation is of every image of site_app (split "all"), and is named so.
NAME = "idc_own · trained on demo, tested on site_app · all images"


@pytest.fixture(scope="module")
def site_app(lesionlab_home, tmp_path_factory) -> str:
    """A target of this module's own (test_evaluate.py must be the first to evaluate site_b)."""
    return shifted_site(tmp_path_factory.mktemp("site_app"), name="site_app")


@pytest.fixture(scope="module")
def evaluated(source, site_app):
    """The stored evaluation (``split="all"``) and the store
    pointed at by LESIONLAB_STORE for this module."""
    store, run = source
    stored = evaluate_external(store, run.run_id, site_app, split="all")
    mp = pytest.MonkeyPatch()
    mp.setenv("LESIONLAB_STORE", str(store.root))
    yield store, run, stored
    mp.undo()


@pytest.fixture(scope="module")
def at(evaluated):
    _, run, stored = evaluated
    return open_page(PAGE, {"runs": run.run_id, "evals": stored.evaluation_id})


def _no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _frame_with(at, column: str) -> pd.DataFrame:
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a {column!r} column")


def test_evaluation_is_offered_with_its_label_and_sklearns_auc(at, evaluated) -> None:
    _, run, stored = evaluated
    _no_exception(at)
    name = NAME
    picker = at.multiselect(key="compare.evals")
    assert picker.value == [stored.evaluation_id]
    assert picker.format_func(stored.evaluation_id) == name
    external = stored.predictions().query("split == 'test'")
    expected = roc_auc_score(external["target"] == 1, external["prob_1"])
    table = _frame_with(at, "tp").set_index("run")
    assert float(str(table.loc[name, "auc"]).split()[0]) == pytest.approx(expected, abs=6e-4)
    at.session_state["view"] = "Transfer"
    at.run()
    _no_exception(at)
    numbers = _frame_with(at, "internal_auc")
    cell = numbers[numbers["test_dataset"] == "site_app"]
    assert cell["auc"].iloc[0] == pytest.approx(expected, abs=1e-12)


def test_a_validation_preset_freezes_the_source_runs_threshold(at, evaluated) -> None:
    _, run, stored = evaluated
    at.session_state["view"] = "Overview"
    at.radio(key="compare.threshold.preset").set_value("Youden's J (val)").run()
    _no_exception(at)
    source = RunEvaluation.from_predictions(run.predictions(), 1, n_boot=10)
    frozen = round(source.choose_threshold("youden").threshold, 4)
    shown = _frame_with(at, "how").set_index("run")["threshold"]
    assert shown[NAME] == frozen
    assert len(set(shown)) == 1  # the run and its external evaluation: one threshold


def test_patient_level_and_the_per_configuration_view_take_the_evaluation(at, evaluated):
    _, run, stored = evaluated
    at.session_state["view"] = "Overview"
    at.radio(key="compare.level").set_value("group").run()
    at.selectbox(key="compare.agg").set_value("max").run()
    _no_exception(at)
    ext = stored.predictions().query("split == 'test'")
    per_patient = ext.groupby("group").agg(y=("target", "max"), s=("prob_1", "max"))
    table = _frame_with(at, "tp").set_index("run")
    assert float(str(table.loc[NAME, "auc"]).split()[0]) == pytest.approx(
        roc_auc_score(per_patient["y"], per_patient["s"]), abs=6e-4)
    at.radio(key="compare.per").set_value("configuration").run()
    _no_exception(at)
    assert any("left out of the per-configuration view" in c.value for c in at.caption)
    at.radio(key="compare.per").set_value("run")
    at.radio(key="compare.level").set_value("sample").run()
    _no_exception(at)


def test_transfer_matrix_shows_cores_cells(at, evaluated) -> None:
    _, run, stored = evaluated
    expected = transfer_long([external_result(stored, run)])
    at.session_state["view"] = "Transfer"
    at.run()
    _no_exception(at)
    shown = _frame_with(at, "internal_auc")
    assert shown["train_dataset"].tolist() == expected["train_dataset"].tolist()
    assert shown["test_dataset"].tolist() == expected["test_dataset"].tolist()
    for column in ("auc", "ci_low", "ci_high", "internal_auc", "drop", "drop_ci_low",
                   "drop_ci_high", "citl", "slope"):
        assert shown[column].tolist() == pytest.approx(expected[column].tolist(),
                                                       nan_ok=True), column
    grid = _frame_with(at, "trained on")
    assert any("drop" in str(v) for v in grid.to_numpy().ravel())


def test_form_refuses_an_unmapped_class_with_one_message(at, evaluated, site_app) -> None:
    store, run, _ = evaluated
    before = len(EvaluationStore(store.root).list_evaluations())
    errors_before = len(at.error)
    at.multiselect(key="compare.evaluate.runs").set_value([run.run_id])
    at.selectbox(key="compare.evaluate.dataset").set_value(site_app)
    at.radio(key="compare.evaluate.split").set_value("test")
    at.text_input(key="compare.evaluate.mapping").input("malignant=malignant")
    at.button(key="compare.evaluate.go").click().run()
    _no_exception(at)
    new = [e.value for e in at.error][errors_before:]
    assert len(new) == 1 and "no mapping" in new[0] and "benign" in new[0], new
    assert len(EvaluationStore(store.root).list_evaluations()) == before
    assert not any("evaluation" in (b.label or "").lower() for b in at.button
                   if (b.key or "").startswith("compare.evaluate.cancel"))


def test_the_html_report_holds_the_transfer_matrix(evaluated) -> None:
    from dashboard.compare.context import operating_points
    from dashboard.compare.report import comparison_sections
    from dashboard.evaluations import load_selection

    _, run, stored = evaluated
    eid = stored.evaluation_id
    sel = load_selection([run.run_id, eid], {run.run_id: "source run", eid: "external"})
    thresholds = {i: 0.5 for i in sel.binary_ids}
    sections = dict(comparison_sections(sel, operating_points(sel, thresholds), thresholds,
                                        "fixed 0.5"))
    assert "External evaluations" in sections["Summary"] and "external" in sections["Summary"]
    grid = sections["Transfer matrix: idc_own"]
    assert grid.set_index("trained on").loc["demo", "demo"].endswith("(internal)")
    assert "drop" in grid.set_index("trained on").loc["demo", "site_app"]


def test_the_form_queues_an_evaluation_that_then_is_offered(at, evaluated, site_app) -> None:
    store, run, stored = evaluated
    at.multiselect(key="compare.evaluate.runs").set_value([run.run_id])
    at.selectbox(key="compare.evaluate.dataset").set_value(site_app)
    at.radio(key="compare.evaluate.split").set_value("test")
    at.text_input(key="compare.evaluate.mapping").input("")
    at.button(key="compare.evaluate.go").click().run()
    _no_exception(at)
    deadline = time.monotonic() + 180
    while len(at.multiselect(key="compare.evals").options) < 2:
        assert time.monotonic() < deadline, "the evaluation never appeared"
        time.sleep(1)
        at.run()
    _no_exception(at)
    (new,) = set(EvaluationStore(store.root).list_evaluations().query("split == 'test'")
                 ["evaluation_id"])
    picker = at.multiselect(key="compare.evals")
    assert picker.format_func(new) == "idc_own · trained on demo, tested on site_app"


def test_oracle_rules_are_an_explicit_option_never_the_default(at, evaluated) -> None:
    from core.external import ORACLE_LABEL, with_oracle
    from dashboard.compare.panels.transfer import FROZEN, ORACLE

    _, run, stored = evaluated
    at.session_state["view"] = "Transfer"
    at.run()
    _no_exception(at)
    rules = at.radio(key="compare.transfer.rules")
    assert rules.options == [FROZEN, ORACLE] and rules.value == FROZEN
    assert ORACLE == ("oracle (external) — threshold re-chosen on the external set: "
                      "optimistic, not a validation")
    frozen = _frame_with(at, "chosen_on")
    assert set(frozen["chosen_on"]) == {"source validation"}
    rules.set_value(ORACLE).run()
    _no_exception(at)
    shown = _frame_with(at, "chosen_on")
    expected = with_oracle(external_result(stored, run))
    assert set(shown["chosen_on"]) == {"source validation", ORACLE_LABEL}
    assert shown["threshold"].tolist() == pytest.approx(expected["threshold"].tolist())
    assert shown["estimate"].tolist() == pytest.approx(expected["estimate"].tolist(),
                                                        nan_ok=True)
    at.radio(key="compare.transfer.rules").set_value(FROZEN).run()


def test_the_selections_record_of_an_evaluation_is_built_once(evaluated) -> None:
    from dashboard import data
    from dashboard.evaluations import external_run_record

    _, run, stored = evaluated
    first = external_run_record(stored)
    assert first.run_id == run.run_id and first.as_dict()["external_evaluation"] == stored.record
    again = external_run_record(EvaluationStore(stored.path.parents[1]).get(
        stored.evaluation_id))  # another read of the same evaluation: same id, same checksum
    assert again is first  # a cache hit: the same object, not a new deep copy
    assert data.load_external(stored.evaluation_id).evaluation.record_sha == stored.record_sha
