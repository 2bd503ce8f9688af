"""A user error in a Ray task is reported once, as the in-process backend reports it.

Ray retries a task that raises (``retry_exceptions``: a worker out of GPU memory may succeed on
a second try), but a missing dataset folder or an unknown model fails the same way twice, and
the user waits for both. So the task returns a ``LesionlabError`` as a value
(``ray_task.UserError``) and the driver reports it after one attempt. The round trip of that
value is checked without Ray; the single attempt on a real local Ray instance, with the
backend's own task options, counting attempts in a file the task appends to.
"""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import pytest

from core.jobs import FAILED, JobRunner
from core.jobs.ray_task import UserError
from core.store import ResultsStore, RunNotFound
from tests.jobs.conftest import JOB_TIMEOUT_S, tiny


def _returned(exc: Exception) -> UserError:
    try:
        raise exc
    except Exception as raised:  # noqa: BLE001 - as train_task catches it
        return UserError.of(raised)


def test_a_user_error_crosses_as_plain_strings_and_comes_back_as_its_own_class():
    """``RunNotFound(run_id)`` has its own ``__init__``: the exception itself would not
    unpickle, its class name and message do."""
    original = RunNotFound("abc123")
    value = pickle.loads(pickle.dumps(_returned(original)))
    assert value.error_type == "RunNotFound" and value.message == str(original)
    assert "RunNotFound" in value.traceback and "raise exc" in value.traceback
    rebuilt = value.exception()
    assert type(rebuilt) is RunNotFound and str(rebuilt) == str(original)


def test_a_class_the_driver_cannot_import_comes_back_as_a_plain_user_error():
    gone = UserError("core.no_such_module", "VanishedError", "a message", "tb")
    not_an_error = UserError("pathlib", "Path", "a message", "tb")
    for value in (gone, not_an_error):
        rebuilt = value.exception()
        assert type(rebuilt).__name__ == "LesionlabError" and str(rebuilt) == "a message"


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray", reason="the optional Ray backend is not installed")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _ray_failure(ray, spec, attempts: Path, store_root: Path, registry: Path):
    """The failed run of a one-run job whose task, with the backend's own options (retries,
    ``max_calls``, environment), appends a line to ``attempts`` and then trains as usual."""
    from core.jobs.job import Job
    from core.jobs.ray_backend import RayBackend
    from core.jobs.ray_grid import RayGrid
    from core.jobs.ray_task import train_task

    options = RayBackend(store=ResultsStore(store_root), registry_path=registry)._task(
        gpu=False)._default_options

    def counted(*args):
        with open(attempts, "a") as file:
            file.write("attempt\n")
        return train_task(*args)

    job = Job([spec], "a user error on Ray")
    grid = RayGrid(job, ray.remote(**options)(counted), store_root=store_root,
                   registry_path=registry, relay=None, cpus=1)
    grid.submit()
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while not grid.closed and time.monotonic() < deadline:
        grid.settle()
        time.sleep(0.1)
    assert grid.closed, "the task did not end"
    return job.snapshot()


def test_a_user_error_on_ray_is_reported_once_after_one_attempt(local_ray, tmp_path, registry):
    attempts = tmp_path / "attempts.txt"
    snap = _ray_failure(local_ray, tiny("no_such_model"), attempts, tmp_path / "store",
                        registry)
    run = snap.runs[0]
    assert attempts.read_text().splitlines() == ["attempt"]  # ran once: not retried
    assert run.status == FAILED
    assert run.error_type == "UnknownModelError"
    assert "Unknown model 'no_such_model'" in run.error
    assert "UnknownModelError" in run.traceback  # the worker's traceback, kept for a developer
    failed = [line for line in snap.log if "FAILED" in line]
    assert len(failed) == 1  # reported once
    assert failed[0].endswith(f"[1/1] {run.label}: FAILED (UnknownModelError): {run.error}")

    # word for word what the in-process backend reports for the same run
    local = JobRunner(ResultsStore(tmp_path / "local"), registry_path=registry)
    try:
        same = local.submit([tiny("no_such_model")], label="in process")
        assert same.wait(JOB_TIMEOUT_S)
    finally:
        local.shutdown(cancel=True, timeout=60)
    there = same.snapshot().runs[0]
    assert (there.status, there.error_type, there.error) == (FAILED, run.error_type, run.error)
