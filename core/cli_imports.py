"""Command line for runs made elsewhere (``core.imports``)::

    python -m core import-predictions preds.csv --dataset busi --name resnet_siteB [--own-split]
    python -m core import-model model.keras --dataset busi --name colleague_cnn \
        [--preprocessing scale01] [--last-conv-layer conv5]

A file that breaks a rule is refused with one message naming the first bad row (exit status
2) and nothing is stored; the same file imported again is reported as already stored.
"""

from __future__ import annotations

import argparse

from core.imports.table import SUM_TOLERANCE
from models.vocab import PREPROCESSING_MODES

__all__ = ["add_import_parsers", "import_model_command", "import_predictions_command"]

_FORMAT = (f"Columns: sample_id (or path), split (val/test), then one column per class named as "
           f"the dataset's classes holding P(class) (each row summing to 1 within "
           f"{SUM_TOLERANCE:g}), or, for a binary dataset, one column 'score' = P(positive class); "
           "optionally label (checked against the dataset).")


def add_import_parsers(sub: argparse._SubParsersAction) -> None:
    preds = sub.add_parser("import-predictions", help="store predictions made elsewhere as a run",
                           description="Check a CSV (or parquet, with pyarrow) file of val/test "
                                       "predictions against a dataset and store it as an "
                                       "imported run. " + _FORMAT)
    preds.add_argument("file")
    preds.add_argument("--own-split", action="store_true",
                       help="the file brings its own val/test split (shown as such); without "
                            "it each row's split must be Lesionlab's for --split-seed")
    model = sub.add_parser("import-model", help="predict with a .keras model and store it as a run",
                           description="Load a .keras file in Keras' safe mode, predict the "
                                       "dataset's val and test images and store the run with "
                                       "its model (Explain and saliency work on it).")
    model.add_argument("file")
    model.add_argument("--preprocessing", default="none",
                       choices=PREPROCESSING_MODES,
                       help="what the model expects: none = 0..255 RGB (default), scale01 = "
                            "[0, 1], tf = [-1, 1], caffe / torch = ImageNet normalisations")
    model.add_argument("--last-conv-layer", default=None,
                       help="layer for Grad-CAM (default: the last layer with a 2-D feature map)")
    for cmd in (preds, model):
        cmd.add_argument("--dataset", required=True, help="a dataset name (datasets.toml, demo)")
        cmd.add_argument("--name", required=True, help="how the run is named in every page")
        cmd.add_argument("--split-seed", type=int, default=0,
                         help="the split seed whose val/test split is used (default 0, as "
                              "`core run`)")


def import_predictions_command(args) -> int:
    from core.imports import import_predictions

    result = import_predictions(args.file, args.dataset, args.name, own_split=args.own_split,
                                split_seed=args.split_seed)
    return _report(result)


def import_model_command(args) -> int:
    from core.imports import import_model

    result = import_model(args.file, args.dataset, args.name, preprocessing=args.preprocessing,
                          last_conv_layer=args.last_conv_layer, split_seed=args.split_seed)
    return _report(result)


def _report(result) -> int:
    run, record = result.run, result.run.record
    section = record.get("import") or {}
    if result.stored:
        print(f"stored run {run.run_id}: {record['model']['name']} on {run.identity['dataset']} "
              f"({section.get('rows')} val/test rows"
              + (", the file's own split" if section.get("own_split") else "") + ")")
    else:
        print(f"already stored as run {run.run_id} ({run.identity.get('model')}): the same "
              "import; nothing was stored again")
    for key in ("val_auc", "test_auc"):
        value = record.get("summary", {}).get(key)
        if value is not None:
            print(f"  {key} {value:.3f}")
    return 0
