"""The dataset an import claims to be about: its samples, its split, and its fingerprints.

An imported run must answer to the same dataset facts as a trained one, or the dashboard would
compare numbers computed on different images. So the dataset is loaded and split exactly as
the training engine does (:func:`core.training.resolve.resolve`: same ``SplitConfig`` from the
split seed, same fingerprints), and what the import stores names them in its identity.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core.datasets import (LoadedDataset, SplitConfig, assign_splits, dataset_fingerprint,
                           load_dataset, split_counts, split_fingerprint)

__all__ = ["ImportTarget", "load_target"]


@dataclass(frozen=True)
class ImportTarget:
    """A loaded dataset with the split a trained run with ``split_seed`` would get."""

    dataset: LoadedDataset
    splits: pd.Series  # "train" / "val" / "test", indexed like dataset.table
    split_seed: int
    fingerprint: str

    @property
    def name(self) -> str:
        return self.dataset.name

    @property
    def positive_index(self) -> int | None:
        """As a trained run records it: the positive class of a binary task, else None."""
        return self.dataset.positive_index if self.dataset.spec.task == "binary" else None

    def split_identity(self, own_split: bool) -> dict:
        """The ``split`` part of the run identity: a trained run's (seed and fingerprint), or
        ``{"own": True}`` when the file brings its own split (its sha256 then covers it)."""
        if own_split:
            return {"own": True}
        config = SplitConfig(seed=self.split_seed)
        return {**config.to_dict(), "fingerprint": split_fingerprint(
            self.dataset, self.splits, dataset_hash=self.fingerprint)}

    def split_of(self) -> pd.Series:
        """sample_id -> this split's "train" / "val" / "test"."""
        return pd.Series(self.splits.to_numpy(), index=self.dataset.table["sample_id"])

    def train_counts(self) -> dict[str, int]:
        """Images per class in this split's train part (what a model trained here saw)."""
        frame = split_counts(self.dataset, self.splits)
        return {str(c): int(n) for c, n in frame["train"].items()}

    def sample_id_by_path(self) -> dict[str, str]:
        """Normalised absolute file path -> sample id (file-backed samples only)."""
        table = self.dataset.table
        files = table[table["path"].astype(str) != ""]
        return {os.path.normpath(str(p)): sid
                for p, sid in zip(files["path"], files["sample_id"])}

    def normalised_path(self, text: str) -> str:
        """A path from an imported file: relative ones are taken from the dataset's folder."""
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.dataset.spec.root / path
        return os.path.normpath(str(path))


def load_target(name: str, split_seed: int = 0, registry_path: Path | None = None
                ) -> ImportTarget:
    """Load ``name`` and split it as a trained run with ``split_seed`` is split."""
    dataset = load_dataset(name, registry_path)
    splits = assign_splits(dataset, SplitConfig(seed=split_seed))
    return ImportTarget(dataset, splits, int(split_seed), dataset_fingerprint(dataset))
