"""One stored run as readers see it: its identity, its record, and checksum-verified artifacts.

Every artifact read goes through the manifest's sha256, so a truncated or edited file raises
:class:`CorruptRunError` naming that file instead of feeding a wrong number into a comparison.
TensorFlow/Keras is imported only inside :meth:`StoredRun.load_model`: listing and comparing
runs must not pay the multi-second TensorFlow import.
"""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from core.store.errors import CorruptRunError, StoreError
from core.store.fsutil import sha256_bytes, sha256_file
from core.store.manifest import HISTORY, MODEL, PREDICTIONS
from core.store.record import RunRecord

__all__ = ["StoredRun"]


@dataclass(frozen=True)
class StoredRun:
    """A committed run. ``identity`` and ``record`` were verified against the manifest on load."""

    run_id: str
    identity: dict[str, Any]
    record: dict[str, Any]
    path: Path
    manifest: dict[str, Any] = field(repr=False)
    # Called with the problem text when a read finds corruption, so the index can mark the run.
    on_corrupt: Callable[[str], None] | None = field(default=None, repr=False, compare=False)

    @property
    def created_at(self) -> str:
        return str(self.manifest.get("created_at", ""))

    @cached_property
    def view(self) -> RunRecord:
        """The record as a typed, read-only :class:`RunRecord` (``record`` stays the dict)."""
        return RunRecord.from_dict(self.record)

    @property
    def class_names(self) -> list[str]:
        return list(self.record["class_names"])

    @property
    def files(self) -> list[str]:
        """Names of every file the manifest lists (artifacts and extra files)."""
        return sorted(self.manifest["files"])

    @property
    def model_path(self) -> Path | None:
        """``model.keras`` inside the run folder, or ``None`` when the run stored no model."""
        return self.path / MODEL if MODEL in self.manifest["files"] else None

    # -- verified access ---------------------------------------------------------------------

    def corruption(self, problem: str, where: Path) -> CorruptRunError:
        """Tell the index (via ``on_corrupt``) and return the error for the caller to raise."""
        if self.on_corrupt is not None:
            self.on_corrupt(problem)
        return CorruptRunError(self.run_id, problem, where=where)

    def _entry(self, name: str) -> dict[str, Any]:
        entry = self.manifest["files"].get(name)
        if entry is None:
            raise StoreError(f"Run {self.run_id} has no file {name!r} (it has: "
                             f"{', '.join(self.files)}).", where=self.path,
                             fix="ask for one of the listed files")
        return entry

    def read_bytes(self, name: str) -> bytes:
        """A file's bytes after checking them against the manifest (read once, then hashed)."""
        entry = self._entry(name)
        path = self.path / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise self.corruption(f"{name} is missing", path) from None
        except OSError as exc:
            raise self.corruption(f"{name} cannot be read ({exc.strerror or exc})", path) from exc
        if len(data) != entry["size"]:
            raise self.corruption(
                f"{name} has {len(data)} bytes, the manifest says {entry['size']} (truncated or "
                "replaced)", path)
        if sha256_bytes(data) != entry["sha256"]:
            raise self.corruption(f"{name} does not match its sha256 checksum (edited)", path)
        return data

    def read_json(self, name: str) -> dict[str, Any]:
        """A verified JSON object file (``record.json``, ``identity.json``, or an extra file)."""
        data = self.read_bytes(name)
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise self.corruption(f"{name} is not valid JSON ({exc})", self.path / name) from exc
        if not isinstance(value, dict):
            raise self.corruption(f"{name} does not hold a JSON object", self.path / name)
        return value

    def file_path(self, name: str) -> Path:
        """Path of a stored file (e.g. an extra file) after verifying its checksum on disk."""
        entry = self._entry(name)
        path = self.path / name
        try:
            sha, size = sha256_file(path)
        except FileNotFoundError:
            raise self.corruption(f"{name} is missing", path) from None
        if (sha, size) != (entry["sha256"], entry["size"]):
            raise self.corruption(f"{name} does not match its size/sha256 in the manifest", path)
        return path

    def _parquet(self, name: str) -> pd.DataFrame:
        data = self.read_bytes(name)
        try:
            return pd.read_parquet(io.BytesIO(data))
        except Exception as exc:  # checksum matched, so the writer stored a bad file
            raise self.corruption(f"{name} is not a readable parquet file ({exc})",
                                self.path / name) from exc

    def predictions(self) -> pd.DataFrame:
        """The stored val/test predictions (see ``core.store.schema``), checksum verified."""
        return self._parquet(PREDICTIONS)

    def history(self) -> pd.DataFrame:
        """The per-epoch training history, checksum verified."""
        return self._parquet(HISTORY)

    def load_model(self) -> Any:
        """The trained Keras model, loaded with ``safe_mode=True`` after a checksum check.

        The ``models`` package's custom layers are registered first: ``.keras`` files refer to
        them by name, and without the registration loading fails on a fresh process.
        """
        if self.model_path is None:
            raise StoreError(f"Run {self.run_id} was stored without a model file.",
                             where=self.path, fix="retrain the run with model saving enabled")
        path = self.file_path(MODEL)
        # Importing ``models`` is kept cheap (no TensorFlow), so it registers nothing by itself:
        # the custom layers are registered explicitly before Keras resolves them by name.
        importlib.import_module("models").register_custom_objects()
        import keras  # deferred: TensorFlow takes seconds to import

        try:
            return keras.saving.load_model(path, safe_mode=True)
        except Exception as exc:
            raise StoreError(
                f"The model of run {self.run_id} cannot be loaded ({type(exc).__name__}: "
                f"{str(exc)[:300]}).",
                where=path,
                fix="check that the architecture is still registered in the models package "
                "(code_version of the run vs. now); otherwise delete the run and retrain",
            ) from exc
