"""Command line: train what is missing of a grid, list stored runs, check a dataset.

    python -m core run --datasets demo --models idc_initial,idc_own \
        --strategies none,class_weight --profile quick
    python -m core ls [--dataset demo]
    python -m core verify [--delete-corrupt] [--clean]   # checksums of every run; leftovers
    python -m core check demo
    python -m core evaluate --runs RUN_ID --on DATASET [--split all]   # external validation
    python -m core models [--show NAME]                  # a model's recipes, every field
    python -m core run ... --set input_size=96 --set optimizer=adam   # recipe overrides
    python -m core run ... --backend ray [--address auto | ray://<head>:10001]

Every error a user can cause (a wrong dataset layout, an unknown model, a bad weights file, a
seed or fold count out of range) is printed as one message with its fix, exit status 2, before
any run starts: ``run`` checks the whole grid first (core.training.validate) and lists every
problem it finds. A run that fails while training does not stop the grid (it is reported in
the summary, exit status 1).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from core.cli_external import add_evaluate_parser, evaluate
from core.cli_imports import add_import_parsers, import_model_command, import_predictions_command
from core.cli_store import add_verify_parser, ls_notes, verify
from core.training.events import BatchEnded, EpochEnded, ProgressEvent, RunCached
from core.training.spec import PROFILES

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _strategies(value: str) -> list[str]:
    """Comma-separated strategies, where ``class_weight:1,3`` keeps its own commas: a number
    after a ``class_weight:`` item is one more weight of it, not a strategy."""
    out: list[str] = []
    for part in _csv(value):
        if out and out[-1].startswith("class_weight:") and _is_number(part):
            out[-1] += f",{part}"
        else:
            out.append(part)
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _ints(value: str) -> list[int]:
    return [int(v) for v in _csv(value)]


def _gpu_share(value: str) -> float:
    from core.jobs.ray_backend import RayBackendError, gpu_share

    try:
        return gpu_share(value)
    except RayBackendError as exc:
        raise argparse.ArgumentTypeError(exc.problem) from None


def _add_seed_arguments(run: argparse.ArgumentParser) -> None:
    """--seeds (a list) or --n-seeds (a count: seeds 0..N-1), not both; both are checked by
    the grid check (core.training.validate)."""
    seeds = run.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=_ints, default=[0], help="comma-separated, 0..2**31-1")
    seeds.add_argument("--n-seeds", type=int, default=None, metavar="N",
                       help="seeds 0..N-1 of every configuration instead of a list (1..100); "
                            "runs already stored are not trained again, so --n-seeds 3 adds "
                            "the missing seeds up to three")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="train every missing run of a grid, then summarise it")
    run.add_argument("--datasets", type=_csv, default=["demo"], help="comma-separated names")
    run.add_argument("--models", type=_csv, required=True, help="comma-separated registry names")
    run.add_argument("--strategies", type=_strategies, default=["none"],
                     help="none, class_weight, class_weight:<w0>,<w1>, oversample, undersample")
    run.add_argument("--profile", choices=PROFILES, default=None,
                     help="quick (CPU-sized, the default), paper (the study's settings), or "
                          "budget (sized to --budget on this machine)")
    run.add_argument("--budget", default=None, metavar="TIME",
                     help="the budget profile's time per run, e.g. 10m, 1h, 90s or minutes; "
                          "implies --profile budget: input size, images and epochs are chosen "
                          "from this machine's measured speed so each run ends in time")
    _add_seed_arguments(run)
    run.add_argument("--folds", type=int, default=None,
                     help="k-fold cross-validation (all folds), k from 2 to 20 and at most the "
                          "smallest class's patient (or image) count")
    run.add_argument("--weights", default=None, help="imagenet, none, or a local weights file")
    run.add_argument("--epochs", type=int, default=None,
                     help="override the recipe's epochs (1..10000); the same as --set epochs=N")
    run.add_argument("--set", dest="overrides", action="append", default=[],
                     metavar="FIELD=VALUE",
                     help="override a recipe field in every run, e.g. --set input_size=96 --set "
                          "optimizer=adam --set learning_rate=1e-3 (repeat it; `models --show "
                          "NAME` lists the fields and their values). Checked like the recipes "
                          "themselves; part of each run's identity")
    run.add_argument("--backend", choices=("inprocess", "ray"), default="inprocess",
                     help="inprocess: one run at a time here; ray: every run as a parallel Ray "
                          "task (needs: pip install -r requirements-ray.txt)")
    run.add_argument("--gpus-per-run", type=_gpu_share, default=None,
                     help="with --backend ray on GPUs: GPU share per run, e.g. 0.25 packs 4 runs "
                          "per card (default 1, or LESIONLAB_RAY_GPUS_PER_RUN)")
    run.add_argument("--address", default=None,
                     help="with --backend ray: auto (the cluster this machine joined), "
                          "ray://<head>:10001, or local; default: Ray's own choice (RAY_ADDRESS, "
                          "else a cluster started on this machine, else a new local instance)")

    ls = sub.add_parser("ls", help="list stored runs")
    ls.add_argument("--dataset", default=None)
    ls.add_argument("--model", default=None)
    add_verify_parser(sub)
    add_evaluate_parser(sub)
    add_import_parsers(sub)

    check = sub.add_parser("check", help="check a dataset: counts, unreadable files, duplicates")
    check.add_argument("dataset")

    registry = sub.add_parser("models", help="list the model registry")
    registry.add_argument("--show", metavar="NAME", default=None,
                        help="print one model's paper and quick recipes, every field, and "
                             "their notes")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "address", None) and args.backend != "ray":
        parser.error("--address needs --backend ray")
    if getattr(args, "gpus_per_run", None) is not None and args.backend != "ray":
        parser.error("--gpus-per-run needs --backend ray")
    from core.errors import LesionlabError

    try:
        return {"run": _run, "ls": _ls, "check": _check, "models": _models,
                "verify": verify, "evaluate": evaluate,
                "import-predictions": import_predictions_command,
                "import-model": import_model_command}[args.command](args)
    except LesionlabError as exc:  # what a user can cause (tests/hardening/test_user_errors)
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(args) -> int:
    from core.store import ResultsStore
    from core.training import GridRequest, validate_grid

    # The whole grid is checked before the store is opened or TensorFlow imported.
    profile = args.profile or ("budget" if args.budget else "quick")
    specs = validate_grid(GridRequest(args.datasets, args.models, args.strategies, profile,
                                      args.seeds, args.folds, args.weights, args.epochs,
                                      overrides=args.overrides, budget=args.budget,
                                      n_seeds=args.n_seeds))
    from core.training import train_run

    if specs and specs[0].overrides:
        from models.overrides import overrides_text

        print(f"recipe overrides in every run: {overrides_text(specs[0].overrides)}", flush=True)
    store = ResultsStore()
    if args.backend == "ray":
        from core.cli_ray import run_on_ray

        return run_on_ray(specs, store, args.address, _print_table, args.gpus_per_run)
    rows, failed = [], 0
    for i, spec in enumerate(specs, start=1):
        print(f"[{i}/{len(specs)}] {spec.label}", flush=True)
        bar = ProgressBar()
        started = time.perf_counter()
        try:
            stored = train_run(spec, store, progress=bar)
        except KeyboardInterrupt:
            print("\ninterrupted: finished epochs are kept; run the same command to resume.")
            return 130
        except Exception as exc:  # one failed run must not stop the grid
            failed += 1
            bar.close()
            print(f"  FAILED: {type(exc).__name__}: {exc}", flush=True)
            rows.append({"run": spec.label, "status": "failed", "run_id": ""})
            continue
        bar.close()
        summary = stored.view.summary
        rows.append({"run": spec.label, "status": "cached" if bar.cached else "trained",
                     "run_id": stored.run_id,
                     "test_auc": summary.get("test_auc"), "val_auc": summary.get("val_auc"),
                     "seconds": round(time.perf_counter() - started, 1)})
    _print_table(rows)
    return 1 if failed else 0


class ProgressBar:
    """One status line per run, redrawn in place: epoch, batch, loss, val metrics."""

    def __init__(self, width: int = 30) -> None:
        self.width = width
        self.cached = False
        self.tty = sys.stdout.isatty()

    def __call__(self, event: ProgressEvent) -> None:
        self.cached = self.cached or isinstance(event, RunCached)
        if isinstance(event, BatchEnded) and self.tty:  # a bar on a terminal, not the words
            done = event.batch / max(event.steps, 1)
            bar = "#" * int(done * self.width)
            sys.stdout.write(f"\r  epoch {event.epoch + 1}/{event.epochs} "
                             f"[{bar:<{self.width}}] loss {event.loss:.4f}")
            sys.stdout.flush()
        elif event.worth_a_line:
            epoch = isinstance(event, EpochEnded)
            prefix = "\r" if epoch and self.tty else ""
            print(f"{prefix}  {event.describe()}" + " " * 10 * epoch, flush=True)

    def close(self) -> None:
        sys.stdout.flush()


def _print_table(rows: list[dict]) -> None:
    import pandas as pd

    if not rows:
        print("nothing to do")
        return
    frame = pd.DataFrame(rows)
    with pd.option_context("display.max_colwidth", 80, "display.width", 200,
                           "display.float_format", "{:.3f}".format):
        print(frame.to_string(index=False))


def _ls(args) -> int:
    import pandas as pd

    from core.store import ResultsStore

    filters = {k: v for k, v in (("dataset", args.dataset), ("model", args.model)) if v}
    store = ResultsStore()
    runs = store.list_runs(**filters)
    if runs.empty:
        print("no stored runs")
        return 0
    cols = [c for c in ("run_id", "dataset", "model", "strategy", "profile", "seed", "fold",
                        "device", "test_auc", "created_at", "status") if c in runs.columns]
    with pd.option_context("display.width", 200, "display.float_format", "{:.3f}".format):
        print(runs[cols].to_string(index=False))
    for note in ls_notes(store, runs):
        print(note)
    return 0


def _check(args) -> int:
    from core.datasets import DatasetError, assign_splits, check_dataset, load_dataset

    ds = load_dataset(args.dataset)
    try:
        splits = assign_splits(ds)
    except DatasetError as exc:  # still check the images; say why there is no split
        print(f"no split: {exc}")
        splits = None
    report = check_dataset(ds, splits)
    for line in report.summary():
        print(line)
    print(report.counts.to_string())
    return 0


def _models(args) -> int:
    from models import get_entry, list_entries

    if args.show is not None:
        from core.cli_recipes import show_entry

        print(show_entry(get_entry(args.show)))
        return 0
    for entry in list_entries():
        print(f"{entry.name:28s} {entry.head:8s} min {entry.min_input_size:>3d}px  {entry.title}")
    return 0
