"""What a training run's progress events say, in one place.

The engine emits plain dict events (``{"event": "epoch", ...}``, see
:mod:`core.training.progress`); the command line, the Ray printer and the Train page's job
panel all describe them with :func:`describe`, so a line reads the same wherever it is shown.
Listeners choose which events to show (the command line draws batches as a bar, for example);
the words are not theirs to choose.
"""

from __future__ import annotations

from collections.abc import Mapping


def describe(event: Mapping) -> str:
    """One line for ``event``; an empty string for an event kind that has no words."""
    kind = event.get("event")
    describe_kind = _DESCRIBE.get(kind)
    return describe_kind(event) if describe_kind else ""


def _waiting(event: Mapping) -> str:
    pid = event.get("pid")
    who = f"another process (pid {pid})" if pid else "another process"
    label = f" ({event['label']})" if event.get("label") else ""
    return (f"waiting for {who} training run {event.get('run_id')}{label}; "
            "this run reuses its result when it finishes")


def _training(event: Mapping) -> str:
    epochs = int(event.get("epochs") or 0)
    resumed = int(event.get("resumed_from_epoch") or 0)
    if resumed:
        return f"resuming after epoch {resumed} of {epochs}"
    return f"training {epochs} epoch(s) of {event.get('steps')} steps"


def _batch(event: Mapping) -> str:
    steps = max(int(event.get("steps") or 1), 1)
    return (f"epoch {int(event.get('epoch', 0)) + 1}/{event.get('epochs')} · batch "
            f"{event.get('batch')}/{steps} · loss {float(event.get('loss', 'nan')):.4f}")


def _epoch(event: Mapping) -> str:
    logs = event.get("logs") or {}
    shown = " ".join(f"{k} {float(v):.4f}" for k, v in logs.items() if k != "learning_rate")
    return f"epoch {event.get('epoch')}/{event.get('epochs')}: {shown}".rstrip(": ")


_DESCRIBE = {
    "cached": lambda e: f"stored already: {e.get('run_id')}",
    "waiting": _waiting,
    "building": lambda e: f"building {e.get('model')}",
    "training": _training,
    "batch": _batch,
    "epoch": _epoch,
    "predicting": lambda e: "predicting val and test",
    "done": lambda e: f"stored as {e.get('run_id')}",
}
