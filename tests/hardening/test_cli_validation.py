"""Every user error on the command line or in ``datasets.toml`` is one message, exit status 2,
before any work: no run starts, nothing reaches the store, TensorFlow is not even imported.

Before the fix ``--datasets nosuch``, ``--models nosuch``, ``--seeds -1`` and ``--folds 1``
printed FAILED once per run and exited 1; ``--folds 100000`` expanded into 100,000 failing runs;
``path = 5``, ``name = 3`` and ``fold = 1e400`` in the registry gave raw tracebacks. Each case
here is a real ``python -m core`` process (with ``-X importtime``, whose report proves what was
imported); they run a few at a time to keep the suite's time down. The last tests check that
a second ``core run`` of a run another process holds says whom it waits for, and that the
Train page applies the same checks.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.datasets.builders import class_folders

REPO = Path(__file__).resolve().parents[2]
#: One case: its command-line arguments, its registry file, phrases its message must hold.
Case = tuple[list[str], str, tuple[str, ...]]
RUN = ["run", "--datasets", "tiny", "--models", "idc_initial"]

REGISTRIES = {
    "good": '[[dataset]]\nname = "tiny"\nkind = "folders"\npath = "{data}"\n',
    "path5": '[[dataset]]\nname = "x"\nkind = "folders"\npath = 5\n',
    "name3": '[[dataset]]\nname = 3\nkind = "folders"\npath = "{data}"\n',
    "fold1e400": '[[dataset]]\nname = "x"\nkind = "breakhis"\npath = "{data}"\nfold = 1e400\n',
}

CASES: dict[str, Case] = {
    "unknown dataset": (["run", "--datasets", "nosuch", "--models", "idc_initial"], "good",
                        ("no dataset named 'nosuch'",)),
    "unknown model": (["run", "--datasets", "tiny", "--models", "nosuch"], "good",
                      ("Unknown model 'nosuch'",)),
    "negative seed": (RUN + ["--seeds", "-1"], "good", ("seeds must be whole numbers from 0",)),
    "seed too large": (RUN + ["--seeds", str(2**31)], "good", ("2147483647",)),
    "one fold": (RUN + ["--folds", "1"], "good", ("folds must be from 2 to 20", "got 1;")),
    "100000 folds": (RUN + ["--folds", "100000"], "good", ("got 100000",)),
    "more folds than the smallest class": (RUN + ["--folds", "5"], "good",
                                           ("has only 4 image(s)", "5-fold")),
    "zero epochs": (RUN + ["--epochs", "0"], "good", ("epochs must be from 1",)),
    "unknown strategy": (RUN + ["--strategies", "none,bogus"], "good",
                         ("Unknown imbalance strategy 'bogus'",)),
    "nan class weight": (RUN + ["--strategies", "class_weight:1,nan"], "good",
                         ("positive finite numbers",)),
    "class weights for 3 classes": (RUN + ["--strategies", "class_weight:1,2,3"], "good",
                                    ("gives 3 class weight(s)", "2 classes")),
    "missing weights file": (RUN + ["--weights", "/nowhere/model.weights.h5"], "good",
                             ("does not exist",)),
    "no dataset": (["run", "--datasets", ",", "--models", "idc_initial"], "good",
                   ("no dataset given",)),
    "grid too large": (RUN + ["--seeds", ",".join(map(str, range(5001)))], "good",
                       ("5,001 runs",)),
    "ray backend, same checks": (RUN + ["--backend", "ray", "--seeds=-1"], "good",
                                 ("seeds must be whole numbers",)),
    "nan GPU share": (RUN + ["--backend", "ray", "--gpus-per-run", "nan"], "good",
                      ("GPUs per run must be",)),
    "folds not a number": (RUN + ["--folds", "1e400"], "good", ("invalid int value",)),
    "path = 5 (run)": (["run", "--datasets", "x", "--models", "idc_initial"], "path5",
                       ("setting path must be text", "[[dataset]] entry 1")),
    "name = 3 (run)": (["run", "--datasets", "x", "--models", "idc_initial"], "name3",
                       ("setting name must be text",)),
    "fold = 1e400 (run)": (["run", "--datasets", "x", "--models", "idc_initial"], "fold1e400",
                           ("setting fold must be a whole number",)),
    "path = 5 (check)": (["check", "x"], "path5", ("setting path must be text",)),
    "fold = 1e400 (check)": (["check", "x"], "fold1e400", ("setting fold must be",)),
    "check of an unknown dataset": (["check", "nosuch"], "good", ("No dataset named 'nosuch'",)),
}
#: Every problem of one command, reported together.
ALL_AT_ONCE = (["run", "--datasets", "nosuch", "--models", "nosuch", "--seeds=-1", "--folds",
                "1", "--epochs", "0"], "good", ("5 problems",))
CASES["all at once"] = ALL_AT_ONCE
#: Some of the issue's examples, the Ray path and the all-in-one case run as real processes
#: (each costs ~2 s of CPU for its imports; "all at once" holds an unknown model, a negative
#: seed and one fold); the other cases call the same ``core.cli.main`` in this process.
IN_A_PROCESS = ("unknown dataset", "100000 folds", "path = 5 (run)", "fold = 1e400 (check)",
                "ray backend, same checks", "all at once")


@dataclass
class Outcome:
    rc: int
    stdout: str
    stderr: str  # without the -X importtime report
    imported: str  # the -X importtime report
    seconds: float
    runs_dir: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    """A tiny valid dataset (4 + 4 images) and one registry file per case above."""
    base = tmp_path_factory.mktemp("cli")
    data = class_folders(base / "tiny", {"benign": 4, "malignant": 4})
    for name, text in REGISTRIES.items():
        (base / f"{name}.toml").write_text(text.format(data=data), encoding="utf-8")
    return base


def _env(world: Path, registry: str, store: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO), "LESIONLAB_DATASETS":
            str(world / f"{registry}.toml"), "LESIONLAB_STORE": str(store),
            "TF_CPP_MIN_LOG_LEVEL": "2"}


def _run_case(world: Path, name: str, case: Case) -> Outcome:
    args, registry, _ = case
    store = world / "stores" / name.replace(" ", "_")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "core", *args], cwd=REPO,
                          env=_env(world, registry, store), capture_output=True, text=True,
                          timeout=300)
    lines = done.stderr.splitlines()
    report = "\n".join(line for line in lines if line.startswith("import time:"))
    message = "\n".join(line for line in lines if not line.startswith("import time:"))
    return Outcome(done.returncode, done.stdout, message, report, time.monotonic() - started,
                   store / "runs")


def _call_case(world: Path, name: str, case: Case, monkeypatch, capsys) -> Outcome:
    """The same command through ``core.cli.main`` in this process (argparse's exit included)."""
    from core.cli import main

    args, registry, _ = case
    store = world / "stores" / name.replace(" ", "_")
    for key, value in _env(world, registry, store).items():
        if key.startswith("LESIONLAB_"):
            monkeypatch.setenv(key, value)
    started = time.monotonic()
    try:
        rc = main(args)
    except SystemExit as exc:  # argparse
        rc = exc.code
    out = capsys.readouterr()
    return Outcome(rc, out.out, out.err, "", time.monotonic() - started, store / "runs")


@pytest.fixture(scope="module")
def processes(world) -> dict[str, Outcome]:
    """The process cases, three at a time."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(_run_case, world, name, CASES[name])
                   for name in IN_A_PROCESS}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture
def outcome(request, world, monkeypatch, capsys) -> Outcome:
    name = request.param
    if name in IN_A_PROCESS:
        return request.getfixturevalue("processes")[name]
    return _call_case(world, name, CASES[name], monkeypatch, capsys)


@pytest.mark.parametrize("outcome", list(CASES), indirect=True)
def test_a_user_error_is_one_message_exit_2_before_any_work(outcome, request):
    out = outcome
    phrases = CASES[request.node.callspec.params["outcome"]][2]
    assert out.rc == 2, (out.rc, out.stdout[-2000:], out.stderr[-2000:])
    assert out.stderr.count("error:") == 1, out.stderr
    assert "Traceback" not in out.stderr + out.stdout, out.stderr
    for phrase in phrases:
        assert phrase in out.stderr, out.stderr
    assert "FAILED" not in out.stdout and "[1/" not in out.stdout, out.stdout
    assert not out.runs_dir.exists() or not any(out.runs_dir.iterdir())
    imported = [line.split("|")[-1].strip() for line in out.imported.splitlines()]
    assert not [m for m in imported if m.split(".")[0] in ("tensorflow", "keras", "ray")], \
        "TensorFlow, Keras or Ray was imported before the error"
    assert out.seconds < 60, out.seconds  # ~2 s alone; generous for a loaded 2-core machine


def test_every_problem_of_a_command_is_listed_together(processes):
    message = processes["all at once"].stderr
    for phrase in ("Unknown model 'nosuch'", "no dataset named 'nosuch'", "seeds must be",
                   "folds must be", "epochs must be"):
        assert phrase in message, message
    assert message.count("\n  - ") == 5, message


def test_a_second_run_says_whom_it_waits_for(world, tmp_path):
    """Another process holds the run's claim (as a first `core run` training it would): the
    second prints once whom it waits for and which run, instead of hanging without a word."""
    from core.training import RunSpec, resolve

    store = tmp_path / "store"
    spec = RunSpec("tiny", "idc_initial", overrides={"epochs": 1})
    rid = resolve(spec, world / "good.toml").run_id
    env = _env(world, "good", store)
    hold = ("import sys\nfrom core.store import ResultsStore\n"
            "with ResultsStore(sys.argv[1]).claim(sys.argv[2]):\n"
            "    print('held', flush=True)\n    sys.stdin.read()\n")
    holder = subprocess.Popen([sys.executable, "-c", hold, str(store), rid], cwd=REPO, env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    second = None
    try:
        assert holder.stdout.readline().strip() == "held"
        second = subprocess.Popen([sys.executable, "-m", "core", *RUN, "--epochs", "1"],
                                  cwd=REPO, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        line = _first_line_with(second, "waiting for", timeout=240)
        assert line.strip() == (
            f"waiting for another process (pid {holder.pid}) training run {rid} "
            f"({spec.label}); this run reuses its result when it finishes"), line
        time.sleep(1)
        assert second.poll() is None, "the second run did not wait"
        assert not (store / "runs").exists() or not any((store / "runs").iterdir())
    finally:
        for proc in (second, holder):
            if proc is not None:
                proc.kill()
                proc.wait(30)


def _first_line_with(proc: subprocess.Popen, text: str, timeout: float) -> str:
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            assert proc.poll() is None, "".join(seen)
            continue
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f"no line with {text!r} in {timeout} s:\n{''.join(seen)}")


def test_the_train_page_applies_the_same_checks(monkeypatch, tmp_path, world):
    """Seeds out of range and one fold on the Train page: the grid's one message, no run to
    start (before, each run was listed as trainable and failed in the job)."""
    from tests.pages_manage.conftest import open_page, texts

    monkeypatch.setenv("LESIONLAB_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("LESIONLAB_DATASETS", str(world / "good.toml"))
    at = open_page("pages/train.py")
    at.text_input(key="train_seeds").input("0,-1").run()
    at.number_input(key="train_folds").set_value(1).run()
    assert not at.exception, at.exception
    (error,) = texts(at, "error")
    assert "seeds must be whole numbers" in error and "folds must be from 2" in error, error
    launch = [b for b in at.button if b.label.startswith("Train ")]
    assert launch and launch[0].label == "Train 0 runs in the background" and launch[0].disabled


def test_a_waiting_run_says_so_on_the_train_page_too():
    """The same engine event in a background job (Train page, Ray): the run's line and the
    job log say whom it waits for."""
    from core.jobs.job import Job
    from core.training import RunSpec
    from core.training.events import WaitingForClaim

    job = Job([RunSpec("tiny", "idc_initial")])
    job.run_started(0)
    job.run_event(0, WaitingForClaim(run_id="0123456789abcdef0123", pid=4242, label="x"))
    snap = job.snapshot()
    expected = ("waiting for another process (pid 4242) training run 0123456789abcdef0123 (x); "
                "this run reuses its result when it finishes")  # the command line's words
    assert snap.runs[0].detail == expected
    assert any(expected in line for line in snap.log), snap.log
