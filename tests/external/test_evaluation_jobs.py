"""The background evaluation runner (what Compare's 'Evaluate on another dataset' queues): a
cancel before predicting stores nothing, a job stores its evaluation and reports it, a second
job finds it stored; and the transfer matrix's long table built from real results."""

from __future__ import annotations

import math

import pytest

from core.external import evaluate_external, external_result, transfer_long
from core.jobs import CACHED, CANCELLED, DONE
from core.jobs.evaluation import EvaluationJob, EvaluationRunner, EvaluationTask, run_evaluations
from core.store.evaluations import EvaluationStore
from tests.external.sites import shifted_site


@pytest.fixture(scope="module")
def site_jobs(lesionlab_home, tmp_path_factory) -> str:
    """A target of this module's own: no other test has evaluated the run on it, so what a
    job finds stored is what this module's jobs stored."""
    return shifted_site(tmp_path_factory.mktemp("site_jobs"), name="site_jobs")


@pytest.fixture(scope="module")
def runner(source):
    store, _ = source
    runner = EvaluationRunner(store)
    yield runner
    runner.shutdown(wait=True, timeout=60)


def _ids(store) -> set[str]:
    return set(EvaluationStore(store.root).list_evaluations()["evaluation_id"])


def test_a_job_cancelled_during_its_first_step_stores_nothing(source, site_jobs) -> None:
    store, run = source
    before = _ids(store)
    job = EvaluationJob([EvaluationTask(run.run_id, site_jobs, "test"),
                         EvaluationTask(run.run_id, site_jobs, "all")],
                        on_event=lambda i, event: job.cancel())
    run_evaluations(job, store)
    snap = job.snapshot()
    assert snap.done and snap.status == "cancelled"
    assert [s.status for s in snap.items] == [CANCELLED, CANCELLED]
    assert "nothing stored" in snap.items[0].detail and "skipped" in snap.items[1].detail
    assert _ids(store) == before


def test_a_job_stores_its_evaluation_and_a_second_finds_it(source, site_jobs, runner) -> None:
    store, run = source
    job = runner.submit([EvaluationTask(run.run_id, site_jobs, "test", name="demo run")])
    assert job.wait(timeout=300)
    snap = job.snapshot()
    assert snap.status == "finished" and snap.items[0].status == DONE, snap.items[0].error
    (eid,) = snap.evaluation_ids
    assert eid in _ids(store) and snap.fraction == 1.0
    again = runner.submit([EvaluationTask(run.run_id, site_jobs, "test")])
    assert again.wait(timeout=60)
    assert again.snapshot().items[0].status == CACHED
    assert again.snapshot().evaluation_ids == (eid,)
    assert [s.id for s in runner.jobs()] == [again.id, job.id]


def test_transfer_long_has_the_diagonal_and_the_external_calibration(source, site_jobs) -> None:
    store, run = source
    result = external_result(evaluate_external(store, run.run_id, site_jobs, split="all"), run,
                             n_boot=50)
    long = transfer_long([result]).set_index("test_dataset")
    internal, external = long.loc["demo"], long.loc["site_jobs"]
    assert not internal["external"] and external["external"]
    assert internal["auc"] == result.internal.auc == external["internal_auc"]
    assert math.isnan(internal["citl"]) and internal["drop"] == 0.0
    assert external["auc"] == result.run_evaluation.auc.auc
    assert external["drop"] == pytest.approx(result.drop[0])
    assert (external["citl"], external["slope"]) == (result.calibration.citl,
                                                     result.calibration.slope)
    with pytest.raises(ValueError, match="choose one model"):
        transfer_long([result, result])
