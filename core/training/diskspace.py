"""Refuse to start a checkpoint the disk cannot hold, instead of letting HDF5 find out.

Why a guard and not just an ``except OSError``: when the disk fills *while* Keras writes an
``.h5`` checkpoint, h5py raises, but the half-written HDF5 file object later crashes the whole
process (segmentation fault) when it is garbage-collected — measured on a full tmpfs. In the app
that process is the Streamlit server. So before training starts and before every epoch's
checkpoint, we compare the free space in the run's scratch folder with what the checkpoint will
need (model + optimizer variables, with a margin) and stop with a clear :class:`StoreError`.
The run is not lost: finished epochs stay checkpointed, and it resumes once there is room.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import keras
import numpy as np

from core.store.errors import os_error

#: Slack on top of the estimate: HDF5 metadata, the epoch log, the index, filesystem blocks.
MARGIN_BYTES = 8 * 2**20
#: Before the optimizer has variables: Adam keeps two slots per weight, so ~3x the weights.
OPTIMIZER_FACTOR = 3


def variables_bytes(variables) -> int:
    return int(sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in variables))


def checkpoint_bytes(model) -> int:
    """What one checkpoint of ``model`` (weights + optimizer state) takes on disk, about."""
    weights = variables_bytes(model.weights)
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and optimizer.built and optimizer.variables:
        return weights + variables_bytes(optimizer.variables)
    return OPTIMIZER_FACTOR * weights


def ensure_room(folder: Path, needed: int, action: str) -> None:
    """Raise the store's disk-full error if ``folder``'s disk has less than ``needed`` free."""
    free = shutil.disk_usage(folder).free
    if free < needed + MARGIN_BYTES:
        detail = (f"needs about {(needed + MARGIN_BYTES) / 2**20:.0f} MB, "
                  f"{free / 2**20:.1f} MB free")
        raise os_error(OSError(errno.ENOSPC, detail), action, folder)


class DiskSpaceGuard(keras.callbacks.Callback):
    """Checks the room for the next checkpoint; place it before the checkpointing callbacks
    (Keras calls callbacks in list order, so an epoch's check runs before its save)."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = Path(folder)

    def on_train_begin(self, logs=None) -> None:
        ensure_room(self.folder, checkpoint_bytes(self.model), "start training this run")

    def on_epoch_end(self, epoch, logs=None) -> None:
        ensure_room(self.folder, checkpoint_bytes(self.model),
                    f"save the checkpoint of epoch {epoch + 1}")
