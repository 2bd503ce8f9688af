"""Our registered models on BreastMNIST (official split, 28 px) next to the published figures.

MedMNIST v2 (Yang et al., Scientific Data 2023), BreastMNIST test set: ResNet-18 (28) AUC 0.901
ACC 0.863; ResNet-50 (28) AUC 0.857 ACC 0.812; auto-sklearn AUC 0.836; AutoKeras AUC 0.871;
Google AutoML Vision AUC 0.919. Positive class: malignant (label 0 in the file). ACC is at
the 0.5 threshold, as MedMNIST reports it. Our AUCs carry DeLong 95% CIs: with 156 test images
(42 malignant) a difference of a few points is within noise.

Protocol, so that nothing is chosen on the test split: each model is trained once per
candidate (input size x imbalance strategy, :data:`CANDIDATES`) with one recipe,
:data:`BREASTMNIST_RECIPE`, passed as ``RunSpec.overrides`` (so every run's stored recipe says
exactly what it trained with). Per model, the candidate with the highest *validation* AUC (78
images, 21 malignant) is kept and only its test AUC and ACC are printed; "best of ours" is the
model whose kept candidate has the highest validation AUC. Every candidate's validation AUC is
printed, so the choice can be checked.

Needs ../shared/data/breastmnist/breastmnist.npz (or --npz). No ImageNet weights are used
(offline machine): every model here is trained from scratch, like the MedMNIST baselines.
Measured run time on the 2-core development machine: see the README's benchmark table.

With ``--seeds N`` each model's kept setting is then trained again with seeds 0..N-1 (the
run already trained is reused) and the script prints, per configuration, the test AUC's mean
over seeds, its SD, min-max and the seed-aware 95% CI (seed variance plus DeLong test-set
variance, :mod:`core.evaluation.seeds`), accuracy at 0.5 the same way, and the ranking's
sentences with Holm-adjusted p-values and power notes (:mod:`core.evaluation.auc_ranking`):
the per-configuration table the README reports. N x the kept runs' time (about N x 30 min).

    python benchmarks/breastmnist_reference.py [--npz PATH] [--models a,b] [--seed N]
                                               [--seeds N]
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

DEFAULT_NPZ = Path(__file__).resolve().parents[2] / "shared/data/breastmnist/breastmnist.npz"
PUBLISHED = (("ResNet-18 (28)", 0.901, 0.863), ("ResNet-50 (28)", 0.857, 0.812),
             ("auto-sklearn", 0.836, 0.803), ("AutoKeras", 0.871, 0.831),
             ("Google AutoML Vision", 0.919, 0.861))

#: The study recipes are for datasets 50-500x larger: with 546 training images the IDC
#: recipe's Adagrad at batch 128 makes ~5 updates an epoch and underfits (measured: AUC
#: 0.56-0.71, every test image called benign at 0.5). So every architecture trains here with
#: the recipe MedMNIST v2 trained its baselines with, adapted to 546 images: Adam 1e-3, batch 32
#: (18 updates an epoch), up to 80 epochs with early stopping on validation loss (patience 15,
#: best weights restored), "light" augmentation (horizontal flip, rotation up to 18 degrees,
#: zoom 10 %: an ultrasound image has a skin side, so no vertical flip), and BatchNorm moving
#: averages at momentum 0.9 (as in the quick profile, see
#: models.keras_parts.batchnorm_momentum_callback; measured on validation: idc_own 0.916 -> 0.941).
#: Tried on validation and not kept: halving the rate on a validation-loss plateau (0.914 vs
#: 0.941) and Adam 3e-4 (0.913).
BREASTMNIST_RECIPE = {"optimizer": "adam", "learning_rate": 1e-3, "schedule": "constant",
                      "batch_size": 32, "epochs": 80, "early_stopping_patience": 15,
                      "monitor": "val_loss", "augmentation": "light", "max_train_images": None,
                      "batchnorm_momentum": 0.9}

#: (input size, imbalance strategy) tried per model. The IDC networks at the native 28 px, with
#: and without class weighting (147 malignant : 399 other), and upsampled to 64 px, where their
#: three 2x poolings leave an 8x8 map instead of 3x3 (validation AUC idc_initial 0.881 -> 0.939,
#: idc_own 0.941 -> 0.948, at 4-12x the CPU time). The applications at 64 px only: at their
#: 32 px minimum MobileNetV2 and EfficientNet-B0 end on a 1x1 map and stayed at validation AUC
#: 0.71 / 0.65 (measured). One strategy for the costly runs keeps the whole script under ~30 min
#: on 2 cores.
CANDIDATES = {
    "idc_own": ((28, "none"), (28, "class_weight"), (64, "none")),
    "idc_initial": ((28, "none"), (28, "class_weight"), (64, "none")),
    "mobilenet_v2": ((64, "none"),),
    "efficientnet_b0": ((64, "none"),),
}
TARGET_AUC = 0.901
#: The official split holds one image twice (test/76 = train/115, under different labels),
#: which Lesionlab refuses by default. The published baselines trained and tested on the split
#: as it is, so this comparison keeps it ("keep": the runs carry the duplicate warning).
OFFICIAL_SPLIT_DUPLICATES = "keep"


def validation_auc(run) -> float:
    """AUC on the validation rows of a stored run's predictions (the selection criterion)."""
    from core.evaluation.delong import delong_auc
    from core.evaluation.frames import binary_split

    val = binary_split(run.predictions(), "val", run.record["positive_index"])
    return float(delong_auc(val.y, val.scores).auc)


