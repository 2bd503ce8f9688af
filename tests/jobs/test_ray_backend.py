"""The Ray backend on a real local Ray instance (2 CPUs) training real, tiny Keras models.

Nothing is replaced: the tasks run the engine in Ray worker processes against a results store
in a temporary folder, the driver relays their events through a Ray queue, and the worker that
is killed is a real process killed with SIGKILL. The grid is small (tiny runs on the SYNTHETIC
demo dataset) so that the module stays within a couple of minutes on 2 cores.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.jobs import CACHED, CANCELLED, DONE, FAILED, JobRunner
from core.store import ResultsStore
from core.training.events import ProgressEvent, WorkerStarted
from tests.jobs.conftest import JOB_TIMEOUT_S, TINY, tiny

ray = pytest.importorskip("ray", reason="the optional Ray backend is not installed "
                          "(pip install -r requirements-ray.txt)")

from core.jobs.ray_backend import RayBackend  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
WORKER = WorkerStarted.kind  # the event a task sends first, with its pid


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray instance for the module: starting one takes seconds."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def ray_store(tmp_path_factory) -> ResultsStore:
    return ResultsStore(tmp_path_factory.mktemp("ray_store"))


@pytest.fixture(scope="module")
def ray_runner(local_ray, ray_store, registry):
    runner = JobRunner(ray_store, backend=RayBackend(store=ray_store, registry_path=registry))
    yield runner
    runner.shutdown(cancel=True, timeout=120)


class Events:
    """Every event the job reports, in order, as (run index, serialised event): what crossed
    the Ray queue must still be a ProgressEvent (a dict has no ``to_dict``, and a listener
    that raises is dropped, so these tests would see no events)."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, dict]] = []

    def __call__(self, index: int, event: ProgressEvent) -> None:
        self.seen.append((index, event.to_dict()))

    def of(self, index: int, kind: str) -> list[dict]:
        return [e for i, e in self.seen if i == index and e["event"] == kind]


GRID = [tiny(m, s) for m in ("idc_initial", "idc_own") for s in ("none", "class_weight")]


@pytest.fixture(scope="module")
def grid_job(ray_runner):
    events = Events()
    job = ray_runner.submit(GRID, label="ray grid", on_event=events)
    assert job.wait(JOB_TIMEOUT_S), "the grid did not finish"
    return job.snapshot(), events


def test_every_run_of_the_grid_lands_in_the_store_exactly_once(grid_job, ray_store):
    snap, events = grid_job
    assert [r.status for r in snap.runs] == [DONE] * len(GRID), [r.error for r in snap.runs]
    ids = [r.run_id for r in snap.runs]
    assert len(set(ids)) == len(GRID)
    listed = ray_store.list_runs()
    assert sorted(listed["run_id"]) == sorted(ids)  # one index row per run, no extra
    assert sorted(p.name for p in ray_store.runs_dir.iterdir()) == sorted(ids)
    assert list(ray_store.work_root.iterdir()) == []  # every scratch folder cleared
    assert list(ray_store.tmp_dir.iterdir()) == []
    for run in snap.runs:
        record = ray_store.get(run.run_id).record
        assert record["spec"]["model"] == run.spec.model
        assert record["spec"]["strategy"] == run.spec.strategy
        assert record["summary"]["test_auc"] == run.summary["test_auc"]
    assert snap.log[-1].endswith(f"job finished: {len(GRID)} of {len(GRID)} run(s) stored, "
                                 "0 failed")


def test_runs_trained_in_ray_workers_in_parallel_with_progress_relayed(grid_job):
    snap, events = grid_job
    workers = [events.of(i, "worker") for i in range(len(GRID))]
    assert all(len(w) == 1 for w in workers), "no retry was needed here"
    assert os.getpid() not in {w[0]["pid"] for w in workers}
    for i, run in enumerate(snap.runs):
        assert [e["epoch"] for e in events.of(i, "epoch")] == [1, 2]
        assert events.of(i, "done")[0]["run_id"] == run.run_id
        assert run.epoch == 2 and run.epochs == 2
    spans = sorted((r.started_at, r.finished_at) for r in snap.runs)
    assert any(b[0] < a[1] for a, b in zip(spans, spans[1:])), "no two runs overlapped"


def test_a_second_submission_trains_nothing(ray_runner, grid_job):
    snap, _ = grid_job
    events = Events()
    again = ray_runner.submit(GRID, label="again", on_event=events)
    assert again.wait(120)
    second = again.snapshot()
    assert [r.status for r in second.runs] == [CACHED] * len(GRID)
    assert second.finished_run_ids == snap.finished_run_ids
    assert not [e for _, e in events.seen if e["event"] == WORKER], "a task was submitted"


