"""Train a job's runs as Ray tasks, in parallel, on a local Ray instance or a cluster.

A grid of (dataset, model, strategy, fold, seed) runs is embarrassingly parallel, and on a
cluster each run can have a GPU of its own; the in-process backend uses neither. The engine and
the store do not change: each task calls ``train_run`` on the same content-addressed store (a
path every node sees), whose inter-process claim lets one task train a run and whose atomic
commit means a killed task never leaves half a run behind.

What Ray does here, and this module does not re-implement:

- scheduling: each task holds 1 CPU, or 1 CPU and ``gpus_per_run`` GPU when the cluster has GPUs
  (every task gets a fresh worker process, ``max_calls=1``, so TensorFlow frees the card and
  the memory after each run, and a cancelled run's half-imported TensorFlow is never reused).
  ``gpus_per_run`` defaults to 1; a fraction (``LESIONLAB_RAY_GPUS_PER_RUN=0.25``,
  ``--gpus-per-run 0.25``) packs several runs onto one card, which pays at the studies' batch
  sizes: measured on an H100, one run of these models uses 0.4-11% of its arithmetic (README,
  "GPU"). TensorFlow grows its GPU memory on demand, so runs sharing a card do not collide;
  Ray does not police memory, so pick a fraction whose runs fit together;
- retries: ``max_retries=1`` with ``retry_exceptions=True`` runs a task a second time when it
  raised (e.g. TensorFlow ran out of GPU memory) or its worker died; the second attempt resumes
  from the last finished epoch (the work folder is in the shared store, and the kernel released
  the dead worker's claim). A user error (a ``LesionlabError``: a missing dataset folder, an
  unknown model) would only fail again, so the task returns it as a value
  (``ray_task.UserError``) instead of raising, and it is reported after one attempt;
- cancellation: ``ray.cancel`` drops queued tasks and interrupts running ones between two
  Python steps of ``fit``; finished epochs stay in the work folder, so a resubmission resumes;
- the progress channel: a ``ray.util.queue.Queue`` that tasks put the engine's events on.

One long-lived driver thread per backend submits, drains the queue and reports into each
:class:`~core.jobs.job.Job` exactly as the in-process backend does. It is also the thread that
starts Ray when nothing started it yet: a local Ray instance dies with the *thread* that started
it (its processes get the kernel's parent-death signal), so a short-lived thread, such as one
Streamlit script run, must never be the one.
"""

from __future__ import annotations

import os
import queue
import traceback
from pathlib import Path
from typing import Any

from core import config
from core.errors import LesionlabError
from core.jobs.backends import QueueThreadBackend
from core.jobs.job import Job
from core.jobs.ray_grid import RayGrid
from core.jobs.ray_task import train_task

#: ``LESIONLAB_RAY_ADDRESS`` makes the app's job runner use Ray: ``auto`` (the cluster this
#: machine belongs to), ``ray://<head>:10001`` (Ray Client) or ``local`` (a new local instance).
RAY_ADDRESS_ENV = "LESIONLAB_RAY_ADDRESS"
INSTALL_FIX = "pip install -r requirements-ray.txt"
#: A task's first attempt plus this many retries, for a raised exception (not a user error,
#: which the task returns) or a dead worker.
MAX_RETRIES = 1


class RayBackendError(LesionlabError):
    """Ray is not installed, or the cluster cannot be reached."""


def gpu_share(value: object) -> float:
    """GPUs per run: a fraction in (0, 1] or a whole number up to 64, else RayBackendError
    (``nan`` passes a plain ``<= 0`` test, and Ray would then schedule nothing)."""
    try:
        share = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        share = float("nan")
    if not (0 < share <= 1 or (share.is_integer() and 1 <= share <= 64)):
        raise RayBackendError(
            f"GPUs per run must be a fraction in (0, 1] or a whole number up to 64, got "
            f"{str(value)[:40]!r}.", fix="e.g. --gpus-per-run 0.25 (or LESIONLAB_RAY_GPUS_PER_RUN)")
    return share


