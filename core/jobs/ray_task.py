"""The worker side of the Ray backend: one training run inside a Ray task.

Kept apart from :mod:`core.jobs.ray_backend` (the driver) because it runs in another process,
maybe on another machine: it may rely on nothing the driver's process has set up. Everything it
needs arrives as arguments (the spec, the store root, the datasets registry) or through the
task's ``runtime_env`` (the ``LESIONLAB_*`` variables), and it trains through the unchanged
engine, so a run trained by Ray is the same stored run, under the same content address, as one
trained in-process.

Nothing here imports Ray or TensorFlow at import time: ``core.jobs`` must import without Ray.
"""

from __future__ import annotations

import importlib
import os
import signal
import socket
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import LesionlabError
from core.training.events import ProgressEvent, RunCached, WorkerStarted


def limit_tensorflow_threads(cpus: float) -> None:
    """Give TensorFlow as many threads as the task holds CPUs.

    TensorFlow sizes its thread pools to the whole machine; two tasks on a 2-core node would
    each start two compute threads and fight over the cores. The pools are fixed the first time
    TensorFlow runs an op in a process, so a reused Ray worker keeps the size its first task set
    (every task of this backend asks for the same CPUs, so that size is the right one).
    """
    import tensorflow as tf

    threads = max(1, int(cpus))
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass  # this worker process already ran TensorFlow with the pools sized above


def accept_cancel() -> None:
    """Let ``ray.cancel`` interrupt this task.

    Ray cancels a running task by raising KeyboardInterrupt through Python's SIGINT handler. A
    worker has none when the process that started Ray ignored SIGINT, which is what a
    non-interactive shell does to every job it starts in the background (``nohup streamlit run
    app.py &``, a CI script run with ``&``): the raylet and its workers inherit SIG_IGN, and a
    cancel never lands (measured: cancelled tasks ran to their end). So the task puts Python's
    own handler back first."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)


@dataclass(frozen=True)
class UserError:
    """A user error (a :class:`~core.errors.LesionlabError`) that ended a task, as its value.

    Returned, not raised, because the task is retried when it raises (``retry_exceptions``,
    for a worker that ran out of memory or a flaky node), and a second attempt at a run whose
    dataset folder is missing or whose model name is unknown fails the same way, only later.
    Plain strings, not the exception: an error class's own ``__init__`` (``RunNotFound(run_id)``)
    does not survive pickling, and the driver rebuilds what the local backend would report.
    """

    module: str
    error_type: str
    message: str
    traceback: str

    @classmethod
    def of(cls, exc: LesionlabError) -> UserError:
        return cls(type(exc).__module__, type(exc).__name__, str(exc), traceback.format_exc())

    def exception(self) -> LesionlabError:
        """The error as the driver reports it: its own class (the driver runs the same code)
        with the worker's message, so the job says exactly what the in-process backend says.
        A class the driver cannot import is reported as a plain LesionlabError."""
        try:
            kind = getattr(importlib.import_module(self.module), self.error_type)
        except (ImportError, AttributeError):
            kind = LesionlabError
        if not (isinstance(kind, type) and issubclass(kind, LesionlabError)):
            kind = LesionlabError
        exc = kind.__new__(kind)  # not its __init__: the message is already composed
        Exception.__init__(exc, self.message)
        exc.problem, exc.where, exc.fix = self.message, "", ""
        return exc


def train_task(spec, index: int, job_id: str, store_root: str, registry_path: str,
               relay, cpus: float) -> dict[str, Any] | UserError:
    """Train (or find) one run; relay its progress events; return what the driver reports.

    Returns plain data (run id, summary, whether it was already stored), not the stored run:
    the driver reads the store itself when it needs more, and a small result crosses the
    network cheaply. A user error comes back as a :class:`UserError` value, so that Ray
    retries only what raises: a bug, or a system failure.
    """
    try:
        return _train(spec, index, job_id, store_root, registry_path, relay, cpus)
    except LesionlabError as exc:
        return UserError.of(exc)


def _train(spec, index: int, job_id: str, store_root: str, registry_path: str,
           relay, cpus: float) -> dict[str, Any]:
    accept_cancel()
    limit_tensorflow_threads(cpus)
    tell = _Teller(relay, job_id, index)
    tell(WorkerStarted(pid=os.getpid(), host=socket.gethostname()))

    from core.store import ResultsStore
    from core.training import train_run

    cached = False

    def progress(event: ProgressEvent) -> None:
        nonlocal cached
        cached = cached or isinstance(event, RunCached)
        tell(event)

    stored = train_run(spec, ResultsStore(Path(store_root)), progress=progress,
                       registry_path=Path(registry_path))
    return {"run_id": stored.run_id, "summary": dict(stored.view.summary),
            "cached": cached}


class _Teller:
    """Puts events on the driver's Ray queue; goes quiet if the queue is gone.

    The events cross as they are: frozen dataclasses of plain values, defined at module level
    in :mod:`core.training.events`, which Ray pickles by reference to their class (the driver
    imports the same module), so the driver gets the same objects back.

    A put waits until the queue actor has the event, so every event of a task is in the queue
    before the task's result is ready: the driver, which drains the queue before it reads
    results, reports a run's events before its end. A driver that died (its queue with it)
    must not fail a training that is still useful to the store.
    """

    def __init__(self, relay, job_id: str, index: int) -> None:
        self.relay, self.job_id, self.index = relay, job_id, index

    def __call__(self, event: ProgressEvent) -> None:
        if self.relay is None:
            return
        try:
            self.relay.put((self.job_id, self.index, event))
        except Exception:  # noqa: BLE001 - e.g. RayActorError: nobody is listening any more
            self.relay = None