def test_a_killed_worker_is_retried_and_a_failing_run_is_reported(ray_runner, ray_store):
    """Run 0's worker is SIGKILLed once its training has started, and is retried; run 1 names
    an unknown model, a user error, which is not retried. The grid survives both."""
    killed: dict = {}
    lock = threading.Lock()

    def kill_first_attempt(index: int, event: ProgressEvent) -> None:
        with lock:
            if index == 0 and event.kind == "training" and not killed:
                pid = [e for i, e in events.seen if i == 0 and e["event"] == WORKER][-1]["pid"]
                os.kill(pid, signal.SIGKILL)
                killed["pid"] = pid

    events = Events()
    specs = [tiny("idc_initial", "oversample"), tiny("no_such_model")]
    job = ray_runner.submit(specs, label="kill and fail", on_event=events)
    job.subscribe(kill_first_attempt)
    assert job.wait(JOB_TIMEOUT_S)
    snap = job.snapshot()

    survivor, broken = snap.runs
    assert killed, "the first run never started training"
    attempts = events.of(0, WORKER)
    assert [e["attempt"] for e in attempts] == [1, 2]
    assert attempts[0]["pid"] == killed["pid"] != attempts[1]["pid"]
    assert survivor.status == DONE, survivor.error
    assert ray_store.has(survivor.run_id)
    assert list(ray_store.list_runs()["run_id"]).count(survivor.run_id) == 1
    assert not (ray_store.work_root / survivor.run_id).exists()
    assert any("attempt 2" in line and "died" in line for line in snap.log)

    assert broken.status == FAILED
    assert broken.error_type == "UnknownModelError"
    assert "Unknown model 'no_such_model'" in broken.error
    assert [e["attempt"] for e in events.of(1, WORKER)] == [1]  # a user error: not retried
    assert "no_such_model" in broken.traceback
    assert snap.log[-1].endswith("job finished: 1 of 2 run(s) stored, 1 failed")


def test_cancel_interrupts_running_tasks_and_drops_queued_ones(ray_runner, ray_store):
    """Three runs on two CPUs: cancelled once one of them trains, the third is still queued.
    50 epochs each, so that no run can finish in the moment between its first epoch and the
    cancel reaching it (a 2-epoch run sometimes did, and was rightly stored)."""
    from dataclasses import replace

    long = {**TINY, "epochs": 50}
    specs = [replace(tiny("idc_own", s), overrides=long) for s in ("oversample", "undersample")]
    specs.append(replace(tiny("idc_initial", "undersample"), overrides=long))
    events = Events()

    def cancel_when_training(index: int, event: ProgressEvent) -> None:
        if event.kind == "training":
            job.cancel()

    job = ray_runner.submit(specs, label="to cancel", on_event=events)
    job.subscribe(cancel_when_training)
    assert job.wait(JOB_TIMEOUT_S), "cancelled tasks did not end"
    snap = job.snapshot()
    assert snap.status == "cancelled"
    assert [r.status for r in snap.runs] == [CANCELLED] * 3
    started = [r for r in snap.runs if r.started_at is not None]
    assert started and all("resumes" in r.detail for r in started)
    assert any("skipped" in r.detail and r.started_at is None for r in snap.runs)
    for i, run in enumerate(snap.runs):
        assert len(events.of(i, WORKER)) <= 1, "a cancelled task must not be retried"
        assert not events.of(i, "done") and run.run_id not in set(ray_store.list_runs()["run_id"])


def test_a_cancel_that_surfaces_as_another_error_is_reported_as_cancelled(
        local_ray, tmp_path, registry):
    """ray.cancel interrupts a running task with KeyboardInterrupt, but inside a TensorFlow op
    (the pipeline's tf.numpy_function) the op reports it as its own error: the run was still
    cancelled by the user, not failed. A real task that turns the interrupt into a ValueError."""
    from core.jobs.job import Job
    from core.jobs.ray_grid import RayGrid

    began = tmp_path / "began"

    @ray.remote(num_cpus=1, max_retries=1, retry_exceptions=True)
    def interrupted_inside_an_op(*args):
        from core.jobs.ray_task import accept_cancel

        accept_cancel()  # as train_task does
        began.write_text("training")
        try:  # short sleeps: Ray's interrupt lands between bytecodes, not inside one sleep
            for _ in range(JOB_TIMEOUT_S * 20):
                time.sleep(0.05)
        except KeyboardInterrupt:
            raise ValueError("KeyboardInterrupt, as the op reports it") from None

    job = Job([tiny("idc_own", "none")], "cancelled inside an op")
    grid = RayGrid(job, interrupted_inside_an_op, store_root=tmp_path / "store",
                   registry_path=registry, relay=None, cpus=1)
    grid.submit()
    grid.on_event(0, WorkerStarted(pid=0, host="here"))  # what the task's teller sends
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while not began.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    job.cancel()
    grid.check_cancel()
    while not grid.closed and time.monotonic() < deadline:
        grid.settle()
        time.sleep(0.05)
    run = job.snapshot().runs[0]
    assert run.status == CANCELLED, (run.status, run.error)
    assert "ValueError: KeyboardInterrupt, as the op reports it" in run.error
    assert "resumes" in run.detail


