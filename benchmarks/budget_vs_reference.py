"""The budget profile against the plain Keras script a researcher would write instead.

For each dataset (BUSI 256 px folders, malignant vs rest, our split; BreastMNIST, official
split), each budget and each model, ``--seeds`` budget runs are trained through the real engine
(``RunSpec(profile="budget", budget_s=...)``), and ``../shared/tools/peer_baseline.py`` (a
3-conv CNN, Adam 1e-3, early stopping on validation AUC) is run on the IDENTICAL split with the
same seeds (for BUSI its val/test rows are passed with ``--split-csv``). Printed per line: test
AUC mean and SD over seeds, each run's wall time, and the largest wall time as a share of the
budget (what the profile promises: the target is <= 110 %), with the time the run's own plan
expected its planned epochs to take, with the seconds spent before planning (cells measured
before ``probe_s`` was recorded leave those out; early stopping usually ends a run sooner).

Every finished cell (one seed of one arm) is appended to a ledger, ``benchmarks/results/
budget_vs_reference.jsonl`` by default (``--ledger``), with its date, commit, machine and load;
a cell already in the ledger for the same planner is not run again, and the summary is printed
from the whole ledger. So the full matrix, longer than any one sitting, fills in over several
(``--report`` prints the summary without training). Models are not kept between sittings: each
cell is a fresh training, which is what the benchmark measures.

Budget runs measure this machine: run it on a quiet machine and read what each cell records of
the others beside it: the load average at its start, and the share of the machine's CPU that
other processes took while it ran (``others_cpu``, from ``/proc/stat`` less this process and
its children; ``steal``, what the hypervisor gave other machines), the report's last column.
A full run (2 datasets x 2 budgets x 3 models x 3 seeds) takes about ``sum(budgets) x 18``
minutes; ``--budgets 10 --models idc_own --seeds 1`` is a 20-minute check.

    python benchmarks/budget_vs_reference.py [--datasets busi,breastmnist] [--budgets 10,30]
        [--models idc_own,mobilenet_v2,efficientnet_b0] [--seeds 3] [--reference-epochs 60]
        [--ledger FILE] [--report]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
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
LEDGER = REPO / "benchmarks" / "results" / "budget_vs_reference.jsonl"
PEER_ARM = "peer_baseline.py"


class Ledger:
    """The benchmark's finished cells, one JSON object per line, keyed by (dataset, arm,
    budget in minutes or None for the peer script, seed, planner version, augmentation: the
    one the dataset's declared modality gave a budget run, None for the peer script and for
    rows measured before datasets declared one, which trained with the model's own)."""

    def __init__(self, path: Path):
        self.path = path
        self.rows = ([json.loads(line) for line in path.read_text().splitlines() if line.strip()]
                     if path.exists() else [])

    @staticmethod
    def key(row: dict) -> tuple:
        return (row["dataset"], row["arm"], row["budget_min"], row["seed"], row["planner"],
                row.get("augmentation"))

    def find(self, **cell) -> dict | None:
        wanted = self.key(cell)
        return next((r for r in self.rows if self.key(r) == wanted), None)

    def add(self, row: dict) -> dict:
        """Stamp ``row`` with where and when it was measured, and append it."""
        row = {**row, "date": datetime.date.today().isoformat(), "commit": _commit(),
               "machine": f"{platform.processor() or platform.machine()}, "
                          f"{os.cpu_count()} cores"}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as out:
            out.write(json.dumps(row) + "\n")
        self.rows.append(row)
        return row


def _commit() -> str:
    done = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def _planner() -> int:
    from core.training.budget import PLANNER_VERSION

    return PLANNER_VERSION


#: Both datasets are breast ultrasound, and are declared so (``modality``): a user who declares
#: them says what the images are, and the budget profile augments for it.
MODALITY = "ultrasound"


def declare(name: str) -> None:
    """Declare the dataset in the temporary home. BUSI keeps one copy of its duplicate image;
    BreastMNIST's official split, which holds one image in train and test under two labels, is
    kept as it is (``duplicates="keep"``), since the peer script trains on exactly that split."""
    from core.datasets import DatasetSpec, save_spec

    if name == "busi":
        spec = DatasetSpec(name="busi", kind="folders", path=str(BUSI),
                           positive_class="malignant", duplicates="drop", modality=MODALITY)
    else:
        spec = DatasetSpec(name="breastmnist", kind="medmnist", path=str(BREASTMNIST),
                           class_names=("malignant", "normal+benign"),
                           positive_class="malignant", duplicates="keep", modality=MODALITY)
    save_spec(spec, replace=True)


