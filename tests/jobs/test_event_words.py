"""One text per progress event: the command line, the Ray printer and the Train page's job
panel say the same words (each event's own ``describe()``, core.training.events)."""

from __future__ import annotations

import pickle

import pytest

from core.cli import ProgressBar
from core.cli_ray import GridPrinter
from core.jobs.job import Job
from core.training import RunSpec
from core.training.events import (
    BatchEnded,
    Building,
    EpochEnded,
    Predicting,
    ProgressEvent,
    RunCached,
    RunCancelled,
    RunDone,
    RunFailed,
    RunSkipped,
    RunStarted,
    TrainingStarted,
    WaitingForClaim,
    WorkerStarted,
)

EPOCH = EpochEnded(epoch=2, epochs=4, logs={"loss": 0.4, "val_loss": 0.45, "learning_rate": 0.001})

#: One event of every kind, as a run, a job and a Ray task emit them.
EVERY_KIND = [
    RunCached(run_id="r1"),
    WaitingForClaim(run_id="r1", pid=7, label="a/b"),
    Building(model="idc_initial"),
    TrainingStarted(run_id="r1", epochs=4, steps=9, resumed_from_epoch=0),
    BatchEnded(epoch=1, epochs=4, batch=5, steps=10, loss=0.5),
    EPOCH,
    Predicting(run_id="r1"),
    RunDone(run_id="r1", summary={"test_auc": 0.9}),
    RunStarted(),
    WorkerStarted(pid=11, host="node-1"),
    RunFailed(error="bad", error_type="ValueError"),
    RunCancelled(),
    RunSkipped(),
]


def test_each_event_kind_has_its_words():
    assert EPOCH.describe() == "epoch 2/4: loss 0.4000 val_loss 0.4500"
    assert EpochEnded(epoch=1, epochs=4).describe() == "epoch 1/4"
    assert BatchEnded(epoch=1, epochs=4, batch=5, steps=10, loss=0.5).describe() == (
        "epoch 2/4 · batch 5/10 · loss 0.5000")
    assert BatchEnded(epoch=0, epochs=1, batch=1, steps=0, loss=0.5).describe() == (
        "epoch 1/1 · batch 1/1 · loss 0.5000")
    assert TrainingStarted(run_id="r1", epochs=4, steps=9).describe() == (
        "training 4 epoch(s) of 9 steps")
    assert TrainingStarted(run_id="r1", epochs=4, steps=9, resumed_from_epoch=2).describe() == (
        "resuming after epoch 2 of 4")
    assert RunCached(run_id="r1").describe() == "stored already: r1"
    assert RunDone(run_id="r1").describe() == "stored as r1"
    assert Building(model="m").describe() == "building m"
    assert Predicting(run_id="r1").describe() == "predicting val and test"
    assert WaitingForClaim(run_id="r1", pid=7, label="a/b").describe() == (
        "waiting for another process (pid 7) training run r1 (a/b); this run reuses its "
        "result when it finishes")
    assert WaitingForClaim(run_id="r1").describe() == (
        "waiting for another process training run r1; this run reuses its result when it "
        "finishes")
    assert WorkerStarted(pid=3, host="h").describe() == "started on h, pid 3"
    assert WorkerStarted(pid=3, host="h", attempt=2).describe() == (
        "started on h, pid 3 (attempt 2)")
    assert RunFailed(error="bad", error_type="ValueError").describe() == (
        "FAILED: ValueError: bad")
    assert (RunCancelled().describe(), RunSkipped().describe()) == ("cancelled", "skipped")
    assert ProgressEvent().describe() == ""  # a kind without words


def test_the_one_line_printers_show_the_events_that_matter():
    shown = {type(e).__name__ for e in EVERY_KIND if e.worth_a_line}
    assert shown == {"RunCached", "WaitingForClaim", "EpochEnded", "RunDone", "WorkerStarted",
                     "RunFailed", "RunCancelled", "RunSkipped"}
    assert TrainingStarted(run_id="r", epochs=4, steps=9, resumed_from_epoch=2).worth_a_line


def test_the_serialised_form_is_the_engines_former_dict():
    """What a job keeps as ``last_event`` and what the kill tests log as JSON."""
    assert EPOCH.to_dict() == {"event": "epoch", "epoch": 2, "epochs": 4,
                               "logs": {"loss": 0.4, "val_loss": 0.45, "learning_rate": 0.001}}
    assert TrainingStarted(run_id="r", epochs=4, steps=9, resumed_from_epoch=1).to_dict() == {
        "event": "training", "run_id": "r", "epochs": 4, "steps": 9, "resumed_from_epoch": 1}
    assert BatchEnded(epoch=0, epochs=1, batch=2, steps=3, loss=0.5).to_dict() == {
        "event": "batch", "epoch": 0, "epochs": 1, "batch": 2, "steps": 3, "loss": 0.5}
    assert WaitingForClaim(run_id="r", pid=None, label="x").to_dict() == {
        "event": "waiting", "run_id": "r", "pid": None, "label": "x"}
    assert RunFailed(error="e", error_type="T").to_dict() == {
        "event": "failed", "error": "e", "error_type": "T"}
    assert RunStarted().to_dict() == {"event": "started"}
    assert len({type(e).kind for e in EVERY_KIND}) == len(EVERY_KIND)


@pytest.mark.parametrize("event", EVERY_KIND, ids=lambda e: type(e).__name__)
def test_events_cross_a_process_boundary_unchanged(event):
    """The Ray task puts the events on the driver's queue as they are (Ray pickles them)."""
    again = pickle.loads(pickle.dumps(event))
    assert again == event and type(again) is type(event)
    assert again.describe() == event.describe()


def test_the_job_panel_the_ray_printer_and_the_command_line_use_those_words(capsys):
    job = Job([RunSpec("tiny", "idc_initial")])
    job.run_started(0)
    job.run_event(0, EPOCH)
    assert job.snapshot().runs[0].detail == EPOCH.describe()
    assert job.snapshot().log[-1].endswith(EPOCH.describe())
    assert job.snapshot().runs[0].last_event == EPOCH.to_dict()
    GridPrinter([RunSpec("tiny", "idc_initial")])(0, EPOCH)
    assert capsys.readouterr().out.rstrip().endswith(EPOCH.describe())
    printer = ProgressBar()
    printer(EPOCH)
    assert capsys.readouterr().out.strip() == EPOCH.describe()


def test_the_ray_printer_says_where_a_run_started_and_how_it_ended(capsys):
    printer = GridPrinter([RunSpec("tiny", "idc_initial"), RunSpec("tiny", "idc_own")])
    printer(1, WorkerStarted(pid=5, host="node", attempt=2))
    printer(0, RunFailed(error="bad", error_type="ValueError"))
    printer(0, Building(model="idc_initial"))  # not worth a line
    printer(1, RunSkipped())
    first, second = RunSpec("tiny", "idc_initial").label, RunSpec("tiny", "idc_own").label
    assert capsys.readouterr().out.splitlines() == [
        f"[2/2] {second}: started on node, pid 5 (attempt 2)",
        f"[1/2] {first}: FAILED: ValueError: bad",
        f"[2/2] {second}: skipped",
    ]
