"""Is the synthetic demo dataset learnable, but not trivially? Train the small IDC networks.

The demo generator (core/datasets/demo.py) promises: a small CNN reaches a test AUC well above
0.9 but not 1.0, because the atypia distributions of benign and malignant patches overlap on
purpose. This script measures it on the grouped (by synthetic patient) split.

    python benchmarks/check_demo_learnability.py [--epochs N]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks._common import auc_with_ci, temporary_home  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--models", default="idc_initial,idc_own")
    args = parser.parse_args()
    temporary_home("lesionlab-demo-")
    from core.store import ResultsStore
    from core.training import RunSpec, train_run

    store = ResultsStore()
    for model in args.models.split(","):
        spec = RunSpec("demo", model, overrides={"epochs": args.epochs, "max_train_images": None})
        run = train_run(spec, store)
        auc, low, high, acc = auc_with_ci(run)
        verdict = "OK" if 0.9 < auc < 0.995 else "OUTSIDE the intended 0.9-0.995 band"
        print(f"{model:14s} test AUC {auc:.3f} (95% CI {low:.3f}-{high:.3f}) ACC@0.5 {acc:.3f} "
              f"[{verdict}] in {run.record['wall_time_s']:.0f} s", flush=True)


if __name__ == "__main__":
    main()
