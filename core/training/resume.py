"""Resume an interrupted run exactly where it stopped.

Keras' own ``BackupAndRestore`` restores the weights, the optimizer state and the epoch counter,
and ``CSVLogger(append=True)`` keeps the epoch history across restarts. What neither keeps is the
state of the *stateful callbacks*: EarlyStopping's patience counter and best weights, and
ReduceLROnPlateau's counters. Without it a resumed run would wait a full patience again and could
restore worse weights than an uninterrupted run. :class:`CallbackState` saves those attributes
after every epoch and puts them back when training restarts.

Ordering matters: Keras calls callbacks in list order, so :func:`resume_callbacks` must be placed
*after* the recipe's callbacks (their ``on_train_begin`` resets the state we restore, and their
``on_epoch_end`` updates the state we save).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import keras
import numpy as np

# The attributes that make each callback's decisions, as named by Keras 3.
_STATEFUL = {
    keras.callbacks.EarlyStopping: ("wait", "best", "best_epoch", "stopped_epoch"),
    keras.callbacks.ReduceLROnPlateau: ("wait", "best", "cooldown_counter"),
}


def _stateful(callbacks: list) -> list[tuple[str, keras.callbacks.Callback, tuple[str, ...]]]:
    found = []
    for i, cb in enumerate(callbacks):
        for cls, attrs in _STATEFUL.items():
            if isinstance(cb, cls):
                found.append((f"{i}:{type(cb).__name__}", cb, attrs))
    return found


def _plain(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


class CallbackState(keras.callbacks.Callback):
    """Persist and restore the counters of EarlyStopping / ReduceLROnPlateau."""

    def __init__(self, folder: Path, callbacks: list) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.tracked = _stateful(callbacks)
        self.state_file = self.folder / "callback_state.json"
        self.best_file = self.folder / "best_weights.npz"

    def on_train_begin(self, logs=None):
        if not self.state_file.exists():
            return
        state = json.loads(self.state_file.read_text())
        for key, cb, attrs in self.tracked:
            for attr in attrs:
                if attr in state.get(key, {}):
                    setattr(cb, attr, state[key][attr])
            if isinstance(cb, keras.callbacks.EarlyStopping) and self.best_file.exists():
                with np.load(self.best_file) as data:
                    cb.best_weights = [data[f"w{i}"] for i in range(len(data.files))]

    def on_epoch_end(self, epoch, logs=None):
        self.folder.mkdir(parents=True, exist_ok=True)
        state = {key: {a: _plain(getattr(cb, a, None)) for a in attrs}
                 for key, cb, attrs in self.tracked}
        for _, cb, _ in self.tracked:
            if isinstance(cb, keras.callbacks.EarlyStopping) and cb.best_weights is not None:
                tmp = self.best_file.with_suffix(".tmp.npz")
                np.savez(tmp, **{f"w{i}": w for i, w in enumerate(cb.best_weights)})
                os.replace(tmp, self.best_file)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.state_file)


def resume_callbacks(work_dir: Path, recipe_callbacks: list) -> list:
    """Callbacks that make a run resumable; append them AFTER the recipe's callbacks."""
    work_dir = Path(work_dir)
    return [
        keras.callbacks.CSVLogger(str(work_dir / "history.csv"), append=True),
        CallbackState(work_dir, recipe_callbacks),
        keras.callbacks.BackupAndRestore(
            str(work_dir / "backup"), save_freq="epoch", double_checkpoint=True,
            delete_checkpoint=False,
        ),
    ]


def checkpoint_epoch(work_dir: Path) -> int:
    """The epochs the backup checkpoint holds (the counter ``BackupAndRestore`` restores;
    0 when there is none). It can be one less than the history's rows: a run killed between
    an epoch's CSV row and its backup resumes from the backup, training that epoch again."""
    try:
        meta = json.loads((Path(work_dir) / "backup" / "training_metadata.json").read_text())
        return max(0, int(meta["epoch"]))
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def stopped_early(work_dir: Path) -> bool:
    """Whether early stopping had ended training before the interruption (its saved
    ``stopped_epoch``): then the run was predicting or saving when it stopped."""
    try:
        state = json.loads((Path(work_dir) / "callback_state.json").read_text())
        return any(key.endswith(":EarlyStopping") and bool(entry.get("stopped_epoch"))
                   for key, entry in state.items())
    except (OSError, ValueError, AttributeError):
        return False


def epochs_to_fit(work_dir: Path, planned: int, guard=None) -> int:
    """The epoch count to give ``fit`` for a run training in ``work_dir``: the checkpoint's
    when early stopping had already ended training (another epoch would be one more than the
    uninterrupted run trained; ``fit`` trains none and early stopping restores its best
    weights), else what a budget run's guard allows
    (:meth:`core.training.budget_guard.BudgetGuard.epochs_to_run`), else ``planned``."""
    done = checkpoint_epoch(work_dir)
    if 0 < done < planned and stopped_early(work_dir):
        return done
    return planned if guard is None else guard.epochs_to_run(planned, done)


def read_history(work_dir: Path):
    """The epoch history so far; an epoch logged twice (killed between the CSV row and the
    backup) keeps its last row, because that epoch was trained again after the restart."""
    import pandas as pd

    path = Path(work_dir) / "history.csv"
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame({"epoch": pd.Series(dtype="int64")})
    frame = pd.read_csv(path)
    return frame.drop_duplicates("epoch", keep="last").sort_values("epoch").reset_index(drop=True)
