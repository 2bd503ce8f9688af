"""The closed sets of names a recipe or a registry entry may use.

Kept free of TensorFlow so the dashboard can fill its drop-downs (and validate a user's recipe
overrides) without paying the several-second ``import tensorflow``.
"""

from __future__ import annotations

PROFILES = ("quick", "paper")

OPTIMIZERS = ("adagrad", "sgd", "adam")

#: ``inverse_time_decay`` is Keras 2's ``decay=`` argument (lr0 / (1 + decay * step)), which the
#: IDC study's reference implementation used; ``plateau`` keeps a constant rate that the
#: ReduceLROnPlateau callback halves; ``cyclical`` is Smith's triangular policy.
SCHEDULES = ("constant", "exponential_decay", "inverse_time_decay", "plateau", "cyclical")

CYCLICAL_MODES = ("triangular", "triangular2")

LOSSES = ("categorical_crossentropy", "binary_crossentropy")

AUGMENTATIONS = ("none", "light", "histology", "melanoma", "mammography")

#: A study's default answer to class imbalance. Same names as the trainer's strategies
#: (core.training.spec.STRATEGIES) without arguments, so a recipe default can seed a run.
SAMPLINGS = ("none", "class_weight", "oversample", "undersample")

HEADS = ("softmax", "sigmoid")

#: What early stopping and ReduceLROnPlateau may watch: the logs every run has (the engine
#: compiles with ``metrics=["accuracy"]``), and ``val_auc``, the positive class's ROC AUC on the
#: validation images (binary tasks only; computed each epoch by the engine,
#: :mod:`core.training.val_auc`). Any other name would make Keras warn once and then never stop
#: or reduce, silently.
MONITORS = ("val_loss", "val_accuracy", "loss", "accuracy", "val_auc")
#: Monitors that must go down (the rest must go up): early stopping and plateau reduction are
#: told which, since Keras cannot infer it for ``val_auc``.
MINIMISED_MONITORS = ("val_loss", "loss")

FAMILIES = ("idc", "melanoma", "breakhis", "mammography", "baseline")

#: How the model's first layer maps 0..255 RGB: ``scale01`` divides by 255 (the studies' own
#: CNNs), ``tf`` maps to [-1, 1], ``caffe`` is BGR minus the ImageNet mean, ``torch`` is [0, 1]
#: standardised by the ImageNet mean/std, ``none`` leaves pixels alone (EfficientNet rescales
#: inside its own graph).
PREPROCESSING_MODES = ("scale01", "tf", "caffe", "torch", "none")

#: Which loss goes with which head: the head decides the target encoding.
LOSS_FOR_HEAD = {"softmax": "categorical_crossentropy", "sigmoid": "binary_crossentropy"}