def budget_augmentation() -> str:
    """The augmentation a budget run on the declared datasets trains with."""
    from core.datasets.common import MODALITY_AUGMENTATION

    return MODALITY_AUGMENTATION[MODALITY]


def _cpu_seconds() -> tuple[float, float, float] | None:
    """The machine's busy and stolen CPU seconds (``/proc/stat``), and this process's own
    (children waited for included); None where there is no ``/proc/stat``."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    tick = os.sysconf("SC_CLK_TCK")
    own = os.times()
    return ((user + nice + system + irq + softirq) / tick, steal / tick,
            own.user + own.system + own.children_user + own.children_system)


class OthersBeside:
    """The share of the machine's CPU others used while a cell ran (``others_cpu``) and the
    share stolen by the hypervisor (``steal``): a load average read at the start cannot see
    work that started during a 10-minute run, and such work shortens the run's epochs."""

    def __enter__(self) -> OthersBeside:
        self._start, self._t0, self.found = _cpu_seconds(), time.perf_counter(), {}
        return self

    def __exit__(self, *exc) -> None:
        end = _cpu_seconds()
        if self._start is None or end is None:
            return
        capacity = (time.perf_counter() - self._t0) * (os.cpu_count() or 1)
        busy, steal, own = (b - a for a, b in zip(self._start, end))
        self.found = {"others_cpu": max(0.0, busy - own) / capacity, "steal": steal / capacity}


def reference(dataset: str, seed: int, size: int, epochs: int, split_csv: Path | None) -> dict:
    """Run the peer script once; its AUC and wall time, as it prints them."""
    if dataset == "busi":
        args = ["folder", str(BUSI), "--positive", "malignant", "--split-csv", str(split_csv)]
    else:
        args = ["npz", str(BREASTMNIST), "--positive", "0"]
    load, started = os.getloadavg()[0], time.perf_counter()
    with OthersBeside() as others:
        out = subprocess.run([sys.executable, str(PEER), *args, "--size", str(size),
                              "--epochs", str(epochs), "--seed", str(seed)], check=True,
                             capture_output=True, text=True).stdout
    auc = float(re.search(r"test AUC ([0-9.]+)", out).group(1))
    wall = time.perf_counter() - started
    print(f"    {dataset} {PEER_ARM} seed {seed}: AUC {auc:.3f}, {wall / 60:.1f} min, "
          f"load {load:.1f}", flush=True)
    return {"auc": auc, "wall": wall, "load": load, "size": size, **others.found}


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


def budget_run(dataset: str, model: str, minutes: float, seed: int, store) -> dict:
    """One budget-profile run, trained now; its test AUC, wall time and what the plan chose."""
    from core.training import RunSpec, train_run

    spec = RunSpec(dataset, model, profile="budget", budget_s=minutes * 60, seed=seed)
    load, started = os.getloadavg()[0], time.perf_counter()
    with OthersBeside() as others:
        run = train_run(spec, store)
    wall = time.perf_counter() - started
    auc = auc_with_ci(run)[0]
    plan = run.record.get("budget", {})
    result = {"auc": auc, "wall": wall, "load": load, "size": plan.get("input_size"),
              "epochs": run.record["training"]["epochs_run"],
              "expected_s": plan.get("expected_s"), "probe_s": plan.get("probe_s"),
              "train_images": plan.get("train_images"),
              "planned_epochs": plan.get("epochs"),
              "patience": plan.get("early_stopping_patience"),
              "ema_momentum": plan.get("ema_momentum"),
              "augmentation": run.record["recipe"].get("augmentation"), **others.found}
    print(f"    {dataset} {model} {minutes:g} min seed {seed}: AUC {auc:.3f}, "
          f"{wall / 60:.1f} min ({wall / (minutes * 60):.0%} of budget), "
          f"{result['size']} px, {result['epochs']} epochs, load {load:.1f}", flush=True)
    return result


def line(name: str, results: list[dict], budget_min: float | None,
         script: list[dict] | None = None) -> str:
    aucs = [r["auc"] for r in results]
    sd = statistics.stdev(aucs) if len(aucs) > 1 else float("nan")
    walls = [r["wall"] / 60 for r in results]
    share = f"{max(walls) / budget_min:5.0%}" if budget_min else "    -"
    loads = f"load {min(r['load'] for r in results):.1f}-{max(r['load'] for r in results):.1f}"
    beside = [r["others_cpu"] for r in results if "others_cpu" in r]
    if beside:  # cells measured before the share was recorded have none
        loads += f", others {max(beside):.0%} of CPU at most"
    planned = [(r["expected_s"] + (r.get("probe_s") or 0)) / 60 for r in results
               if r.get("expected_s")]
    probe = "" if all(r.get("probe_s") is not None for r in results) else ", probe left out"
    promised = (f"; its plan expected {min(planned):.1f}-{max(planned):.1f} min for every "
                f"planned epoch{probe}" if planned else "")
    text = (f"  {name:46s} AUC {statistics.mean(aucs):.3f} (SD {sd:.3f}, n={len(aucs)})  "
            f"wall {statistics.mean(walls):5.1f} min (max {max(walls):.1f}, {share} of budget"
            f"{promised})  {loads}")
    return text + (f"\n  {'':46s} {versus_script(aucs, [r['auc'] for r in script])}"
                   if script else "")


