"""Does every model of the demo comparison learn the synthetic demo data, in the quick profile?

The demo generator (core/datasets/demo/) promises: a small CNN reaches a test AUC well above
0.9 but not 1.0, because the atypia distributions of benign and malignant patches overlap on
purpose. The Home page's demo comparison trains the models of ``core.jobs.presets.DEMO_MODELS``
with their **quick** recipes and the demo's ``DEMO_OVERRIDES``; this script trains exactly those
runs on the grouped
(by synthetic patient) split and prints test AUC (DeLong 95% CI), accuracy at 0.5, and wall and
CPU seconds per run (the machine is often shared: CPU time is the steadier figure).

``--compare-bn`` also trains each model with the architecture's own BatchNorm momentum
(recipe override ``batchnorm_momentum=None``), the setting the quick recipes had before: the
difference between the two rows is the effect of the quick profile's BN momentum of 0.9.

``--seeds 1,2,3,4`` trains each run with those seeds (default 0, the demo's): how the demo's
runs would land with other random initialisations, e.g. whether fewer epochs stay in the band.

    python benchmarks/check_demo_learnability.py [--models a,b] [--strategies none,class_weight]
        [--epochs N] [--seeds 0,1] [--compare-bn]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks._common import auc_with_ci, temporary_home  # noqa: E402

#: The band the demo generator is designed for (see core/datasets/demo/).
BAND = (0.9, 0.995)


def main() -> None:
    from core.jobs.presets import DEMO_MODELS, DEMO_OVERRIDES

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(DEMO_MODELS))
    parser.add_argument("--strategies", default="none")
    parser.add_argument("--epochs", type=int, default=None,
                        help="override the quick recipes' epochs (default: unchanged)")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    parser.add_argument("--compare-bn", action="store_true",
                        help="also train with the architecture's own BatchNorm momentum")
    args = parser.parse_args()
    temporary_home("lesionlab-demo-")
    from core.store import ResultsStore
    from core.training import RunSpec, train_run

    store = ResultsStore()
    variants = [("quick", {})]
    if args.compare_bn:
        variants.append(("quick, BN default", {"batchnorm_momentum": None}))
    if args.epochs is not None:
        variants = [(f"{name}, {args.epochs} ep", {**ov, "epochs": args.epochs})
                    for name, ov in variants]
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    for model in args.models.split(","):
        for strategy, seed in ((s, seed) for seed in seeds for s in args.strategies.split(",")):
            for name, overrides in variants:
                spec = RunSpec("demo", model, strategy, profile="quick", seed=seed,
                               overrides={**DEMO_OVERRIDES.get(model, {}), **overrides})
                wall, cpu = time.perf_counter(), time.process_time()
                run = train_run(spec, store)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                auc, low, high, acc = auc_with_ci(run)
                inside = BAND[0] < auc < BAND[1]
                verdict = "OK" if inside else f"OUTSIDE the intended {BAND[0]}-{BAND[1]} band"
                print(f"{model:14s} [{strategy}, {name}, seed {seed}] test AUC {auc:.3f} "
                      f"(95% CI {low:.3f}-{high:.3f}) ACC@0.5 {acc:.3f} [{verdict}] "
                      f"wall {wall:.0f} s, CPU {cpu:.0f} s", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
