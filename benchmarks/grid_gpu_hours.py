"""GPU-hours for the full seed-paper grid at paper settings, from measured per-model throughput.

The grid: every seed-paper model x 4 datasets x 4 imbalance strategies x 5 folds, each run at its
study's input size, batch size and planned epochs. Throughput comes from a results file of
``gpu_throughput.py`` (default: the H100 measurement committed in ``benchmarks/results/``).

Assumptions (each one printed with the result):
- a run trains every planned epoch (early stopping only makes it shorter: an upper bound);
- 5-fold CV with the default 15% validation: each run trains on ~68% of a dataset and validates
  on ~12% every epoch; a validation image costs a third of a training image (forward only);
- the strategies cost the same per epoch, except oversampling, whose epoch is larger by
  ``majority / minority`` share (we use 2 x the majority class);
- dataset sizes are the public releases': IDC 277,524 patches (28.4% positive); SIIM-ISIC 2020
  33,126 images (1.8% melanoma); BreakHis 7,909 images (68.6% malignant); INbreast 410
  mammograms (~33% BI-RADS >= 4, counted per image).

    python benchmarks/grid_gpu_hours.py [--results FILE.jsonl] [--precision mixed]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RESULTS = Path(__file__).parent / "results" / "gpu_throughput_h100_2026-11-22.jsonl"
#: name -> (images, share of the larger class)
DATASETS = {"idc": (277_524, 0.716), "siim_isic": (33_126, 0.982), "breakhis": (7_909, 0.686),
            "inbreast": (410, 0.67)}
SEED_MODELS = ("idc_initial", "idc_own", "idc_xception", "melanoma_cnn_v1", "melanoma_cnn_v2",
               "melanoma_cnn_v3", "breakhis_densenet201", "breakhis_resnet50",
               "breakhis_resnet50_sigmoid", "inbreast_inceptionv3")
STRATEGIES = ("none", "class_weight", "oversample", "undersample")
FOLDS, TRAIN_SHARE, VAL_SHARE = 5, 0.68, 0.12


def throughput(results: Path, precision: str) -> dict[str, tuple[float, str]]:
    """Images/s per model, preferring ``fit`` measurements over ``train_on_batch`` ones."""
    best: dict[str, tuple[float, str]] = {}
    for line in results.read_text().splitlines():
        row = json.loads(line)
        if row.get("precision") != precision or "images_per_s" not in row:
            continue
        method = row.get("method", "fit")
        if row["model"] not in best or (best[row["model"]][1] != "fit" and method == "fit"):
            best[row["model"]] = (row["images_per_s"], method)
    return best


def epoch_images(n: int, majority: float, strategy: str) -> float:
    train = n * TRAIN_SHARE
    if strategy == "oversample":
        return 2 * majority * train
    if strategy == "undersample":
        return 2 * (1 - majority) * train
    return train


def run_hours(model: str, n: int, majority: float, strategy: str, rate: float) -> float:
    from models import get_entry

    epochs = get_entry(model).recipe("paper").epochs
    per_epoch = epoch_images(n, majority, strategy) / rate + n * VAL_SHARE / (3 * rate)
    return epochs * per_epoch / 3600


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--precision", default="mixed")
    args = parser.parse_args(argv)

    rates = throughput(args.results, args.precision)
    header = json.loads(args.results.read_text().splitlines()[0])
    print(f"throughput: {args.results.name} ({header['device']}, {header['backend']}, "
          f"{args.precision}); planned epochs, no early stopping; {FOLDS} folds x "
          f"{len(STRATEGIES)} strategies x {len(DATASETS)} datasets per model")
    print(f"{'model':28s} {'img/s':>8s} {'method':>14s} {'epochs':>6s} "
          + " ".join(f"{d:>10s}" for d in DATASETS) + f" {'GPU-h':>9s}")
    total = 0.0
    for model in SEED_MODELS:
        if model not in rates:
            print(f"{model:28s} not measured")
            continue
        rate, method = rates[model]
        from models import get_entry

        epochs = get_entry(model).recipe("paper").epochs
        per_dataset = {d: sum(run_hours(model, n, maj, s, rate) for s in STRATEGIES) * FOLDS
                       for d, (n, maj) in DATASETS.items()}
        hours = sum(per_dataset.values())
        total += hours
        print(f"{model:28s} {rate:8.0f} {method:>14s} {epochs:6d} "
              + " ".join(f"{per_dataset[d]:10.1f}" for d in DATASETS) + f" {hours:9.1f}")
    runs = len(SEED_MODELS) * len(DATASETS) * len(STRATEGIES) * FOLDS
    print(f"total: {total:.0f} GPU-hours for {runs} runs "
          f"({total / 24:.1f} GPU-days; one GPU per run, runs back to back)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