def test_cli_trains_a_grid_on_ray_reports_failures_and_then_finds_it_stored(
        local_ray, tmp_path, monkeypatch, capsys):
    from core.cli import main
    from core.datasets import DatasetSpec, save_spec
    from tests.training.conftest import make_square_images

    registry = tmp_path / "datasets.toml"
    save_spec(DatasetSpec(name="squares", kind="folders",
                          path=str(make_square_images(tmp_path / "squares", n_per_class=20))),
              registry)
    # A dataset that passes the grid's checks (it is declared, loads and splits) but cannot be
    # trained on: every malignant image is truncated, so the file scan leaves that class empty.
    broken = make_square_images(tmp_path / "broken", n_per_class=20)
    for png in (broken / "malignant").iterdir():
        png.write_bytes(png.read_bytes()[:60])
    save_spec(DatasetSpec(name="broken", kind="folders", path=str(broken)), registry)
    monkeypatch.setenv("LESIONLAB_DATASETS", str(registry))
    monkeypatch.setenv("LESIONLAB_STORE", str(tmp_path / "store"))
    grid = ["run", "--epochs", "1", "--backend", "ray", "--models", "idc_initial"]

    code = main([*grid, "--datasets", "squares,broken"])
    out = capsys.readouterr().out
    assert code == 1, out  # a failed run is reported, and the others are still trained
    assert "Ray: 2 CPU(s), 0 GPU(s)" in out
    assert out.count("stored as ") == 1, out
    assert out.count("FAILED: DatasetError") == 1
    assert "(attempt 2)" not in out  # a user error (DatasetError) is not retried
    assert "Finished: 2 runs — 1 trained, 0 already stored, 1 failed." in out
    assert len(ResultsStore(tmp_path / "store").list_runs()) == 1

    code = main([*grid, "--datasets", "squares"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("stored already") == 1
    assert "Finished: 1 run — 0 trained, 1 already stored." in out


def test_cli_without_ray_installed_fails_fast_with_the_install_command():
    hide_ray = ("import sys; sys.modules['ray'] = None; from core.cli import main; "
                "sys.exit(main(['run', '--models', 'idc_initial', '--backend', 'ray']))")
    done = subprocess.run([sys.executable, "-c", hide_ray], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "error: The Ray backend needs the optional package 'ray'" in done.stderr
    assert "pip install -r requirements-ray.txt" in done.stderr
    assert "Traceback" not in done.stderr


def _train_page(monkeypatch, tmp_path, address: str):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LESIONLAB_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("LESIONLAB_DATASETS", str(tmp_path / "datasets.toml"))
    monkeypatch.setenv("LESIONLAB_RAY_ADDRESS", address)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120).run()
    at.switch_page("pages/train.py").run()
    return at


def test_the_train_page_uses_ray_when_an_address_is_configured(local_ray, monkeypatch,
                                                                tmp_path):
    from dashboard.jobs.panel import get_runner

    at = _train_page(monkeypatch, tmp_path, "auto")
    assert not at.exception, at.exception
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert any("Ray tasks (Ray at auto" in c for c in captions), captions
    runner = get_runner()
    assert isinstance(runner.backend, RayBackend) and runner.backend.address == "auto"
    assert runner.backend.store_root == (tmp_path / "store").resolve()


def test_the_train_page_says_how_to_install_ray_when_it_is_missing(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if it were not installed
    at = _train_page(monkeypatch, tmp_path, "auto")
    errors = [e.value.replace("\\", "") for e in at.error]  # as read, without escapes
    assert any("pip install -r requirements-ray.txt" in e for e in errors), errors


def test_a_gpu_share_per_run_packs_runs_onto_one_card(ray_store, monkeypatch):
    """At the studies' batch sizes one run uses a few % of a modern GPU (README, "GPU"), so a
    fractional share per run is how a grid fills a card; nonsense shares are refused."""
    from core.jobs import RayBackend, RayBackendError

    gpu_task = RayBackend(store=ray_store, gpus_per_run=0.25)._task(gpu=True)
    assert gpu_task._default_options["num_gpus"] == 0.25
    monkeypatch.setenv("LESIONLAB_RAY_GPUS_PER_RUN", "0.5")
    assert RayBackend(store=ray_store).gpus_per_run == 0.5
    for bad in (0, -1, 1.5, float("nan"), float("inf"), "half"):
        with pytest.raises(RayBackendError, match="GPUs per run"):  # a user error: one message
            RayBackend(store=ray_store, gpus_per_run=bad)


def test_a_task_accepts_cancel_even_when_started_from_a_process_that_ignores_sigint():
    """A job started in the background by a non-interactive shell ignores SIGINT, and Ray's
    workers inherit that; Ray's cancel is a KeyboardInterrupt through Python's SIGINT handler,
    so the task must put that handler back (seen: every cancel test failed under `cmd &`)."""
    code = ("import signal; signal.signal(signal.SIGINT, signal.SIG_IGN);"
            "from core.jobs.ray_task import accept_cancel; accept_cancel();"
            "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=str(Path(__file__).resolve().parents[2]))
    assert out.stdout.strip() == "True"