def print_kept(kept) -> None:
    """Each model's kept candidate next to the published figures, and the best of ours."""
    print(f"\nBreastMNIST test, each model's candidate chosen on validation "
          f"(recipe: {BREASTMNIST_RECIPE}):")
    print(f"  {'model':16s} {'input':>5s} {'strategy':13s} {'val AUC':>7s}  "
          f"{'test AUC (DeLong 95% CI)':26s} ACC@0.5")
    for val_auc, model, size, strategy, auc, low, high, acc in kept:
        print(f"  {model:16s} {size:3d}px {strategy:13s} {val_auc:7.3f}  "
              f"{auc:.3f} ({low:.3f}-{high:.3f})        {acc:.3f}")
    print("Published (MedMNIST v2, BreastMNIST test):")
    for name, auc, acc in PUBLISHED:
        print(f"  {name:34s} AUC {auc:.3f}       ACC {acc:.3f}")
    if kept:
        best = max(kept, key=lambda k: k[0])
        verdict = "matches or beats" if best[4] >= TARGET_AUC else "is below"
        print(f"\nBest of ours by validation AUC: {best[1]} ({best[2]}px, {best[3]}): test AUC "
              f"{best[4]:.3f} ({best[5]:.3f}-{best[6]:.3f}), which {verdict} ResNet-18's "
              f"{TARGET_AUC}.")


