"""The studies' own CNNs, trained from scratch (no ImageNet weights exist for them).

Layer names are readable (``block2_conv1``, ``fc1``) because the dashboard shows them and the
Grad-CAM page targets them by name. Each builder takes the same arguments as
:meth:`models.registry.ModelEntry.build`, which validates them first.
"""

from __future__ import annotations

import keras
from keras import layers

from models.blocks import classifier, image_input
from models.errors import WeightsError


def _no_base_weights(name: str, weights: str | None) -> None:
    if weights is not None:
        raise WeightsError(
            f"{name} is trained from scratch: it has no application base to load {weights!r} "
            "into. Give None, or load whole-model weights with models.build_model(...)."
        )


def _conv_bn_blocks(x, plan, conv, dropout: float | None):
    """Blocks of (conv + ReLU + BatchNorm) x repeats, each closed by MaxPool(2) [+ Dropout]."""
    for block, (filters, repeats) in enumerate(plan, start=1):
        for i in range(1, repeats + 1):
            x = conv(filters, block, i)(x)
            x = layers.BatchNormalization(name=f"block{block}_bn{i}")(x)
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
        if dropout is not None:
            x = layers.Dropout(dropout, name=f"block{block}_dropout")(x)
    return x


def build_idc_initial(input_shape, n_classes: int, weights: str | None = None) -> keras.Model:
    """IDC "initial" model (the PyImageSearch CancerNet the study started from).

    Separable-conv blocks repeated 1, 2, 3 times with 32, 64, 128 filters, each closed by
    MaxPool + Dropout(0.25); then Dense 256 + BatchNorm + Dropout(0.5) and the softmax.
    The BatchNorm after Dense 256 is what makes the count 1,235,133 at 50x50 (the study's
    "1.235E6"); without it the count would be 1,234,109. Dropout rates are not in the report:
    0.25/0.5 are CancerNet's.
    """
    _no_base_weights("idc_initial", weights)
    inputs, x = image_input(input_shape, "scale01")

    def sepconv(filters, block, i):
        return layers.SeparableConv2D(
            filters, 3, padding="same", activation="relu", name=f"block{block}_sepconv{i}"
        )

    x = _conv_bn_blocks(x, [(32, 1), (64, 2), (128, 3)], sepconv, dropout=0.25)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(256, activation="relu", name="fc1")(x)
    x = layers.BatchNormalization(name="fc1_bn")(x)
    x = layers.Dropout(0.5, name="fc1_dropout")(x)
    return keras.Model(inputs, classifier(x, n_classes, "softmax"), name="idc_initial")


def build_idc_own(input_shape, n_classes: int, weights: str | None = None) -> keras.Model:
    """IDC "our model": plain Conv2D + BatchNorm + MaxPool blocks, no dropout after them.

    The report's Figure 2 (the layer diagram) is not in the text; its prose and abstract give
    5 conv layers with ReLU and BatchNorm, 3 max-pool layers, no dropout after the conv blocks,
    one more dense layer than the initial model and more neurons. This reconstruction
    (convs 32 | 64, 64 | 128, 128; Dense 512, Dense 256, Dropout 0.5, softmax) has 2,771,074
    parameters at 50x50 against the reported 2.756E6 (+0.55%).
    """
    _no_base_weights("idc_own", weights)
    inputs, x = image_input(input_shape, "scale01")

    def conv(filters, block, i):
        return layers.Conv2D(
            filters, 3, padding="same", activation="relu", name=f"block{block}_conv{i}"
        )

    x = _conv_bn_blocks(x, [(32, 1), (64, 2), (128, 2)], conv, dropout=None)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(512, activation="relu", name="fc1")(x)
    x = layers.Dense(256, activation="relu", name="fc2")(x)
    x = layers.Dropout(0.5, name="fc2_dropout")(x)
    return keras.Model(inputs, classifier(x, n_classes, "softmax"), name="idc_own")


def _melanoma_cnn(name, input_shape, n_classes, weights, convs, dense_units) -> keras.Model:
    """The melanoma study's pattern: valid Conv+ReLU+MaxPool(2) stages, Dropout(0.5), Dense."""
    _no_base_weights(name, weights)
    inputs, x = image_input(input_shape, "scale01")
    for i, (filters, kernel) in enumerate(convs, start=1):
        x = layers.Conv2D(filters, kernel, activation="relu", name=f"conv{i}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.5, name="dropout")(x)
    x = layers.Dense(dense_units, activation="relu", name="fc1")(x)
    return keras.Model(inputs, classifier(x, n_classes, "sigmoid"), name=name)


def build_melanoma_cnn_v1(input_shape, n_classes: int, weights: str | None = None) -> keras.Model:
    """Melanoma CNN v1.0 (report Fig. 2): 5 convs 32-64-64-128-128, Dense 512; 11,354,369
    parameters at 500x500."""
    convs = [(32, 3), (64, 3), (64, 3), (128, 3), (128, 3)]
    return _melanoma_cnn("melanoma_cnn_v1", input_shape, n_classes, weights, convs, 512)


def build_melanoma_cnn_v2(input_shape, n_classes: int, weights: str | None = None) -> keras.Model:
    """Melanoma CNN v2.0 (report Fig. 3): 6 convs up to 512, Dense 1024; 14,714,753 params.

    The code listing printed under Fig. 3 has v3's large kernels; the layer table (whose
    parameter counts are consistent with 3x3 kernels) is what we follow.
    """
    convs = [(32, 3), (64, 3), (64, 3), (128, 3), (256, 3), (512, 3)]
    return _melanoma_cnn("melanoma_cnn_v2", input_shape, n_classes, weights, convs, 1024)


def build_melanoma_cnn_v3(input_shape, n_classes: int, weights: str | None = None) -> keras.Model:
    """Melanoma CNN v3.0 (report Fig. 4): first kernels 13/11/7/5 for a wider receptive field;
    10,535,809 parameters. (Its printed code listing is v2's; we follow the table.)"""
    convs = [(32, 13), (64, 11), (64, 7), (128, 5), (256, 3), (512, 3)]
    return _melanoma_cnn("melanoma_cnn_v3", input_shape, n_classes, weights, convs, 1024)
