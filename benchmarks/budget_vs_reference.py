"""The budget profile against the plain Keras script a researcher would write instead.

For each dataset (BUSI 256 px folders, malignant vs rest, our split; BreastMNIST, official
split), each budget and each model, ``--seeds`` budget runs are trained through the real engine
(``RunSpec(profile="budget", budget_s=...)``), and ``../shared/tools/peer_baseline.py`` (a
3-conv CNN, Adam 1e-3, early stopping on validation AUC) is run on the IDENTICAL split with the
same seeds (for BUSI its val/test rows are passed with ``--split-csv``). Printed per line: test
AUC mean and SD over seeds, each run's wall time, and the largest wall time as a share of the
budget (the target is <= 110 %).

Budget runs measure this machine: run it on a quiet machine and read the load average printed
beside each figure. A full run (2 datasets x 2 budgets x 3 models x 3 seeds) takes about
``sum(budgets) x 18`` minutes; ``--budgets 10 --models idc_own --seeds 1`` is a 20-minute check.

    python benchmarks/budget_vs_reference.py [--datasets busi,breastmnist] [--budgets 10,30]
        [--models idc_own,mobilenet_v2,efficientnet_b0] [--seeds 3] [--reference-epochs 60]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks._common import auc_with_ci, temporary_home  # noqa: E402

SHARED = REPO.parent / "shared"
PEER = SHARED / "tools" / "peer_baseline.py"
BUSI = SHARED / "data" / "busi_256"
BREASTMNIST = SHARED / "data" / "breastmnist" / "breastmnist.npz"


def declare(name: str) -> None:
    """Declare the dataset in the temporary home. BUSI keeps one copy of its duplicate image;
    BreastMNIST's official split, which holds one image in train and test under two labels, is
    kept as it is (``duplicates="keep"``), since the peer script trains on exactly that split."""
    from core.datasets import DatasetSpec, save_spec

    if name == "busi":
        spec = DatasetSpec(name="busi", kind="folders", path=str(BUSI),
                           positive_class="malignant", duplicates="drop")
    else:
        spec = DatasetSpec(name="breastmnist", kind="medmnist", path=str(BREASTMNIST),
                           class_names=("malignant", "normal+benign"),
                           positive_class="malignant", duplicates="keep")
    save_spec(spec, replace=True)


def reference(dataset: str, seed: int, size: int, epochs: int, split_csv: Path | None) -> dict:
    """Run the peer script once; its AUC and wall time, as it prints them."""
    if dataset == "busi":
        args = ["folder", str(BUSI), "--positive", "malignant", "--split-csv", str(split_csv)]
    else:
        args = ["npz", str(BREASTMNIST), "--positive", "0"]
    started = time.perf_counter()
    out = subprocess.run([sys.executable, str(PEER), *args, "--size", str(size), "--epochs",
                          str(epochs), "--seed", str(seed)], check=True, capture_output=True,
                         text=True).stdout
    auc = float(re.search(r"test AUC ([0-9.]+)", out).group(1))
    return {"auc": auc, "wall": time.perf_counter() - started}


def busi_split_csv(store_dir: Path) -> Path:
    """Our split of BUSI (split seed 0, after the duplicate is dropped) as the peer script
    reads it: path relative to the folder, and val/test (every other image trains)."""
    import pandas as pd

    from core.training import RunSpec
    from core.training.resolve import resolve, with_usable_data

    resolved = with_usable_data(resolve(RunSpec("busi", "idc_own")))
    table = resolved.dataset.table
    rows = pd.DataFrame({"sample_id": [os.path.relpath(p, BUSI) for p in table["path"]],
                         "split": resolved.splits.reindex(table.index).to_numpy()})
    out = store_dir / "busi_split.csv"
    rows[rows["split"].isin(["val", "test"])].to_csv(out, index=False)
    return out


def budget_runs(dataset: str, model: str, minutes: float, seeds: int, store) -> list[dict]:
    from core.training import RunSpec, train_run

    results = []
    for seed in range(seeds):
        spec = RunSpec(dataset, model, profile="budget", budget_s=minutes * 60, seed=seed)
        load, started = os.getloadavg()[0], time.perf_counter()
        run = train_run(spec, store)
        wall = time.perf_counter() - started
        auc = auc_with_ci(run)[0]
        plan = run.record.get("budget", {})
        results.append({"auc": auc, "wall": wall, "load": load, "size": plan.get("input_size"),
                        "epochs": run.record["training"]["epochs_run"]})
        print(f"    {dataset} {model} {minutes:g} min seed {seed}: AUC {auc:.3f}, "
              f"{wall / 60:.1f} min ({wall / (minutes * 60):.0%} of budget), "
              f"{plan.get('input_size')} px, {results[-1]['epochs']} epochs, load {load:.1f}",
              flush=True)
    return results


def line(name: str, results: list[dict], budget_min: float | None) -> str:
    aucs = [r["auc"] for r in results]
    sd = statistics.stdev(aucs) if len(aucs) > 1 else float("nan")
    walls = [r["wall"] / 60 for r in results]
    share = f"{max(walls) / budget_min:5.0%}" if budget_min else "    -"
    return (f"  {name:32s} AUC {statistics.mean(aucs):.3f} (SD {sd:.3f}, n={len(aucs)})  "
            f"wall {statistics.mean(walls):5.1f} min (max {max(walls):.1f}, {share} of budget)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="busi,breastmnist")
    parser.add_argument("--budgets", default="10,30", help="minutes, comma-separated")
    parser.add_argument("--models", default="idc_own,mobilenet_v2,efficientnet_b0")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--reference-epochs", type=int, default=60,
                        help="the peer script's epoch cap (it stops early on validation AUC)")
    args = parser.parse_args()
    temporary_home("lesionlab-budget-")
    from core.store import ResultsStore

    store = ResultsStore()
    for dataset in args.datasets.split(","):
        declare(dataset)
        split_csv = busi_split_csv(Path(tempfile.mkdtemp())) if dataset == "busi" else None
        size = 96 if dataset == "busi" else 28
        refs = [reference(dataset, s, size, args.reference_epochs, split_csv)
                for s in range(args.seeds)]
        rows = [line(f"peer_baseline.py ({size} px)", refs, None)]
        for minutes in (float(b) for b in args.budgets.split(",")):
            for model in args.models.split(","):
                rows.append(line(f"{model}, budget {minutes:g} min",
                                 budget_runs(dataset, model, minutes, args.seeds, store),
                                 minutes))
        print(f"\n{dataset} (load now {os.getloadavg()[0]:.1f}):", *rows, sep="\n", flush=True)


if __name__ == "__main__":
    main()
