"""The index's configuration columns (``core.store.config_columns``) and the grouping of runs
into configurations they make right (``core.training.runsets.seed_groups``), on a real store."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pandas as pd

from core.store import ResultsStore, run_id
from core.store.config_columns import config_fields
from core.training.runsets import fold_groups, fold_seed_grid, seed_groups
from tests.store import factories as f


def _commit(store: ResultsStore, overrides: dict | None = None, **changes) -> str:
    ident = f.identity(**changes)
    if overrides is not None:  # the recipe the overrides gave is part of the identity
        ident["recipe"] = {**ident["recipe"], **overrides}
    rec = f.record()
    rec["spec"] = {"overrides": overrides or {}, "seed": ident["seed"]}
    return store.commit(run_id(ident), ident, rec, f.predictions(), f.history(), None).run_id


def test_fields_from_a_trained_and_an_imported_run():
    trained = config_fields(
        {"split": {"seed": 3, "n_folds": 5}, "weights": "imagenet",
         "budget": {"seconds": 600.0, "planner": 4}},
        {"spec": {"overrides": {"lr": 0.01, "epochs": 3}}})
    assert trained == {"overrides": '{"epochs": 3, "lr": 0.01}', "weights": "imagenet",
                       "split_seed": 3, "n_folds": 5, "budget_s": 600.0, "planner": 4,
                       "augmentation": None, "source": "trained"}
    imported = config_fields({"source": "imported", "split": {"own": True},
                              "weights": None}, {"import": {"kind": "predictions"}})
    assert imported == {"overrides": None, "weights": None, "split_seed": None,
                        "n_folds": None, "budget_s": None, "planner": None,
                        "augmentation": None, "source": "imported"}
    assert set(config_fields({}, {}).values()) == {None}  # a corrupt run's row


def test_runs_differing_only_in_overrides_are_two_configurations(store: ResultsStore):
    seeds = [_commit(store, {"epochs": 5}, seed=s, fold=None) for s in (0, 1, 2)]
    other = _commit(store, {"epochs": 20}, seed=0, fold=None)
    plain = _commit(store, None, seed=0, fold=None)
    imported = _commit(store, None, seed=0, fold=None, source="imported")
    runs = store.list_runs()
    assert runs.set_index("run_id").loc[other, "overrides"] == '{"epochs": 20}'
    groups = seed_groups(runs, [*seeds, other, plain, imported])
    assert [g.run_ids for g in groups] == [tuple(seeds), (other,), (plain,), (imported,)]
    assert [g.name for g in groups[:3]] == [  # the factories' split has seed 7
        "tiny_cnn on demo · scratch · quick · epochs=5 · split seed 7",
        "tiny_cnn on demo · scratch · quick · epochs=20 · split seed 7",
        "tiny_cnn on demo · scratch · quick · split seed 7"]
    assert groups[0].seeds == (0, 1, 2)


def test_budget_runs_of_two_planners_are_two_configurations(store: ResultsStore):
    """A new planner spends the same budget differently: its seeds are not the old one's."""
    def budget(planner: int, seed: int) -> str:
        return _commit(store, None, seed=seed, fold=None, profile="budget",
                       budget={"seconds": 600.0, "planner": planner})
    old = [budget(3, s) for s in (0, 1)]
    new = [budget(4, s) for s in (0, 1)]
    runs = store.list_runs()
    assert runs.set_index("run_id").loc[new[0], "planner"] == 4
    groups = seed_groups(runs, [*old, *new])
    assert sorted(g.run_ids for g in groups) == sorted([tuple(old), tuple(new)])
    assert sorted(g.name for g in groups) == [
        f"tiny_cnn on demo · scratch · budget · split seed 7 · 10 min (planner {p})"
        for p in (3, 4)]


def test_split_seed_and_weights_separate_configurations(store: ResultsStore):
    base = f.identity(fold=None, seed=0)["split"]
    a = _commit(store, None, seed=0, fold=None)
    b = _commit(store, None, seed=1, fold=None, split={**base, "seed": 8})
    c = _commit(store, None, seed=1, fold=None, weights="imagenet")
    groups = seed_groups(store.list_runs(), [a, b, c])
    assert [g.run_ids for g in groups] == [(a,), (b,), (c,)]
    assert groups[1].name.endswith("· split seed 8")


