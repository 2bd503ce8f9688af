"""Two runs of one model (idc_own, seeds 0 and 1) evaluated on one site: the transfer matrix
keeps them apart (one matrix per configuration, as the command line prints), never one row
with the last run's internal AUC on its diagonal; the Compare tab shows the same grouping."""

from __future__ import annotations

import dataclasses

import pytest

from core.cli import main
from core.external import evaluate_external, external_result, transfer_groups, transfer_long
from core.training import RunSpec, train_run
from tests.dashboard.conftest import open_page
from tests.external.conftest import SOURCE
from tests.external.sites import shifted_site


@pytest.fixture(scope="module")
def two_seeds(source, tmp_path_factory):
    store, run = source
    other = train_run(RunSpec(SOURCE.dataset, SOURCE.model, SOURCE.strategy, seed=1,
                              overrides=SOURCE.overrides), store)
    site = shifted_site(tmp_path_factory.mktemp("site_seeds"), name="site_seeds")
    stored = {r.run_id: evaluate_external(store, r.run_id, site, split="all")
              for r in (run, other)}
    results = [external_result(stored[r.run_id], r, n_boot=20) for r in (run, other)]
    return store, (run, other), stored, results, site


def test_each_configuration_gets_its_own_matrix(two_seeds) -> None:
    _, (run, other), _, results, site = two_seeds
    groups = transfer_groups(results)
    assert [g.setup for g in groups] == ["idc_own, none, quick, seed 0",
                                         "idc_own, none, quick, seed 1"]
    assert [g.name for g in groups] == [g.setup for g in groups]  # one model, two setups
    for group, result in zip(groups, results):
        long = transfer_long(group.results).set_index("test_dataset")
        assert long.loc["demo", "auc"] == result.internal.auc  # its own run's diagonal
        assert long.loc[site, "auc"] == result.run_evaluation.auc.auc
    assert results[0].internal.auc != results[1].internal.auc


def test_two_runs_on_one_dataset_in_one_matrix_each_get_a_row(two_seeds) -> None:
    _, (run, other), _, results, site = two_seeds
    alike = [results[0], dataclasses.replace(results[1], setup=results[0].setup)]
    (group,) = transfer_groups(alike)
    long = transfer_long(group.results)
    assert set(long["source"]) == {f"demo · run {run.run_id}", f"demo · run {other.run_id}"}
    diagonal = long[~long["external"]].set_index("source")["auc"]
    assert diagonal[f"demo · run {other.run_id}"] == results[1].internal.auc


def test_the_cli_and_the_transfer_tab_group_alike(two_seeds, monkeypatch, capsys) -> None:
    store, (run, other), stored, _, site = two_seeds
    monkeypatch.setenv("LESIONLAB_STORE", str(store.root))
    assert main(["evaluate", "--runs", f"{run.run_id},{other.run_id}", "--on", site,
                 "--split", "all"]) == 0
    out = capsys.readouterr().out
    assert "transfer matrix, idc_own, none, quick, seed 0" in out
    assert "transfer matrix, idc_own, none, quick, seed 1" in out
    evals = ",".join(s.evaluation_id for s in stored.values())
    at = open_page("pages/compare.py", {"runs": run.run_id, "evals": evals})
    at.session_state["view"] = "Transfer"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    heads = [h.value.replace("\\", "") for h in at.subheader]
    assert "Model idc_own, none, quick, seed 0" in heads
    assert "Model idc_own, none, quick, seed 1" in heads
    assert not at.warning or all("choose one" not in w.value for w in at.warning)
    sets = next(df.value for df in at.dataframe if "n_events" in df.value.columns)
    assert len(sets) == 2 and set(sets["n_images"]) == {160}


def test_budget_runs_of_other_minutes_are_other_setups_whatever_they_augmented() -> None:
    """The transfer matrix's key names a budget run's minutes and planner (a 10- and a
    30-minute run never share a row); the augmentation the budget chose follows the source
    dataset's kind of images, so two datasets' runs of one request still share a matrix."""
    from core.external.results import setup_of

    def budget_run(seconds: float, augmentation: str) -> dict:
        return {"model": "idc_own", "strategy": "none", "profile": "budget", "seed": 0,
                "budget": {"seconds": seconds, "planner": 6},
                "recipe": {"augmentation": augmentation}}

    assert setup_of(budget_run(600.0, "light")) == "idc_own, none, budget, seed 0, 10 min " \
                                                   "(planner 6)"
    assert setup_of(budget_run(600.0, "light")) == setup_of(budget_run(600.0, "histology"))
    assert setup_of(budget_run(600.0, "light")) != setup_of(budget_run(1800.0, "light"))
