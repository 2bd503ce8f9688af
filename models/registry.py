"""Every architecture our users cite, with the recipe of the study it comes from.

Importing this module is cheap (no TensorFlow): builders are named as ``"module:function"`` and
imported when a model is actually built. Each entry carries two recipes: ``paper`` (the study's
settings, for a GPU) and ``quick`` (same model, small input, few images and epochs, so a CPU
run finishes in minutes, and BatchNorm averages fast enough to settle in such a short run).
Where a study is silent or garbled, the recipe's ``notes`` say what we chose and why.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Mapping

from models.errors import ModelInputError, RecipeError, UnknownModelError
from models.recipes import Recipe
from models.vocab import FAMILIES, HEADS, LOSS_FOR_HEAD, PREPROCESSING_MODES, PROFILES

QUICK_MAX_EPOCHS = 5


@dataclass(frozen=True)
class ModelEntry:
    name: str
    title: str
    citation: str
    family: str
    builder: str  # "module:function", imported on first build
    head: str
    last_conv_layer: str
    min_input_size: int
    paper: Recipe
    quick: Recipe
    supports_imagenet: bool
    preprocessing: str
    #: How many input pixels one position of ``last_conv_layer``'s map spans (the product of
    #: the network's downsamplings; a power of two, checked in tests/models/test_entries.py).
    #: 1: not declared (hand-made entries): only ``min_input_size`` bounds the input.
    feature_stride: int = 1

    def __post_init__(self) -> None:
        problems = []
        if self.family not in FAMILIES:
            problems.append(f"family {self.family!r} not in {FAMILIES}")
        if not isinstance(self.feature_stride, int) or self.feature_stride < 1:
            problems.append(f"feature_stride must be a whole number >= 1, got "
                            f"{self.feature_stride!r}")
        if self.head not in HEADS:
            problems.append(f"head {self.head!r} not in {HEADS}")
        if self.preprocessing not in PREPROCESSING_MODES:
            problems.append(f"preprocessing {self.preprocessing!r} not in {PREPROCESSING_MODES}")
        for profile in PROFILES:
            recipe = getattr(self, profile)
            if recipe.loss != LOSS_FOR_HEAD.get(self.head):
                problems.append(f"{profile} loss {recipe.loss!r} does not match head {self.head}")
            if recipe.input_size < self.min_input_size:
                problems.append(f"{profile} input_size {recipe.input_size} < min_input_size")
        if self.quick.epochs > QUICK_MAX_EPOCHS:
            problems.append(f"quick profile has {self.quick.epochs} epochs (> {QUICK_MAX_EPOCHS})")
        if problems:
            raise ValueError(f"Registry entry {self.name!r} is inconsistent: {'; '.join(problems)}")

    @property
    def useful_min_size(self) -> int:
        """The smallest input worth training on: ``min_input_size``, and at least two
        positions of the last feature map per side. At one (MobileNetV2 and EfficientNet-B0 at
        their 32 px minimum) the network sees the image as a single position and Grad-CAM has
        nothing to place; measured on BreastMNIST, they stayed at validation AUC 0.71 / 0.65
        there against 0.82 / 0.83 at 64 px (benchmarks/breastmnist_reference.py)."""
        return max(self.min_input_size, 2 * self.feature_stride)

    def recipe(self, profile: str = "quick", overrides: Mapping[str, Any] | None = None) -> Recipe:
        """The recipe for a profile: "paper" (the study's settings) or "quick" (CPU-sized),
        with ``overrides`` (recipe fields to change) applied and checked: by the Recipe's own
        checks, and against this model, whose head fixes the loss (a sigmoid head trained with
        categorical cross-entropy on its one output learns nothing) and whose layers fix the
        smallest input. Every override path (API, ``--set``, the Train page) comes here."""
        if profile not in PROFILES:
            raise ValueError(f"Unknown profile {profile!r}; use one of: {', '.join(PROFILES)}.")
        recipe = getattr(self, profile)
        if not overrides:
            return recipe
        recipe = recipe.replace(**overrides)
        if recipe.loss != LOSS_FOR_HEAD[self.head]:
            raise RecipeError(
                f"{self.name} has a {self.head} head, which trains with loss "
                f"{LOSS_FOR_HEAD[self.head]!r}, not {recipe.loss!r}; leave loss unset.")
        self.check_input(recipe.input_size, 2)
        return recipe

    def build(self, input_shape, n_classes: int, weights: str | None = None):
        """A fresh, uncompiled, flat Functional Keras model taking 0..255 RGB.

        ``input_shape`` is ``(S, S, 3)`` (or just ``S``). ``weights`` is what a Keras
        application accepts (None, "imagenet", or a base-weights file) and is meant for
        :func:`models.build_model`, which also handles offline fallback and whole-model files.
        """
        shape = self.check_input(input_shape, n_classes)
        module_name, _, function = self.builder.partition(":")
        build = getattr(importlib.import_module(module_name), function)
        return build(shape, n_classes, weights)

    def check_input(self, input_shape, n_classes: int) -> tuple[int, int, int]:
        """Validate a build request; returns the normalised ``(H, W, 3)`` shape."""
        if isinstance(input_shape, int) and not isinstance(input_shape, bool):
            input_shape = (input_shape, input_shape, 3)
        try:
            height, width, channels = (int(v) for v in input_shape)
        except (TypeError, ValueError):
            raise ModelInputError(
                f"{self.name}: input_shape must be (size, size, 3), got {input_shape!r}."
            ) from None
        if channels != 3:
            raise ModelInputError(
                f"{self.name} takes RGB images (3 channels), got input_shape {input_shape!r}; "
                "convert grayscale images to RGB in the data pipeline."
            )
        if min(height, width) < self.min_input_size:
            raise ModelInputError(
                f"{self.name} needs images of at least {self.min_input_size}x"
                f"{self.min_input_size} px, got {height}x{width}; raise the input size."
            )
        if not isinstance(n_classes, int) or isinstance(n_classes, bool) or n_classes < 2:
            raise ModelInputError(f"{self.name}: n_classes must be an integer >= 2, got "
                                  f"{n_classes!r}.")
        if self.head == "sigmoid" and n_classes != 2:
            raise ModelInputError(
                f"{self.name} has a single sigmoid output, so it is binary only; the dataset "
                f"has {n_classes} classes. Pick a softmax model for multi-class data."
            )
        return height, width, channels

    def to_dict(self) -> dict[str, Any]:
        """Plain description for the dashboard and the run record."""
        return {
            "name": self.name,
            "title": self.title,
            "citation": self.citation,
            "family": self.family,
            "head": self.head,
            "last_conv_layer": self.last_conv_layer,
            "min_input_size": self.min_input_size,
            "supports_imagenet": self.supports_imagenet,
            "preprocessing": self.preprocessing,
            "paper": self.paper.to_dict(),
            "quick": self.quick.to_dict(),
        }


# --------------------------------------------------------------------------------------------
# Citations (one line each: which study, which data).

_IDC = ("Aimyshev, Bakytbek & Baiturov (Nazarbayev University), 'Image Classification on "
        "Custom Dataset': IDC breast histopathology, 50x50 patches")
_MELANOMA = ("Liu, Wang & Peng, 'Cancer Image Datasets Classification': SIIM-ISIC Melanoma "
             "(Kaggle 2020), resized to 500x500")
_BREAKHIS_CHIHA = ("Chiha, 'Anomaly Detection with Deep Learning Breast Cancer Classification': "
                   "BreakHis histopathology (benign vs malignant)")
_BREAKHIS_RAHA = ("Raha (Daffodil International University, 2023), 'Classification of "
                  "Histopathological Image for Prediction of Breast Cancer Using Pre-Trained "
                  "ResNet50': BreakHis histopathology")
_INBREAST = ("Kreiss (Tel Aviv University, project 17-1-1-1296), 'Using Deep Learning Methods "
             "for Identifying Breast Cancer from Mammograms': INbreast, BI-RADS 4-6 = positive")

# --------------------------------------------------------------------------------------------
# Recipes. Quick profiles: same optimizer/schedule/loss, batch 32, small input, few images, and
# for networks with BatchNorm a BN momentum of 0.9 (see
# models.keras_parts.batchnorm_momentum_callback: in ~200-step runs the architectures'
# 0.99/0.999 moving averages lag so far behind that the models score near chance at inference;
# measured on the demo data).

QUICK_BN_MOMENTUM = 0.9
_QUICK_BN_NOTE = (
    " Quick: BatchNorm moving averages use momentum 0.9, not the architecture's 0.99/0.999, "
    "because a run of a few hundred steps is too short for them to settle (measured: demo test "
    "AUC near chance with the defaults, 0.93-0.94 with 0.9); training is unchanged."
)


def _quick(paper: Recipe, note: str = "", **sizing) -> Recipe:
    """The CPU-sized quick recipe of a network with BatchNorm layers."""
    return paper.replace(**sizing, batchnorm_momentum=QUICK_BN_MOMENTUM,
                         notes=paper.notes + note + _QUICK_BN_NOTE)


_IDC_NOTES = (
    "Report (Fig. 4): Adagrad, batch 128, 40 epochs, 'dynamic' learning rate, binary "
    "cross-entropy over a 2-unit softmax (= categorical cross-entropy on one-hot targets). "
    "Initial rate 1e-2 with Keras-2 style decay lr0/epochs per step (inverse-time decay) and "
    "the histology augmentation come from the CancerNet reference implementation the initial "
    "model is; the report does not state them."
)
_IDC_PAPER = Recipe(
    optimizer="adagrad", learning_rate=1e-2, schedule="inverse_time_decay", decay_rate=2.5e-4,
    decay_steps=1, loss="categorical_crossentropy", batch_size=128, epochs=40, input_size=50,
    augmentation="histology", notes=_IDC_NOTES,
)
_IDC_QUICK = _quick(_IDC_PAPER, batch_size=32, epochs=5, max_train_images=1500)
_IDC_XCEPTION_NOTES = _IDC_NOTES + (
    " Xception needs at least 71x71 px, so patches are upsampled from 50 to 71 (the report "
    "does not say how it fed 50x50 patches). Its best Xception run used class weighting. "
    "The report's 16.1M parameters cannot be reproduced: Keras' Xception without its top "
    "has 20.9M, and the report says the architecture was not changed."
)
_IDC_XCEPTION_PAPER = _IDC_PAPER.replace(
    input_size=71, sampling="class_weight", notes=_IDC_XCEPTION_NOTES
)

_MELANOMA_NOTES = (
    "Report: SGD lr 1e-3 (no momentum), binary cross-entropy, ReduceLROnPlateau(monitor="
    "'accuracy' - training accuracy -, factor 0.5, patience 3), EarlyStopping(val_loss, "
    "patience 10) as described (the fit call it prints passes only the checkpoint and LR "
    "callbacks), 180 epochs over three sessions, 500x500 px, about 1000 images balanced to "
    "~1:1 benign:malignant (undersampling), flips/shift/shear/zoom augmentation. Batch 32 is "
    "its data function's default. The plateau monitor needs metrics=['accuracy']."
)
_MELANOMA_PAPER = Recipe(
    optimizer="sgd", learning_rate=1e-3, schedule="plateau", plateau_factor=0.5,
    plateau_patience=3, plateau_monitor="accuracy", loss="binary_crossentropy", batch_size=32,
    epochs=180, input_size=500, early_stopping_patience=10, augmentation="melanoma",
    sampling="undersample", notes=_MELANOMA_NOTES,
)


def _melanoma_quick(input_size: int) -> Recipe:
    return _MELANOMA_PAPER.replace(
        epochs=5, input_size=input_size, max_train_images=1000,
        notes=_MELANOMA_NOTES + f" Quick: {input_size} px, the smallest size that leaves a "
        "feature map after the network's unpadded convolutions.",
    )


_CHIHA_NOTES = (
    "Report: ImageNet base + GlobalAveragePooling + Dropout 0.5 + BatchNorm + Dense 2 softmax, "
    "Adam, 'binary cross-entropy' over the 2 softmax units (= categorical cross-entropy), 20 "
    "epochs (DenseNet201 was also run for 30). Learning rate 1e-4, batch 16 and 224 px follow "
    "the reference implementation the report builds on (Sagar); the report does not state "
    "them. Its ReduceLROnPlateau watched 'val_acc', a metric its log shows did not exist, so "
    "it never fired: the rate is constant here."
)
_CHIHA_PAPER = Recipe(
    optimizer="adam", learning_rate=1e-4, loss="categorical_crossentropy", batch_size=16,
    epochs=20, input_size=224, augmentation="histology", notes=_CHIHA_NOTES,
)
_APP_QUICK = {"batch_size": 32, "epochs": 3, "input_size": 64, "max_train_images": 1000}

_RAHA_NOTES = (
    "Report: ResNet50 (ImageNet, all layers trainable) + GlobalAveragePooling + Dense(1, "
    "sigmoid), SGD, binary cross-entropy, 12 epochs, batch 64, oversampled training set, "
    "TF-Addons CyclicalLearningRate with step_size = 3 epochs and scale_fn 1/2**(cycle-1) "
    "(= triangular2). Its OCR-damaged code prints initial 2e-1 and maximal 7e-3; a cycle "
    "needs lower < upper, so the rate cycles between 7e-3 and 2e-1 (plain SGD, no momentum). "
    "Input size is not stated: 224, ResNet50's default. These bounds assume the ImageNet "
    "weights the study fine-tuned; from random initialisation they blow up (measured), so "
    "without ImageNet weights pass learning_rate 1e-3 and cyclical_max_learning_rate 3e-2 "
    "as overrides (the quick profile's bounds)."
)
_RAHA_PAPER = Recipe(
    optimizer="sgd", learning_rate=7e-3, schedule="cyclical", cyclical_max_learning_rate=2e-1,
    cyclical_half_cycle_epochs=3.0, cyclical_mode="triangular2", loss="binary_crossentropy",
    batch_size=64, epochs=12, input_size=224, augmentation="histology", sampling="oversample",
    notes=_RAHA_NOTES,
)
#: The study's bounds (7e-3 to 2e-1, plain SGD) are for ImageNet weights. From random
#: initialisation they blow up: measured on the demo data (quick sizing, 64 px, 128 steps), the
#: training loss rose from 2.2 to 3.4 over the first cycle with validation losses of 8e3-3e4,
#: and ended at 0.61 (chance is 0.69 on the oversampled set). Bounds 7x lower with the same
#: ~30x swing, 1e-3 to 3e-2, trained smoothly to 0.42 (validation AUC 0.93 vs 0.89). The quick
#: profile, which is what a CPU without the ImageNet download runs, uses them whatever the
#: weights (with ImageNet weights they are an ordinary fine-tuning range); the paper profile
#: keeps the study's values. A paper-profile run from random weights should pass
#: RAHA_RANDOM_INIT_BOUNDS as RunSpec.overrides; the run's recipe then records them.
RAHA_RANDOM_INIT_BOUNDS = {"learning_rate": 1e-3, "cyclical_max_learning_rate": 3e-2}
_RAHA_QUICK = _quick(
    _RAHA_PAPER, **{**_APP_QUICK, "epochs": 4}, **RAHA_RANDOM_INIT_BOUNDS,
    cyclical_half_cycle_epochs=1.0,
    note=" Quick: half cycles of 1 epoch so 4 epochs see two full cycles; the rate cycles "
    "between 1e-3 and 3e-2 (the study's bounds / 7), because the study's bounds are for "
    "ImageNet weights and blow up from random initialisation (measured on the demo data).",
)

_INBREAST_NOTES = (
    "Report: InceptionV3 checkpoint + conv + max-pool + ReLU + flatten + dense, cross-entropy, "
    "Adam lr 1e-3, batch 32; flip, contrast, Gaussian-noise and brightness augmentation; "
    "BI-RADS 4-6 = positive; 5-fold cross-validation. Epochs, input size and the head conv's "
    "size are not stated: 30 epochs, 299 px (InceptionV3's default) and 128 3x3 filters are "
    "our choices."
)
_INBREAST_PAPER = Recipe(
    optimizer="adam", learning_rate=1e-3, loss="categorical_crossentropy", batch_size=32,
    epochs=30, input_size=299, augmentation="mammography", notes=_INBREAST_NOTES,
)

_BASELINE_NOTES = (
    "Not from a seed study: a CPU-friendly reference model with conventional fine-tuning "
    "settings (Adam 1e-3, halve on plateau, early stopping on val_loss)."
)
_BASELINE_PAPER = Recipe(
    optimizer="adam", learning_rate=1e-3, schedule="plateau", loss="categorical_crossentropy",
    batch_size=32, epochs=30, input_size=224, early_stopping_patience=5, augmentation="light",
    notes=_BASELINE_NOTES,
)
_BASELINE_QUICK = _quick(_BASELINE_PAPER, epochs=5, input_size=64, max_train_images=1500)


def _entries() -> list[ModelEntry]:
    own, app = "models.own_cnns", "models.transfer"
    return [
        ModelEntry(
            name="idc_initial", title="IDC initial separable-conv CNN (CancerNet)",
            citation=_IDC, family="idc", builder=f"{own}:build_idc_initial", head="softmax",
            last_conv_layer="block3_sepconv3",
            feature_stride=4, min_input_size=8, paper=_IDC_PAPER,
            quick=_IDC_QUICK, supports_imagenet=False, preprocessing="scale01",
        ),
        ModelEntry(
            name="idc_own", title="IDC own Conv+BN CNN", citation=_IDC, family="idc",
            builder=f"{own}:build_idc_own", head="softmax", last_conv_layer="block3_conv2",
            feature_stride=4, min_input_size=8, paper=_IDC_PAPER, quick=_IDC_QUICK,
            supports_imagenet=False, preprocessing="scale01",
        ),
        ModelEntry(
            name="idc_xception", title="IDC Xception", citation=_IDC, family="idc",
            builder=f"{app}:build_idc_xception", head="softmax",
            last_conv_layer="block14_sepconv2",
            feature_stride=32, min_input_size=71, paper=_IDC_XCEPTION_PAPER,
            quick=_quick(_IDC_XCEPTION_PAPER, batch_size=32, epochs=3, max_train_images=1000),
            supports_imagenet=True, preprocessing="tf",
        ),
        ModelEntry(
            name="melanoma_cnn_v1", title="Melanoma CNN v1 (5 conv, Dense 512)",
            citation=_MELANOMA, family="melanoma", builder=f"{own}:build_melanoma_cnn_v1",
            head="sigmoid", last_conv_layer="conv5",
            feature_stride=16, min_input_size=94, paper=_MELANOMA_PAPER,
            quick=_melanoma_quick(96), supports_imagenet=False, preprocessing="scale01",
        ),
        ModelEntry(
            name="melanoma_cnn_v2", title="Melanoma CNN v2 (6 conv up to 512, Dense 1024)",
            citation=_MELANOMA, family="melanoma", builder=f"{own}:build_melanoma_cnn_v2",
            head="sigmoid", last_conv_layer="conv6",
            feature_stride=64, min_input_size=190, paper=_MELANOMA_PAPER,
            quick=_melanoma_quick(192), supports_imagenet=False, preprocessing="scale01",
        ),
        ModelEntry(
            name="melanoma_cnn_v3", title="Melanoma CNN v3 (large first kernels 13/11/7/5)",
            citation=_MELANOMA, family="melanoma", builder=f"{own}:build_melanoma_cnn_v3",
            head="sigmoid", last_conv_layer="conv6",
            feature_stride=128, min_input_size=248, paper=_MELANOMA_PAPER,
            quick=_melanoma_quick(248), supports_imagenet=False, preprocessing="scale01",
        ),
        ModelEntry(
            name="breakhis_densenet201", title="BreakHis DenseNet201 transfer",
            citation=_BREAKHIS_CHIHA, family="breakhis",
            builder=f"{app}:build_breakhis_densenet201", head="softmax",
            last_conv_layer="conv5_block32_2_conv",
            feature_stride=32, min_input_size=32, paper=_CHIHA_PAPER,
            quick=_quick(_CHIHA_PAPER, **_APP_QUICK), supports_imagenet=True,
            preprocessing="torch",
        ),
        ModelEntry(
            name="breakhis_resnet50", title="BreakHis ResNet50 transfer",
            citation=_BREAKHIS_CHIHA, family="breakhis",
            builder=f"{app}:build_breakhis_resnet50", head="softmax",
            last_conv_layer="conv5_block3_3_conv",
            feature_stride=32, min_input_size=32, paper=_CHIHA_PAPER,
            quick=_quick(_CHIHA_PAPER, **_APP_QUICK), supports_imagenet=True,
            preprocessing="caffe",
        ),
        ModelEntry(
            name="breakhis_resnet50_sigmoid", title="BreakHis ResNet50 + sigmoid, cyclical LR",
            citation=_BREAKHIS_RAHA, family="breakhis",
            builder=f"{app}:build_breakhis_resnet50_sigmoid", head="sigmoid",
            last_conv_layer="conv5_block3_3_conv",
            feature_stride=32, min_input_size=32, paper=_RAHA_PAPER,
            quick=_RAHA_QUICK, supports_imagenet=True, preprocessing="caffe",
        ),
        ModelEntry(
            name="inbreast_inceptionv3", title="INbreast InceptionV3 + conv head",
            citation=_INBREAST, family="mammography",
            builder=f"{app}:build_inbreast_inceptionv3", head="softmax",
            last_conv_layer="head_conv",
            feature_stride=32, min_input_size=75, paper=_INBREAST_PAPER,
            quick=_quick(_INBREAST_PAPER, **{**_APP_QUICK, "input_size": 75}),
            supports_imagenet=True, preprocessing="tf",
        ),
        ModelEntry(
            name="mobilenet_v2", title="MobileNetV2 baseline",
            citation="Sandler et al. 2018 (MobileNetV2); not a seed study: CPU baseline",
            family="baseline", builder=f"{app}:build_mobilenet_v2", head="softmax",
            last_conv_layer="Conv_1", feature_stride=32, min_input_size=32, paper=_BASELINE_PAPER,
            quick=_BASELINE_QUICK, supports_imagenet=True, preprocessing="tf",
        ),
        ModelEntry(
            name="efficientnet_b0", title="EfficientNet-B0 baseline",
            citation="Tan & Le 2019 (EfficientNet); not a seed study: CPU baseline",
            family="baseline", builder=f"{app}:build_efficientnet_b0", head="softmax",
            last_conv_layer="top_conv",
            feature_stride=32, min_input_size=32, paper=_BASELINE_PAPER,
            quick=_BASELINE_QUICK, supports_imagenet=True, preprocessing="none",
        ),
    ]


REGISTRY: dict[str, ModelEntry] = {entry.name: entry for entry in _entries()}


def get_entry(name: str) -> ModelEntry:
    """The registry entry for a model name; an unknown name lists the known ones."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownModelError(
            f"Unknown model {name!r}. Registered models: {', '.join(REGISTRY)}."
        ) from None


def list_entries(family: str | None = None) -> list[ModelEntry]:
    """Entries in registry order (studies first, baselines last), optionally one family."""
    if family is not None and family not in FAMILIES:
        raise ValueError(f"Unknown family {family!r}; use one of: {', '.join(FAMILIES)}.")
    return [e for e in REGISTRY.values() if family is None or e.family == family]
