"""Command line for external validation and the lines ``core ls`` adds about evaluations.

    python -m core evaluate --runs RUN_ID[,RUN_ID...] --on DATASET[,...] [--split test|all]
                            [--map target=run,...] [--level sample|patient] [--oracle]

What is computed and stored is decided in :mod:`core.external`; this module only prints it.
"""

from __future__ import annotations

import argparse

__all__ = ["add_evaluate_parser", "evaluate", "evaluation_lines"]


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def add_evaluate_parser(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser(
        "evaluate", help="evaluate stored runs on another dataset (external validation)",
        description="Predict with each stored run's model on another dataset, store the "
                    "result once (a second call reads it back), and print the AUC with its CI, "
                    "its drop from the run's internal test AUC, calibration, and the metrics "
                    "at every threshold rule chosen on the source run's validation split.")
    cmd.add_argument("--runs", type=_csv, required=True, help="comma-separated run ids")
    cmd.add_argument("--on", dest="datasets", type=_csv, required=True,
                     help="the target dataset's name (or several, comma-separated)")
    cmd.add_argument("--split", choices=("test", "all"), default="test",
                     help="the target's own test split (default) or every image of it")
    cmd.add_argument("--map", dest="mapping", default=None, metavar="TARGET=RUN,...",
                     help="target class -> run class, e.g. mel=melanoma,nv=other (default for "
                          "a binary run: the target's positive class -> the run's, every other "
                          "class -> the negative one)")
    cmd.add_argument("--level", choices=("sample", "patient"), default="sample",
                     help="patient: scores averaged per patient/lesion of the target")
    cmd.add_argument("--oracle", action="store_true",
                     help="also re-choose every threshold on the external set, labelled "
                          "'oracle (external)' (optimistic; never the default)")


def _ci(value: float, low: float, high: float, sign: str = "") -> str:
    return f"{value:{sign}.3f} [{low:{sign}.3f}, {high:{sign}.3f}]"


def _threshold_table(thresholds):
    """Rules as rows, each metric as 'estimate [low, high]'."""
    import pandas as pd

    cells = thresholds.assign(text=[_ci(r.estimate, r.ci_low, r.ci_high)
                                    for r in thresholds.itertuples()])
    wide = cells.pivot_table(index=["chosen_on", "rule", "threshold"], columns="metric",
                             values="text", aggfunc="first", sort=False)
    order = [m for m in dict.fromkeys(thresholds["metric"]) if m in wide.columns]
    return pd.DataFrame(wide[order]).reset_index()


def _describe(result) -> None:
    """The external set as TRIPOD-AI asks (:func:`core.external.describe_external`)."""
    from core.external import describe_external

    d = describe_external([result]).iloc[0]
    events = "" if d.n_events is None else \
        f", {d.n_events} events (prevalence {d.prevalence:.3f})"
    print(f"  external set: {d.target_split}, {d.n_images} images{events}, "
          f"{d.left_out_unreadable} unreadable left out; class mapping {d.class_mapping}")


def _excluded(result) -> None:
    """The AUC without the images flagged as overlapping, when some were."""
    excluded = result.excluding_overlap
    if excluded is None:
        return
    auc = excluded.auc
    text = excluded.reason if auc is None else _ci(auc.auc, auc.ci_low, auc.ci_high)
    print(f"  AUC external {excluded.label}: {text}")


def _print_result(result) -> None:
    import pandas as pd

    _describe(result)
    found = result.overlap
    flag = "  OVERLAPPING" if result.overlapping else ""
    if not result.overlap_known:
        print(f"  overlap with the run's training images: {found.get('unknown')}")
    else:
        print(f"  overlap with the run's training and validation images: {found['exact']} "
              f"exact, {found['near']} near-identical, of {found['n_target']}{flag}")
    if result.run_evaluation is None:
        print(f"  multiclass: accuracy {result.multiclass.accuracy:.3f}")
        print(result.multiclass.averages.to_string())
        return
    auc, own = result.run_evaluation.auc, result.internal
    drop, low, high, reason = result.drop
    print(f"  AUC external {_ci(auc.auc, auc.ci_low, auc.ci_high)}, internal test "
          f"{_ci(own.auc, own.ci_low, own.ci_high)}, drop {_ci(drop, low, high, '+')} "
          f"(unpaired DeLong){' - ' + reason if reason else ''}")
    _excluded(result)
    cal = result.calibration
    print(f"  calibration on the external set: in-the-large {_ci(cal.citl, *cal.citl_ci, '+')}"
          f", slope {_ci(cal.slope, *cal.slope_ci)} (observed risk {cal.observed_risk:.3f}, "
          f"mean predicted {cal.mean_predicted_risk:.3f})")
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(_threshold_table(result.thresholds).to_string(index=False))


def _transfer(results) -> None:
    """One matrix per source configuration (model, strategy, profile, seed), rows its runs'
    training sets (:func:`core.external.transfer_groups`, as on the Compare page)."""
    from core.external import transfer_groups, transfer_long, transfer_table

    binary = [r for r in results if r.run_evaluation is not None]
    for group in transfer_groups(binary):
        print(f"transfer matrix, {group.setup}: AUC [95% CI], drop from internal [95% CI]")
        try:
            print(transfer_table(transfer_long(group.results)).to_string())
        except ValueError as exc:  # one run evaluated twice on one test set
            print(f"  {exc}")


def _one(store, rid: str, dataset: str, args, mapping):
    from core.external import evaluate_external, external_result

    events: list[str] = []
    stored = evaluate_external(store, rid, dataset, split=args.split, mapping=mapping,
                               progress=lambda e: events.append(e["event"]))
    run = store.get(rid)
    level = "group" if args.level == "patient" else "sample"
    result = external_result(stored, run, level=level, oracle=args.oracle)
    how = "stored earlier" if "cached" in events else "evaluated now"
    print(f"{result.label} - run {rid}, {args.split} split, {stored.view.n_external} "
          f"images, {args.level} level (evaluation {stored.evaluation_id}, {how})")
    _print_result(result)
    return result


def evaluate(args) -> int:
    """``core evaluate``: one block per run and target, then the transfer matrices."""
    from core.external import parse_mapping
    from core.store import ResultsStore

    mapping = parse_mapping(args.mapping)
    store = ResultsStore()
    results = []
    for dataset in args.datasets:
        for rid in args.runs:
            source = store.get(rid).identity.get("dataset")
            if source == dataset:
                print(f"run {rid} was trained on {dataset}: its internal test AUC is the "
                      "diagonal of the transfer matrix, not an external evaluation")
                continue
            results.append(_one(store, rid, dataset, args, mapping))
    _transfer(results)
    return 0


def evaluation_lines(store) -> list[str]:
    """``core ls``: the stored external evaluations, internal test vs external AUC."""
    import pandas as pd

    from core.store.evaluations import EvaluationStore

    if not (store.root / "evaluations").is_dir():  # listing never creates anything
        return []
    table = EvaluationStore(store.root).list_evaluations()
    if table.empty:
        return []

    def versus(row) -> str:
        internal, external = row.get("internal_test_auc"), row.get("external_auc")
        return f"{internal:.3f} vs {external:.3f}" if pd.notna(internal) and \
            pd.notna(external) else ""
    shown = pd.DataFrame({
        "evaluation_id": table["evaluation_id"], "run_id": table["run_id"],
        "model": table["model"], "trained on": table["source_dataset"],
        "tested on": table["dataset"], "split": table["split"],
        "internal test vs external": [versus(r) for _, r in table.iterrows()],
        "overlap": [f"{e:.0f} exact, {n:.0f} near" if pd.notna(e) and pd.notna(n)
                    else "unknown" for e, n in
                    zip(table["exact_overlap"], table["near_overlap"])],
        "status": table["status"]})
    return [f"{len(table)} external evaluation(s):", shown.to_string(index=False)]