def versus_script(aucs: list[float], script: list[float]) -> str:
    """The mean difference from the script's seeds with a Welch 95% CI and p-value over the
    seeds (SciPy's ``ttest_ind``): whether the gap exceeds what retraining with another seed
    moves. Seeds share one test set, so the CI leaves out the test set's own sampling error;
    the Compare page's per-configuration interval adds it (README, Seeds and ranking)."""
    from scipy import stats

    from core.evaluation.display import format_p

    diff = statistics.mean(aucs) - statistics.mean(script)
    if min(len(aucs), len(script)) < 2:
        return f"vs script {diff:+.3f} (one seed: no interval)"
    test = stats.ttest_ind(aucs, script, equal_var=False)
    ci, p = test.confidence_interval(0.95), format_p(test.pvalue, 2)
    return (f"vs script {diff:+.3f} (Welch 95% CI {ci.low:+.3f} to {ci.high:+.3f}, "
            f"p {p if p.startswith('<') else '= ' + p})")


def summary(ledger: Ledger, planner: int) -> None:
    """Per dataset, the peer script and then each (budget, model), from every ledger row."""
    for dataset in dict.fromkeys(r["dataset"] for r in ledger.rows):
        rows = [r for r in ledger.rows if r["dataset"] == dataset
                and (r["arm"] == PEER_ARM or r["planner"] == planner)]
        arms = dict.fromkeys((r["arm"], r["budget_min"], r.get("augmentation")) for r in rows)
        print(f"\n{dataset} (planner {planner}):")
        for arm, minutes, aug in sorted(arms, key=lambda a: (a[1] or 0, a[0] != PEER_ARM, a[0],
                                                             a[2] or "")):
            cells = [r for r in rows
                     if (r["arm"], r["budget_min"], r.get("augmentation")) == (arm, minutes, aug)]
            name = (f"{arm} ({cells[0]['size']} px)" if arm == PEER_ARM
                    else f"{arm}, budget {minutes:g} min, {aug or 'model own'} aug.")
            script = [r for r in rows if r["arm"] == PEER_ARM] if arm != PEER_ARM else None
            print(line(name, cells, minutes, script), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="busi,breastmnist")
    parser.add_argument("--budgets", default="10,30", help="minutes, comma-separated")
    parser.add_argument("--models", default="idc_own,mobilenet_v2,efficientnet_b0")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--reference-epochs", type=int, default=60,
                        help="the peer script's epoch cap (it stops early on validation AUC)")
    parser.add_argument("--ledger", type=Path, default=LEDGER,
                        help="finished cells are appended here and not run again")
    parser.add_argument("--report", action="store_true", help="print the ledger's summary only")
    args = parser.parse_args()
    ledger, planner = Ledger(args.ledger), _planner()
    if not args.report:
        measure(args, ledger, planner)
    summary(ledger, planner)


def measure(args, ledger: Ledger, planner: int) -> None:
    """Run every requested cell that the ledger does not hold yet."""
    temporary_home("lesionlab-budget-")
    from core.store import ResultsStore

    store = ResultsStore()
    for dataset in args.datasets.split(","):
        declare(dataset)
        split_csv = busi_split_csv(Path(tempfile.mkdtemp())) if dataset == "busi" else None
        size = 96 if dataset == "busi" else 28
        for seed in range(args.seeds):
            cell = {"dataset": dataset, "arm": PEER_ARM, "budget_min": None, "seed": seed,
                    "planner": None}
            if not ledger.find(**cell):
                ledger.add({**cell, **reference(dataset, seed, size, args.reference_epochs,
                                                split_csv)})
        for minutes in (float(b) for b in args.budgets.split(",")):
            for model in args.models.split(","):
                for seed in range(args.seeds):
                    cell = {"dataset": dataset, "arm": model, "budget_min": minutes,
                            "seed": seed, "planner": planner,
                            "augmentation": budget_augmentation()}
                    if not ledger.find(**cell):
                        ledger.add({**cell, **budget_run(dataset, model, minutes, seed, store)})


if __name__ == "__main__":
    main()
