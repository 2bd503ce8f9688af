"""Command line for the store's upkeep: ``python -m core verify [--delete-corrupt] [--clean]``
and the lines ``core ls`` adds about the store's health.

Kept apart from :mod:`core.cli` so that module stays the grid's front door; what is checked and
what may be removed is decided in :mod:`core.store.maintenance` (its docstring states the
cleaning rule), this module only prints it.
"""

from __future__ import annotations

import argparse

__all__ = ["add_verify_parser", "ls_notes", "problem_lines", "verify"]

def add_verify_parser(sub: argparse._SubParsersAction) -> None:
    verify_cmd = sub.add_parser(
        "verify", help="check every stored run's and evaluation's files against their checksums",
        description="Check every stored run's files against the sha256 in its manifest, print "
                    "one row per run, and remember when (shown by `core ls`); then every "
                    "external evaluation (its files, and that its run is still stored). Exit "
                    "status 0 when everything is intact, 1 when anything is corrupt.")
    verify_cmd.add_argument("--delete-corrupt", action="store_true",
                            help="delete the runs found corrupt, so they can be trained again "
                                 "(their external evaluations with them), and the evaluations "
                                 "found corrupt or orphaned")
    verify_cmd.add_argument("--clean", action="store_true",
                            help="also remove leftovers: tmp/ entries of dead writers, work/ "
                                 "scratch of stored runs and of failed runs (never of a run "
                                 "being trained, never an interrupted run's checkpoints), "
                                 "external evaluations whose run is gone")
    verify_cmd.add_argument("--clean-resumable", action="store_true",
                            help="--clean, and interrupted runs' checkpoints too (their runs "
                                 "then train from scratch; runs being trained are never touched)")


def _print(frame) -> None:
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_colwidth", 160,
                           "display.float_format", "{:.3f}".format):
        print(frame.to_string(index=False))


def verify(args) -> int:
    """``core verify``: the table, the fix for corrupt runs, then the optional clean-ups."""
    from core.store import DELETE_CORRUPT_FIX, ResultsStore
    from core.store.maintenance import (clean_store, delete_corrupt, describe, last_verified,
                                        verify_store)

    store = ResultsStore()
    table = verify_store(store)
    corrupt = table[table["status"] == "corrupt"]
    last = last_verified(store)
    when = last.verified_at[:19].replace("T", " ") if last else "?"
    print(f"verified {len(table)} run(s) at {when} UTC: "
          f"{len(table) - len(corrupt)} ok, {len(corrupt)} corrupt")
    if len(table):
        _print(table[["run_id", "dataset", "model", "strategy", "seed", "fold", "status"]])
    for line in problem_lines(table):
        print(line)
    if len(corrupt) and args.delete_corrupt:
        deleted = delete_corrupt(store, table)
        print(f"deleted {len(deleted)} corrupt run(s): {', '.join(deleted)}; train them again "
              "with the same `python -m core run` command or on the Train page")
    elif len(corrupt):
        print(f"{len(corrupt)} corrupt run(s). Fix: {DELETE_CORRUPT_FIX}.")
    bad_evaluations = _evaluations(store, args)
    if args.clean or args.clean_resumable:
        rows = describe(clean_store(store, resumable=args.clean_resumable), store.root)
        removed = sum(1 for r in rows if r["action"] == "removed")
        print(f"clean: {removed} removed, {len(rows) - removed} kept"
              + ("" if rows else " (no leftovers)"))
        if rows:
            import pandas as pd

            _print(pd.DataFrame(rows))
    return 1 if len(corrupt) or bad_evaluations else 0


def _evaluations(store, args) -> int:
    """``core verify`` for external evaluations: the check, its table, then what the flags
    delete (``--delete-corrupt``: damaged and orphaned; ``--clean``: orphaned); the number of
    evaluations found corrupt (orphans included)."""
    from core.store.maintenance import delete_corrupt_evaluations, verify_evaluations

    table = verify_evaluations(store)
    if table.empty:
        return 0
    bad = table[table["status"] == "corrupt"]
    print(f"verified {len(table)} external evaluation(s): {len(table) - len(bad)} ok, "
          f"{len(bad)} corrupt ({int(bad['orphaned'].sum())} orphaned: their run is gone)")
    _print(table[["evaluation_id", "run_id", "dataset", "status"]])
    for row in bad.itertuples():
        problem = row.problem if isinstance(row.problem, str) else "damaged"
        print(f"  {row.evaluation_id}: {problem}")
    if len(bad) and args.delete_corrupt:
        deleted = delete_corrupt_evaluations(store, table)
        print(f"deleted {len(deleted)} corrupt or orphaned evaluation(s): {', '.join(deleted)}")
    elif len(bad) and (args.clean or args.clean_resumable):
        deleted = delete_corrupt_evaluations(store, table, orphans_only=True)
        print(f"clean: deleted {len(deleted)} orphaned evaluation(s)"
              + (f": {', '.join(deleted)}" if deleted else ""))
    if len(bad) and not args.delete_corrupt:
        print("Fix: `python -m core verify --delete-corrupt` deletes them; evaluate the runs "
              "again with `python -m core evaluate` or on the Compare page.")
    return len(bad)


def problem_lines(runs) -> list[str]:
    """One line per corrupt run, ``<run_id>: <problem>`` (too long for a table column)."""
    if not len(runs):
        return []
    bad = runs[runs["status"] == "corrupt"]
    return [f"  {r.run_id}: {r.problem if isinstance(r.problem, str) else 'damaged'}"
            for r in bad.itertuples()]


def ls_notes(store, runs) -> list[str]:
    """What ``core ls`` says under its table: damaged runs with the fix, and the last check."""
    from core.store import DELETE_CORRUPT_FIX
    from core.store.maintenance import verification_line

    notes = []
    corrupt = runs[runs["status"] == "corrupt"] if len(runs) else runs
    if len(corrupt):
        notes += [f"{len(corrupt)} corrupt run(s):", *problem_lines(runs),
                  f"Fix: {DELETE_CORRUPT_FIX}."]
    notes.append(verification_line(store, runs["run_id"].tolist() if len(runs) else []))
    from core.cli_external import evaluation_lines

    return notes + evaluation_lines(store)
