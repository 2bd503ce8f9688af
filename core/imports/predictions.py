"""Bring your own predictions: a file of per-image probabilities becomes a stored run.

Checked completely before anything is written (:mod:`core.imports.table`), then stored like a
trained run (:mod:`core.imports.stored`), so every page evaluates it with the same functions,
thresholds chosen on its validation rows like any run's. It has no model: the Explain page
says so (:func:`core.imports.stored.stores_model`).

The file must hold validation rows as well as test rows: thresholds are chosen on validation
and only then applied to test, for an imported run as for a trained one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from core.imports.errors import ImportRejected
from core.imports.stored import check_name, commit_import, file_sha256, import_identity, \
    import_record
from core.imports.table import SUM_TOLERANCE, check_predictions_table, read_table
from core.imports.target import load_target
from core.store import ResultsStore, StoredRun

__all__ = ["ImportResult", "import_predictions"]


@dataclass(frozen=True)
class ImportResult:
    """The stored run and whether this call stored it (False: the same import was there)."""

    run: StoredRun
    stored: bool


def import_predictions(path: Path | str, dataset: str, name: str, *, own_split: bool = False,
                       split_seed: int = 0, store: ResultsStore | None = None,
                       registry_path: Path | None = None) -> ImportResult:
    """Check ``path`` against ``dataset`` and store it as an imported run named ``name``.

    Raises :class:`ImportRejected` (nothing stored) when the file breaks a rule of the format
    (see :mod:`core.imports.table`), naming the first bad row.
    """
    started = time.perf_counter()
    path = Path(path)
    name = check_name(name)
    target = load_target(dataset, split_seed, registry_path)
    table = read_table(path, max_rows=len(target.dataset.table))
    checked = check_predictions_table(table, target, where=path, own_split=own_split)
    frame = checked.frame
    for split in ("val", "test"):
        if not (frame["split"] == split).any():
            raise ImportRejected(
                f"{path.name} has no {split} rows; thresholds are chosen on val and "
                "applied to test, so an imported run needs both.", where=path,
                fix="add the model's predictions for the dataset's val and test images")
    identity = import_identity(target, "predictions", name, file_sha256(path),
                               own_split=own_split)
    in_dataset = None if own_split else {s: int((target.splits == s).sum())
                                         for s in ("val", "test")}
    details = {"columns": checked.columns, "sum_tolerance": SUM_TOLERANCE,
               "dataset_images": in_dataset,
               "score_rule": "score = P(positive class)" if checked.columns == "score" else None}
    record = import_record(target, identity, frame, source_file=path,
                           model={"head": None, "last_conv_layer": None, "input_size": None,
                                  "n_params": None},
                           details=details, started=started)
    run, fresh = commit_import(store or ResultsStore(), identity, record, frame)
    return ImportResult(run, fresh)
