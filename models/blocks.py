"""Pieces every registry builder shares: the image input and the classification output."""

from __future__ import annotations

import keras
from keras import layers

from models.preprocessing import ImagePreprocessing


def image_input(input_shape: tuple[int, int, int], mode: str):
    """The model input (0..255 RGB) and the preprocessed tensor the network starts from."""
    inputs = keras.Input(shape=input_shape, name="image")
    return inputs, ImagePreprocessing(mode, name="preprocessing")(inputs)


def classifier(x, n_classes: int, head: str):
    """The output layer, always float32 so mixed precision never yields float16 probabilities.

    One layer (not Dense + Activation) so Grad-CAM tools that swap the last layer's activation
    for a linear one reach the logits directly.
    """
    if head == "sigmoid":
        return layers.Dense(1, activation="sigmoid", dtype="float32", name="predictions")(x)
    return layers.Dense(n_classes, activation="softmax", dtype="float32", name="predictions")(x)