def seed_report(store, kept, n_seeds: int) -> None:
    """Retrain each kept setting with seeds 0..n_seeds-1; print the per-configuration summary
    and the ranking (every number from the core API the Compare page uses)."""
    from core.evaluation import RunEvaluation
    from core.evaluation.auc_ranking import rank_by_auc
    from core.evaluation.configurations import configuration_metrics
    from core.training import RunSpec, train_run

    evals = {}
    for _, model, size, strategy, *_ in kept:
        runs = []
        for seed in range(n_seeds):
            spec = RunSpec("breastmnist", model, strategy, profile="paper", seed=seed,
                           overrides={**BREASTMNIST_RECIPE, "input_size": size})
            run = train_run(spec, store)
            runs.append(RunEvaluation.from_predictions(
                run.predictions(), positive_index=run.record["positive_index"]))
            print(f"  {model:16s} seed {seed}: test AUC {runs[-1].auc.auc:.3f}", flush=True)
        evals[f"{model} {size}px {strategy}"] = runs
    print(f"\nBreastMNIST test per configuration over seeds 0..{n_seeds - 1} "
          "(95% CI: seed and DeLong / bootstrap test-set variance):")
    print(f"  {'configuration':34s} {'AUC mean':>8s} {'SD':>6s} {'min-max':>12s} "
          f"{'95% CI':>13s}  ACC@0.5 mean (95% CI)")
    for name, runs in evals.items():
        cm = configuration_metrics([[ev] for ev in runs], [[0.5]] * len(runs),
                                   range(len(runs)))
        a, c = cm.summaries["auc"], cm.summaries["accuracy"]
        print(f"  {name:34s} {a.mean:8.3f} {a.sd:6.3f} {a.minimum:.3f}-{a.maximum:.3f} "
              f"{a.ci.low:.3f}-{a.ci.high:.3f}  {c.mean:.3f} ({c.ci.low:.3f}-{c.ci.high:.3f})"
              + (f"  [{a.note}]" if a.note else ""))
    ranking = rank_by_auc(evals)
    for ranked in ranking.sets:
        print(f"Ranking by mean AUC ({ranked.ranking.holm.n_comparisons} comparisons, "
              f"Holm-adjusted; test set of {ranked.n_test}):")
        for sentence, power in zip(ranked.ranking.sentences, ranked.power):
            print(f"  {sentence}\n    {power.sentence}")
    for name, why in ranking.left_out.items():
        print(f"  not ranked: {name}: {why}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--npz", type=Path, default=DEFAULT_NPZ)
    parser.add_argument("--models", default=",".join(CANDIDATES),
                        help="comma-separated subset of " + ", ".join(CANDIDATES))
    parser.add_argument("--seed", type=int, default=0, help="training seed of every run")
    parser.add_argument("--seeds", type=int, default=0,
                        help="then retrain each kept setting with seeds 0..N-1 and print the "
                             "per-configuration summary and ranking")
    args = parser.parse_args()
    if not args.npz.is_file():
        sys.exit(f"BreastMNIST file not found: {args.npz} (give --npz)")
    temporary_home("lesionlab-breastmnist-")
    from core.datasets import DatasetSpec, save_spec
    from core.store import ResultsStore
    from core.training import RunSpec, train_run

    save_spec(DatasetSpec(name="breastmnist", kind="medmnist", path=str(args.npz),
                          class_names=("malignant", "normal+benign"),
                          positive_class="malignant", duplicates=OFFICIAL_SPLIT_DUPLICATES),
              replace=True)
    store = ResultsStore()
    started, load = time.perf_counter(), os.getloadavg()[0]
    kept = []
    for model in args.models.split(","):
        tried = []
        for size, strategy in CANDIDATES[model]:
            spec = RunSpec("breastmnist", model, strategy, profile="paper", seed=args.seed,
                           overrides={**BREASTMNIST_RECIPE, "input_size": size})
            wall, cpu = time.perf_counter(), time.process_time()
            run = train_run(spec, store)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            tried.append((validation_auc(run), size, strategy, run))
            print(f"  {model:16s} {size:3d}px {strategy:13s} val AUC {tried[-1][0]:.3f}  "
                  f"epochs {run.record['training']['epochs_run']:2d}  wall {wall:4.0f} s  "
                  f"CPU {cpu:4.0f} s", flush=True)
        val_auc, size, strategy, run = max(tried, key=lambda t: t[0])
        auc, low, high, acc = auc_with_ci(run)
        kept.append((val_auc, model, size, strategy, auc, low, high, acc))
        print(f"{model:16s} kept {size}px {strategy} (val AUC {val_auc:.3f}): test AUC "
              f"{auc:.3f} ({low:.3f}-{high:.3f}) ACC@0.5 {acc:.3f}", flush=True)

    print_kept(kept)
    if args.seeds:
        seed_report(store, kept, args.seeds)
    print(f"Total wall time {time.perf_counter() - started:.0f} s, CPU "
          f"{time.process_time():.0f} s; load average {load:.1f} at start, "
          f"{os.getloadavg()[0]:.1f} at end.")


if __name__ == "__main__":
    main()
