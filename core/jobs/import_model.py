"""Background model imports: a ``.keras`` file predicts a dataset's val and test images off the
page (:func:`core.imports.import_model`), with progress and cancel.

Why in the background: predicting every val/test image of a real dataset with a colleague's
network takes minutes on a CPU, and a Streamlit script that blocks that long freezes the page
for its session. It runs like an external evaluation (:mod:`core.jobs.evaluation`): one
long-lived daemon thread fed by a queue (:class:`~core.jobs.backends.QueueThreadBackend`), the
run statuses of :mod:`core.jobs.states`, immutable snapshots read by the page, a cancel event.
One job is one import (a file, a dataset, a name and the model's settings).

Cancel is honoured between the steps of the import (before loading, before each split's
prediction pass, before storing: the progress callback raises there, and nothing is stored);
a prediction pass that has begun runs to its end. A file staged from an upload
(:func:`core.imports.upload.stage`) is removed when its job ends, whatever the outcome.
"""

from __future__ import annotations

import threading
import traceback
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from core.jobs.kept import KeptJobsRunner
from core.jobs.states import CACHED, CANCELLED, DONE, FAILED, QUEUED, RUNNING, TERMINAL

__all__ = ["ModelImportCancelled", "ModelImportJob", "ModelImportRunner", "ModelImportSnapshot",
           "ModelImportTask", "run_model_import"]

#: Progress after each of import_model's events, and the words the page shows for it.
_FRACTION = {"loading": 0.05, "predicting": 0.15, "storing": 0.9, "cached": 1.0}
#: The events before which nothing is stored yet: a cancel raises there.
_CANCELLABLE = ("loading", "predicting", "storing")


class ModelImportCancelled(Exception):
    """Raised from the progress callback when the job is cancelled (nothing stored)."""


@dataclass(frozen=True)
class ModelImportTask:
    """One ``.keras`` file to import; ``staged``: the file is an upload's copy, removed when
    the job ends."""

    file: Path
    dataset: str
    name: str
    preprocessing: str = "none"
    last_conv_layer: str | None = None
    split_seed: int = 0
    staged: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} on {self.dataset} (from {Path(self.file).name})"


@dataclass(frozen=True)
class ModelImportSnapshot:
    """What the page reads about one import job."""

    id: str
    task: ModelImportTask
    status: str = QUEUED
    fraction: float = 0.0
    detail: str = ""
    run_id: str | None = None
    error: str | None = None
    traceback: str | None = None
    cancel_requested: bool = False

    @property
    def done(self) -> bool:
        return self.status in TERMINAL


def _words(event: dict) -> str:
    kind = event.get("event")
    if kind == "predicting":
        return f"predicting the {event.get('split')} images ({event.get('images')})"
    return {"loading": "loading the model (safe mode)", "storing": "storing the run and model",
            "cached": "already stored"}.get(str(kind), str(kind))


class ModelImportJob:
    """One import; the worker reports into it, the page reads snapshots."""

    def __init__(self, task: ModelImportTask) -> None:
        self.task = task
        self.cancel_event = threading.Event()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._state = ModelImportSnapshot(f"import-{uuid.uuid4().hex[:12]}", task)
        self.id = self._state.id

    def snapshot(self) -> ModelImportSnapshot:
        with self._lock:
            return replace(self._state, cancel_requested=self.cancel_event.is_set())

    def set(self, **changes) -> None:
        with self._lock:
            self._state = replace(self._state, **changes)

    def cancel(self) -> None:
        self.cancel_event.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._closed.wait(timeout)

    def event(self, event: dict) -> None:
        """One progress event of :func:`core.imports.import_model`; a cancel raises here."""
        kind = event.get("event")
        if self.cancel_event.is_set() and kind in _CANCELLABLE:
            raise ModelImportCancelled(f"cancelled before {_words(event)}")
        fraction = _FRACTION.get(str(kind), 0.0)
        if kind == "predicting" and event.get("split") == "test":
            fraction = 0.5
        self.set(fraction=fraction, detail=_words(event))

    def close(self) -> None:
        self._closed.set()


def run_model_import(job: ModelImportJob, store=None, registry_path: Path | None = None) -> None:
    """Import ``job``'s model in this thread, reporting into the job; always ends it."""
    task = job.task
    try:
        if job.cancel_event.is_set():
            job.set(status=CANCELLED, detail="cancelled before it started; nothing stored")
            return
        job.set(status=RUNNING, detail="starting")
        from core.imports import import_model

        result = import_model(task.file, task.dataset, task.name,
                              preprocessing=task.preprocessing,
                              last_conv_layer=task.last_conv_layer, split_seed=task.split_seed,
                              store=store, registry_path=registry_path, progress=job.event)
    except ModelImportCancelled as exc:
        job.set(status=CANCELLED, detail=f"{exc}; nothing stored")
    except Exception as exc:  # noqa: BLE001 - a bad file is reported, the worker goes on
        job.set(status=FAILED, fraction=1.0, detail="failed; nothing stored",
                error=_message(exc, task),
                traceback=traceback.format_exc())
    else:
        job.set(status=DONE if result.stored else CACHED, fraction=1.0,
                run_id=result.run.run_id,
                detail="stored" if result.stored else "already stored; nothing stored again")
    finally:
        if task.staged:
            from core.imports.upload import discard

            discard(Path(task.file))
        job.close()


def _message(exc: Exception, task: ModelImportTask) -> str:
    """What the user reads: a user error's text (without the private folder an upload was
    staged in), else the exception's own text."""
    from core.errors import LesionlabError
    from core.imports.upload import message

    if isinstance(exc, LesionlabError):
        return message(exc, Path(task.file))
    return str(exc).strip() or type(exc).__name__


class ModelImportRunner(KeptJobsRunner):
    """One per process (the app keeps one per server): queues imports for one worker thread,
    keeps them for display (the last ``keep`` finished ones)."""

    thread_name = "lesionlab-model-imports"

    def __init__(self, store=None, registry_path: Path | None = None, keep: int = 10) -> None:
        super().__init__(store, registry_path, keep)

    def submit(self, task: ModelImportTask) -> ModelImportJob:
        """Queue ``task`` and return its job at once."""
        job = ModelImportJob(task)
        return self._keep_and_start(job)

    def _run(self, job) -> None:
        run_model_import(job, self.store, self.registry_path)