def test_folds_and_seeds_compose_into_one_configuration(store: ResultsStore):
    """k folds x n seeds of one configuration are one group, a seeds x folds grid; the same
    factors with other overrides are another cross-validation."""
    split = {**f.identity()["split"], "n_folds": 3}
    cells = {(s, k): _commit(store, {"epochs": 3}, seed=s, fold=k, split={**split, "fold": k})
             for s in (0, 1) for k in (0, 1, 2)}
    lone = _commit(store, {"epochs": 9}, seed=0, fold=0, split={**split, "fold": 0})
    lone1 = _commit(store, {"epochs": 9}, seed=0, fold=1, split={**split, "fold": 1})
    runs = store.list_runs()
    groups = seed_groups(runs, [*cells.values(), lone, lone1])
    assert len(groups) == 2
    cv = groups[0]
    assert cv.seeds == (0, 1) and cv.folds == (0, 1, 2)
    assert cv.name == "tiny_cnn on demo · scratch · quick · epochs=3 · split seed 7 · 3 folds"
    assert fold_seed_grid(cv) == [[cells[(s, k)] for k in (0, 1, 2)] for s in (0, 1)]
    assert [g.run_ids for g in fold_groups(runs, [*cells.values(), lone, lone1])] == [
        tuple(cells[(0, k)] for k in (0, 1, 2)), tuple(cells[(1, k)] for k in (0, 1, 2)),
        (lone, lone1)]
    assert [g.name for g in fold_groups(runs, [cells[(0, 0)], cells[(0, 1)], lone, lone1])] == [
        f"tiny_cnn on demo · scratch · quick · epochs={e} · split seed 7" for e in (3, 9)]


def test_an_index_of_the_old_schema_is_rebuilt_with_the_columns(store: ResultsStore):
    rid = _commit(store, {"epochs": 3}, seed=0, fold=None)
    expected = store.list_runs()
    with closing(sqlite3.connect(store.root / "index.sqlite")) as conn:
        for column in ("overrides", "weights", "split_seed", "n_folds", "budget_s", "source"):
            conn.execute(f"ALTER TABLE runs DROP COLUMN {column}")
        conn.execute("PRAGMA user_version = 2")
        conn.commit()
    fresh = ResultsStore(store.root).list_runs()
    pd.testing.assert_frame_equal(fresh, expected)
    assert fresh.set_index("run_id").loc[rid, "source"] == "trained"


def test_an_index_of_schema_4_gains_the_augmentation_column(store: ResultsStore):
    rid = _commit(store, None, seed=0, fold=None, profile="budget",
                  budget={"seconds": 600.0, "planner": 5},
                  recipe={**f.identity()["recipe"], "augmentation": "light"})
    expected = store.list_runs()
    with closing(sqlite3.connect(store.root / "index.sqlite")) as conn:
        conn.execute("ALTER TABLE runs DROP COLUMN augmentation")
        conn.execute("PRAGMA user_version = 4")
        conn.commit()
    fresh = ResultsStore(store.root).list_runs()
    pd.testing.assert_frame_equal(fresh, expected)
    assert fresh.set_index("run_id").loc[rid, "augmentation"] == "light"


def test_budget_runs_augmented_for_a_declared_modality_are_another_configuration(
        store: ResultsStore):
    """Declaring a dataset's modality changes what its budget runs augment with
    (core.training.resolve): seeds trained before and after are not seeds of one run."""
    def budget(augmentation: str, seed: int) -> str:
        return _commit(store, None, seed=seed, fold=None, profile="budget",
                       budget={"seconds": 600.0, "planner": 5},
                       recipe={**f.identity()["recipe"], "augmentation": augmentation})
    own = [budget("histology", s) for s in (0, 1)]
    declared = [budget("light", s) for s in (0, 1)]
    runs = store.list_runs()
    assert runs.set_index("run_id").loc[declared[0], "augmentation"] == "light"
    groups = seed_groups(runs, [*own, *declared])
    assert sorted(g.run_ids for g in groups) == sorted([tuple(own), tuple(declared)])
    assert sorted(g.name for g in groups) == [
        f"tiny_cnn on demo · scratch · budget · split seed 7 · 10 min (planner 5, {a} "
        "augmentation)" for a in ("histology", "light")]
