"""Results store: content-addressed training runs with atomic artifacts, a SQLite index and
inter-process claims, so a run asked for twice is trained once and reused ever after.

Typical use by the training engine::

    rid = run_id(identity)
    with store.claim(rid):
        if store.has(rid):
            run = store.get(rid)
        else:
            ...train, checkpointing into store.work_dir(rid)...
            run = store.commit(rid, identity, record, predictions, history, model_file)
            store.clear_work(rid)

No TensorFlow import happens here; only :meth:`StoredRun.load_model` imports Keras.
"""

from __future__ import annotations

from core.store.errors import DELETE_CORRUPT_FIX, CorruptRunError, RunNotFound, StoreError
from core.store.identity import (
    CODE_VERSION,
    ENGINE_REVISION,
    IDENTITY_FIELDS,
    canonical_json,
    is_run_id,
    run_id,
)
from core.store.index import LIST_COLUMNS, SUMMARY_COLUMNS
from core.store.locks import Claim
from core.store.record import RunRecord
from core.store.run import StoredRun
from core.store.schema import PREDICTION_BASE_COLUMNS, prob_columns, validate_predictions
from core.store.store import ResultsStore

__all__ = [
    "CODE_VERSION",
    "DELETE_CORRUPT_FIX",
    "ENGINE_REVISION",
    "IDENTITY_FIELDS",
    "LIST_COLUMNS",
    "PREDICTION_BASE_COLUMNS",
    "SUMMARY_COLUMNS",
    "Claim",
    "CorruptRunError",
    "ResultsStore",
    "RunNotFound",
    "RunRecord",
    "StoreError",
    "StoredRun",
    "canonical_json",
    "is_run_id",
    "prob_columns",
    "run_id",
    "validate_predictions",
]