def require_ray():
    """The ``ray`` module, or a :class:`RayBackendError` that says how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise RayBackendError("The Ray backend needs the optional package 'ray', which is not "
                              f"installed ({exc}).", fix=INSTALL_FIX) from None
    return ray


def configured_address() -> str | None:
    """The Ray address the app should train on, or None for the in-process default."""
    return (os.environ.get(RAY_ADDRESS_ENV) or "").strip() or None


#: Not forwarded to workers: the store and the registry are task arguments, and a variable
#: that differs between two backends would give each its own pool of worker processes.
_NOT_FORWARDED = frozenset({"LESIONLAB_STORE", "LESIONLAB_DATASETS", RAY_ADDRESS_ENV})


#: This checkout. Ray puts the driver's working folder on the workers' import path, but not
#: for Ray Client (``ray://``) drivers; naming it explicitly serves both, as long as every node
#: has the code at the same path (a shared drive, or the same deployment everywhere).
REPO_ROOT = Path(__file__).resolve().parents[2]


def _worker_env() -> dict[str, str]:
    """Environment every task gets through its ``runtime_env``: the Lesionlab settings of this
    process, with the state folder made explicit (a worker's ``~`` may be another folder)."""
    env = {k: v for k, v in os.environ.items()
           if k.startswith("LESIONLAB_") and k not in _NOT_FORWARDED}
    env[config.HOME_ENV] = str(config.home().resolve())
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    return env


class RayBackend(QueueThreadBackend):
    """Submits each run of a job as a Ray task; one driver thread reports into the jobs."""

    name = "ray"
    thread_name = "lesionlab-ray"

    def __init__(self, address: str | None = None, *, store=None,
                 registry_path: Path | None = None, init_options: dict | None = None,
                 poll_s: float = 0.5, gpus_per_run: float | None = None) -> None:
        require_ray()
        super().__init__()
        self.address = address
        self.gpus_per_run = gpu_share(gpus_per_run if gpus_per_run is not None
                                      else os.environ.get("LESIONLAB_RAY_GPUS_PER_RUN", 1))
        self.store_root = Path(store.root if store is not None else config.store_root()).resolve()
        self.registry_path = Path(registry_path or config.datasets_registry_path()).resolve()
        self.init_options = dict(init_options or {})
        self.poll_s = poll_s
        self._env = _worker_env()
        self._owns_ray = False
        self._relay = None
        self._remote: dict[bool, Any] = {}

    # (start / shutdown: QueueThreadBackend; the thread's body is _serve below)

    # -- connection ---------------------------------------------------------------------------

    def connect(self) -> dict[str, float]:
        """Join (or start) Ray now and return the cluster's resources.

        The CLI calls it first to fail fast; otherwise the driver thread does. A Ray that this
        process started already (e.g. by a test) is used as it is and left running.
        """
        ray = require_ray()
        if not ray.is_initialized():
            options = dict(self.init_options)
            # Also the job's environment: with Ray Client the head's proxy process unpickles
            # our task and its arguments, so it needs this checkout on its path as well.
            runtime_env = dict(options.pop("runtime_env", None) or {})
            runtime_env["env_vars"] = {**self._env, **runtime_env.get("env_vars", {})}
            try:
                ray.init(address=self.address, log_to_driver=False, runtime_env=runtime_env,
                         **options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise RayBackendError(
                    f"Cannot connect to Ray at {self.address or 'the default address'}: {exc}",
                    fix="start a cluster with `ray start --head` (or give --address "
                        "ray://<head>:10001), or leave the address out for a local instance; "
                        "with token authentication, set RAY_AUTH_MODE=token here too",
                ) from exc
            self._owns_ray = True
        if self._relay is None:
            from ray.util.queue import Queue

            # No CPU for the queue's actor: it must be placeable while every CPU trains.
            self._relay = Queue(actor_options={"num_cpus": 0})
        return dict(ray.cluster_resources())

    def _task(self, gpu: bool):
        """The remote training function, with its resources and retry policy."""
        if gpu not in self._remote:
            ray = require_ray()
            resources = ({"num_cpus": 1, "num_gpus": self.gpus_per_run} if gpu
                         else {"num_cpus": 1})
            # max_calls=1: every run in a fresh worker process. A worker whose task was
            # cancelled may have been interrupted inside TensorFlow's import, and a reused one
            # then fails to import it again ("tf.RaggedTensorSpec has already been
            # registered", seen in the test suite); a fresh process also frees the run's
            # memory. It costs one TensorFlow import (~5 s) per run of minutes.
            self._remote[gpu] = ray.remote(max_retries=MAX_RETRIES, retry_exceptions=True,
                                           max_calls=1, runtime_env={"env_vars": self._env},
                                           **resources)(train_task)
        return self._remote[gpu]

    # -- the driver thread ----------------------------------------------------------------------

    def _serve(self) -> None:
        grids: dict[str, RayGrid] = {}
        stopping = False
        try:
            while not (stopping and not grids):
                for job in self._take(block=not grids):
                    if job is None:
                        stopping = True
                    elif (grid := self._open(job)) is not None:
                        grids[job.id] = grid
                if grids:
                    try:
                        self._step(grids)
                    except Exception as exc:  # noqa: BLE001 - e.g. Ray itself went away
                        for grid in grids.values():
                            grid.abandon(exc, traceback.format_exc())
                    for job_id in [j for j, g in grids.items() if g.closed]:
                        del grids[job_id]
        finally:
            self._release()

    def _take(self, block: bool) -> list[Job | None]:
        items = [self._inbox.get()] if block else []
        while True:
            try:
                items.append(self._inbox.get_nowait())
            except queue.Empty:
                return items

    def _open(self, job: Job) -> RayGrid | None:
        """Connect if needed and submit the job's missing runs; None when nothing is pending."""
        try:
            resources = self.connect()
        except Exception as exc:  # noqa: BLE001 - every run of the job reports why
            text = traceback.format_exc()
            for i in range(len(job.specs)):
                job.run_failed(i, exc, text)
            job.close()
            return None
        gpu = resources.get("GPU", 0) >= 1
        job.log(f"Ray: {resources.get('CPU', 0):g} CPU(s), {resources.get('GPU', 0):g} GPU(s); "
                + (f"each run holds {self.gpus_per_run:g} GPU" if gpu else "each run holds 1 CPU"))
        grid = RayGrid(job, self._task(gpu), store_root=self.store_root,
                       registry_path=self.registry_path, relay=self._relay, cpus=1)
        grid.submit()
        return grid

    def _step(self, grids: dict[str, RayGrid]) -> None:
        import ray

        pending = [ref for g in grids.values() for ref in g.pending]
        ready = []
        if pending:  # which tasks have finished, read before the drain (see RayGrid.settle)
            ready, _ = ray.wait(pending, num_returns=len(pending), timeout=self.poll_s)
        self._drain(grids)
        for grid in grids.values():
            grid.check_cancel()
            grid.settle(ready)

    def _drain(self, grids: dict[str, RayGrid]) -> None:
        count = self._relay.qsize()
        for job_id, index, event in self._relay.get_nowait_batch(count) if count else []:
            if job_id in grids:
                grids[job_id].on_event(index, event)

    def _release(self) -> None:
        if self._relay is not None:
            try:
                self._relay.shutdown(force=True)
            except Exception:  # noqa: BLE001 - Ray may be gone already
                pass
            self._relay = None
        if self._owns_ray:
            require_ray().shutdown()
            self._owns_ray = False
