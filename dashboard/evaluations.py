"""The selected runs' evaluations, loaded once, with every failure turned into a sentence.

Why a loader of its own: a comparison of six runs must not go blank because one run's test
split has a single class at patient level, or because a multiclass run cannot be aggregated
per patient.  Each run either yields an evaluation or a problem message naming the run; the
page shows the problems and compares the rest.

Also decides which runs take the binary panels: a run whose task is ``multiclass`` gets the
K x K views instead (its one-vs-rest binary view would hide the other classes).

An item of a selection is a run or an **external evaluation** (a run's model on another
dataset, :mod:`core.external`): both are content addresses. An evaluation's ``RunEvaluation``
has the source run's validation rows as its ``val`` part and the external set as its ``test``
part, so every panel that works from a run's evaluation works on it, with every threshold rule
chosen on the source's validation split (frozen), never on the external set. A multiclass
run's evaluation joins ``multiclass``: the multiclass panel shows its K x K numbers (core's
:attr:`ExternalResult.multiclass`, on the external set).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import pandas as pd
import streamlit as st

from core.errors import LesionlabError
from core.evaluation import RunEvaluation
from core.evaluation.display import colour_map
from core.store import CorruptRunError, RunRecord
from core.store.evaluation_record import EvaluationRecord
from core.store.evaluations import StoredEvaluation
from dashboard import data
from dashboard.damage import read_problem

__all__ = ["Selection", "load_selection", "has_groups", "is_multiclass", "run_key",
           "evaluation_of", "external_record", "external_rows", "external_run_record",
           "oracle_rules", "intact_external"]


@dataclass
class Selection:
    """What a page compares: run ids in order, their names, colours, records and evaluations.

    ``evals`` holds the binary runs that evaluated; ``multiclass`` the K-class runs (and
    external evaluations of K-class runs);
    ``problems`` maps a run id to why it is left out; ``externals`` the external evaluations
    among ``ids`` (id -> :class:`~core.external.ExternalResult`).
    """

    ids: list[str]
    names: dict[str, str]
    colours: dict[str, str]
    records: dict[str, RunRecord] = field(default_factory=dict)  # typed views
    evals: dict = field(default_factory=dict)
    multiclass: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    level: str = "sample"
    aggregate: str = "mean"
    externals: dict = field(default_factory=dict)

    @property
    def binary_ids(self) -> list[str]:
        return [i for i in self.ids if i in self.evals]

    def by_name(self) -> dict:
        """Evaluations keyed by display name (what figures and tables label runs with)."""
        return {self.names[i]: self.evals[i] for i in self.binary_ids}

    @property
    def synthetic(self) -> list[str]:
        return [i for i in self.ids if i in self.records and self.records[i].synthetic_data]


@st.cache_data(show_spinner=False, max_entries=512)
def _has_groups(root: str, run_id: str) -> bool:
    pred = data.load_predictions(run_id)
    return bool((pred["group"].astype(str) != pred["sample_id"].astype(str)).any())


def has_groups(run_id: str) -> bool:
    """Whether the run's samples carry a patient / lesion id of their own (False when they
    cannot be read: :func:`load_selection` then says why the run is left out); for an
    external evaluation, whether its target dataset has them."""
    try:
        if data.is_external(run_id):
            return external_record(run_id).has_groups
        return _has_groups(str(data.store_root()), run_id)
    except (LesionlabError, OSError, ValueError, KeyError):
        return False


def is_multiclass(record: RunRecord | dict) -> bool:
    return RunRecord.of(record).is_multiclass


def run_key(run_id: str, level: str, aggregate: str) -> tuple[str, str, str, str]:
    """What cached figures are keyed by (the store root too: tests switch stores)."""
    return (str(data.store_root()), run_id, level, aggregate)


def evaluation_of(item_id: str, level: str = "sample", aggregate: str = "mean"
                  ) -> RunEvaluation:
    """The binary evaluation of a run or of an external evaluation (what cached figures read)."""
    if data.is_external(item_id):
        return data.load_external(item_id, level, aggregate).run_evaluation
    return data.load_evaluation(item_id, level, aggregate)


def intact_external() -> pd.DataFrame:
    """The stored evaluations a page can show: intact, and their run still stored (an
    orphan's numbers need the run; ``core verify`` reports and removes orphans)."""
    table = data.list_external()
    if not len(table):
        return table
    table = table[table["status"] == "ok"]
    store = data.get_store()
    return table[[store.has(rid) for rid in table["run_id"]]]


def external_record(eid: str) -> EvaluationRecord:
    """A stored evaluation's record as its typed, read-only view (checksum verified)."""
    return EvaluationRecord.of(data.load_external_record(eid))


@st.cache_resource(show_spinner=False, max_entries=256)
def _run_record_of(root: str, eid: str, record_sha: str,
                   _evaluation: StoredEvaluation) -> RunRecord:
    source = data.load_record(_evaluation.run_id)
    return RunRecord.from_dict({**source, "synthetic_data": _evaluation.view.synthetic_data,
                                "external_evaluation": _evaluation.record})


def external_run_record(evaluation: StoredEvaluation) -> RunRecord:
    """The record an external evaluation stands under in a selection: the source run's (the
    model's provenance) with the evaluation's own facts beside it. Built once per server and
    shared (``st.cache_resource``: the view is read-only), keyed by the evaluation's id and the
    checksum of its record, not on every rerun (the view deep-copies the source record)."""
    return _run_record_of(str(data.store_root()), evaluation.evaluation_id,
                          evaluation.record_sha, evaluation)


@st.cache_resource(show_spinner=False, max_entries=64)
def _oracle_rules(root: str, eid: str, record_sha: str, level: str, aggregate: str,
                  _result) -> pd.DataFrame:
    from core.external import with_oracle

    return with_oracle(_result)


def oracle_rules(eid: str, level: str = "sample", aggregate: str = "mean") -> pd.DataFrame:
    """The evaluation's threshold rules with the oracle rows (each rule re-chosen on the
    external set: optimistic, shown only on request), computed once per server."""
    result = data.load_external(eid, level, aggregate)
    return _oracle_rules(str(data.store_root()), eid, result.evaluation.record_sha, level,
                         aggregate, result)


def _load_external(sel: Selection, eid: str) -> None:
    """An external evaluation into ``sel`` (its record: :func:`external_run_record`); a
    multiclass run's joins ``sel.multiclass``, a binary one's ``sel.evals``."""
    where = " at patient/lesion level" if sel.level == "group" else ""
    try:
        result = data.load_external(eid, sel.level, sel.aggregate)
        sel.records[eid] = external_run_record(result.evaluation)
    except CorruptRunError as exc:
        sel.problems[eid] = read_problem(exc)
        return
    except (LesionlabError, OSError, ValueError, KeyError) as exc:
        sel.problems[eid] = f"cannot be evaluated{where}: {exc}"
        return
    sel.externals[eid] = result
    if result.run_evaluation is None:
        sel.multiclass.append(eid)
    else:
        sel.evals[eid] = result.run_evaluation


def load_selection(
    ids: Sequence[str], names: dict[str, str], *, level: str = "sample", aggregate: str = "mean",
) -> Selection:
    """Records and evaluations of ``ids``; failures become ``problems`` entries."""
    ids = list(ids)
    sel = Selection(ids=ids, names={i: names[i] for i in ids},
                    colours={}, level=level, aggregate=aggregate)
    sel.colours = {i: c for i, c in zip(ids, colour_map([names[i] for i in ids]).values())}
    for rid in ids:
        if data.is_external(rid):
            _load_external(sel, rid)
            continue
        try:
            record = data.load_run_record(rid)
            if record.is_multiclass:  # read now: its panel reads the predictions unguarded
                data.load_predictions(rid)
        except (LesionlabError, OSError, ValueError) as exc:
            sel.problems[rid] = read_problem(exc)
            continue
        sel.records[rid] = record
        if record.is_multiclass:
            sel.multiclass.append(rid)
            continue
        # A run without groups evaluated "per group" is its own per-sample evaluation (each
        # sample is its own group); keeping one level for all keeps paired tests possible.
        try:
            sel.evals[rid] = data.load_evaluation(rid, level, aggregate)
        except CorruptRunError as exc:
            sel.problems[rid] = read_problem(exc)
        except (LesionlabError, OSError, ValueError, KeyError) as exc:
            where = " at patient/lesion level" if level == "group" else ""
            sel.problems[rid] = f"cannot be evaluated{where}: {exc}"
    return sel


def problems_frame(sel: Selection) -> pd.DataFrame:
    return pd.DataFrame([{"run": sel.names.get(i, i), "problem": p}
                         for i, p in sel.problems.items()], columns=["run", "problem"])


@st.cache_data(show_spinner=False, max_entries=64)
def _external_rows(root: str, eid: str) -> pd.DataFrame:
    pred = data.load_external(eid).evaluation.predictions()
    return pred[pred["split"].astype(str) == "test"].reset_index(drop=True)


def external_rows(eid: str) -> pd.DataFrame:
    """An evaluation's stored predictions on its TARGET images (its ``test`` rows; the ``val``
    rows are the source run's own), keyed by the target's sample ids: what Explain picks an
    external image from and compares its live prediction with."""
    return _external_rows(str(data.store_root()), eid)
