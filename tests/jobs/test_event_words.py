"""One text per progress event: the command line, the Ray printer and the Train page's job
panel say the same words (core.training.events.describe)."""

from __future__ import annotations

from core.cli import ProgressBar
from core.cli_ray import GridPrinter
from core.jobs.job import Job
from core.training import RunSpec
from core.training.events import describe

EPOCH = {"event": "epoch", "epoch": 2, "epochs": 4,
         "logs": {"loss": 0.4, "val_loss": 0.45, "learning_rate": 0.001}}


def test_each_event_kind_has_its_words():
    assert describe(EPOCH) == "epoch 2/4: loss 0.4000 val_loss 0.4500"
    assert describe({"event": "batch", "epoch": 1, "epochs": 4, "batch": 5, "steps": 10,
                     "loss": 0.5}) == "epoch 2/4 · batch 5/10 · loss 0.5000"
    assert describe({"event": "training", "epochs": 4, "steps": 9}) == (
        "training 4 epoch(s) of 9 steps")
    assert describe({"event": "training", "epochs": 4, "resumed_from_epoch": 2}) == (
        "resuming after epoch 2 of 4")
    assert describe({"event": "cached", "run_id": "r1"}) == "stored already: r1"
    assert describe({"event": "done", "run_id": "r1"}) == "stored as r1"
    assert describe({"event": "waiting", "run_id": "r1", "pid": 7, "label": "a/b"}) == (
        "waiting for another process (pid 7) training run r1 (a/b); this run reuses its "
        "result when it finishes")
    assert describe({"event": "something new"}) == ""


def test_the_job_panel_the_ray_printer_and_the_command_line_use_those_words(capsys):
    job = Job([RunSpec("tiny", "idc_initial")])
    job.run_started(0)
    job.run_event(0, EPOCH)
    assert job.snapshot().runs[0].detail == describe(EPOCH)
    assert job.snapshot().log[-1].endswith(describe(EPOCH))
    GridPrinter([RunSpec("tiny", "idc_initial")])(0, EPOCH)
    assert capsys.readouterr().out.rstrip().endswith(describe(EPOCH))
    printer = ProgressBar()
    printer(EPOCH)
    assert capsys.readouterr().out.strip() == describe(EPOCH)
