"""One job on Ray, as the driver thread sees it: which runs the store has, which tasks are out,
how many attempts each run took, and what to report into the job when a task ends.

Split from :mod:`core.jobs.ray_backend` (which owns Ray, the queue and the thread) so that the
bookkeeping of one grid reads on its own. Ray is imported inside the methods: they only ever
run in the driver thread, after the backend has joined Ray.
"""

from __future__ import annotations

import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.jobs.job import Job
from core.jobs.ray_task import UserError
from core.training.events import ProgressEvent, RunCached, WorkerStarted


class RayGrid:
    """One job on Ray: its submitted tasks, their attempts, and the reports into the job."""

    def __init__(self, job: Job, task, *, store_root: Path, registry_path: Path, relay,
                 cpus: float) -> None:
        self.job, self.task, self.relay, self.cpus = job, task, relay, cpus
        self.store_root, self.registry_path = store_root, registry_path
        self.refs: dict[Any, int] = {}  # task ref -> run index, while unsettled
        self.attempts = [0] * len(job.specs)
        self.cancel_sent = False
        self.closed = False

    @property
    def pending(self) -> list:
        return list(self.refs)

    def submit(self) -> None:
        """Report what the store has; submit the rest as tasks (a spec the driver cannot
        resolve is submitted too: the workers may see a dataset folder this machine does not,
        and if not, the task's own error is the one to report)."""
        from core.store import ResultsStore

        store = ResultsStore(self.store_root)
        for i, spec in enumerate(self.job.specs):
            if self.job.cancel_event.is_set():
                self.job.run_skipped(i)
                continue
            rid = self._stored_id(spec, store)
            if rid is not None:
                self.job.run_started(i)
                self.job.run_event(i, RunCached(run_id=rid))
                self.job.run_finished(i, rid, dict(store.get(rid).view.summary))
                continue
            ref = self.task.remote(spec, i, self.job.id, str(self.store_root),
                                   str(self.registry_path), self.relay, self.cpus)
            self.refs[ref] = i
        self._close_if_done()

    def _stored_id(self, spec, store) -> str | None:
        from core.training import resolve

        try:
            rid = resolve(spec, self.registry_path).run_id
        except Exception:  # noqa: BLE001 - the task will say what is wrong
            return None
        return rid if store.has(rid) else None

    def on_event(self, index: int, event: ProgressEvent) -> None:
        if isinstance(event, WorkerStarted):
            self.attempts[index] += 1
            attempt = self.attempts[index]
            event = replace(event, attempt=attempt)
            if attempt == 1:
                self.job.run_started(index)
            else:
                self.job.log(f"[{index + 1}/{len(self.job.specs)}] {self.job.specs[index].label}: "
                             f"attempt {attempt} on {event.host} (pid {event.pid}): "
                             "the previous attempt failed or its worker died")
        self.job.run_event(index, event)

    def check_cancel(self) -> None:
        if self.cancel_sent or not self.job.cancel_event.is_set():
            return
        import ray

        self.cancel_sent = True
        for ref in self.refs:
            ray.cancel(ref)

    def settle(self, ready=None) -> None:
        """Report finished tasks (in submission order) and close the job when all are.

        ``ready``: the tasks found finished *before* the driver last drained the event queue
        (their every event is then reported first, see ``ray_task._Teller``); a task that
        finished after the drain waits for the next step, or its last events ("done") would
        arrive after its end and be dropped. None: every task finished now.
        """
        import ray

        if not self.refs:
            return
        if ready is None:
            ready, _ = ray.wait(list(self.refs), num_returns=len(self.refs), timeout=0)
        ready = [ref for ref in ready if ref in self.refs]
        for ref in sorted(ready, key=self.refs.get):
            self._report(self.refs.pop(ref), ref)
        self._close_if_done()

    def _report(self, index: int, ref) -> None:
        import ray
        from ray.exceptions import RayError, RayTaskError, TaskCancelledError

        job = self.job
        try:
            result = ray.get(ref)
        except TaskCancelledError as exc:
            self._cancelled(index, str(exc) or "cancelled")
        except RayError as exc:
            cause = (exc.cause if isinstance(exc, RayTaskError)
                     and isinstance(exc.cause, BaseException) else exc)
            if self.cancel_sent:
                # ray.cancel interrupts a running task with KeyboardInterrupt; when that lands
                # inside a TensorFlow op (the pipeline decodes through tf.numpy_function), the
                # op turns it into its own error, so a cancelled run can end in any error.
                self._cancelled(index, f"cancelled; the interrupted task ended with "
                                       f"{type(cause).__name__}: {cause}")
            elif isinstance(exc, RayTaskError):  # the run raised, on its last attempt
                job.run_failed(index, cause, str(exc))
            else:  # its worker or node died on the last attempt, or similar
                job.run_failed(index, exc, traceback.format_exc())
        else:
            if not self.attempts[index]:
                job.run_started(index)
            if isinstance(result, UserError):
                self._user_error(index, result)
                return
            last = job.snapshot().runs[index].last_event or {}
            if result["cached"] and last.get("event") != RunCached.kind:  # its event was lost
                job.run_event(index, RunCached(run_id=result["run_id"]))
            job.run_finished(index, result["run_id"], result["summary"])

    def _user_error(self, index: int, error: UserError) -> None:
        """A run whose task ended with a user error (tried once: see ``ray_task.UserError``):
        failed, with the class, message and worker traceback the in-process backend reports;
        cancelled if the job's cancel was sent, since an interrupt can surface as any error."""
        if self.cancel_sent:
            self._cancelled(index, f"cancelled; the interrupted task ended with "
                                   f"{error.error_type}: {error.message}")
        else:
            self.job.run_failed(index, error.exception(), error.traceback)

    def _cancelled(self, index: int, message: str) -> None:
        """A run ended by the job's cancel: cancelled if its task had begun, else skipped."""
        if self.attempts[index]:
            self.job.run_cancelled(index, message)
        else:
            self.job.run_skipped(index)

    def abandon(self, exc: BaseException, text: str) -> None:
        """The driver lost Ray (or its queue): report every unsettled run as failed, so that
        no job waits forever; their finished epochs stay in the store's work folders."""
        for index in sorted(self.refs.values()):
            self.job.run_failed(index, exc, text)
        self.refs.clear()
        self._close_if_done()

    def _close_if_done(self) -> None:
        if not self.refs and not self.closed:
            self.closed = True
            self.job.close()
