"""Real, small Keras models for the saliency tests, and the "bright square" task.

The square task has a known answer: a class-1 image differs from a class-0 image only by a bright
square at a random place, so a map that explains a trained model must put its mass on the square.
"""

from __future__ import annotations

import numpy as np
import pytest

SIZE = 32
SQUARE = 7


def square_images(n: int, *, seed: int, positive: bool | None = None):
    """(images float32 0..255, labels, boxes (row, col) of the square or None).

    Background: dim noise; class 1 adds a bright SQUARE x SQUARE square anywhere.
    ``positive`` forces every image to one class.
    """
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 90, size=(n, SIZE, SIZE, 3)).astype(np.float32)
    labels = rng.integers(0, 2, size=n) if positive is None else np.full(n, int(positive))
    boxes: list[tuple[int, int] | None] = []
    for image, label in zip(images, labels):
        if label == 1:
            r, c = rng.integers(0, SIZE - SQUARE + 1, size=2)
            image[r:r + SQUARE, c:c + SQUARE] = rng.uniform(220, 255)
            boxes.append((int(r), int(c)))
        else:
            boxes.append(None)
    return images, labels.astype(np.int64), boxes


def tiny_cnn(head: str = "softmax", *, separable: bool = False, n_classes: int = 2, seed: int = 0):
    """Flat Functional CNN, preprocessing inside, last conv named "last_conv"."""
    import keras

    keras.utils.set_random_seed(seed)
    conv = keras.layers.SeparableConv2D if separable else keras.layers.Conv2D
    inputs = keras.Input((SIZE, SIZE, 3), name="image")
    x = keras.layers.Rescaling(1 / 255.0, name="preprocessing")(inputs)
    x = conv(8, 3, padding="same", activation="relu", name="conv1")(x)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = conv(16, 3, padding="same", activation="relu", name="last_conv")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    units = 1 if head == "sigmoid" else n_classes
    outputs = keras.layers.Dense(units, activation=head, name="predictions")(x)
    return keras.Model(inputs, outputs, name=f"tiny_{head}{'_sep' if separable else ''}")


@pytest.fixture(scope="session")
def trained_square_model():
    """A tiny softmax CNN really trained on the square task (about 5 s on 2 CPU cores)."""
    import keras

    model = tiny_cnn("softmax", seed=1)
    images, labels, _ = square_images(640, seed=1)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(images, labels, batch_size=32, epochs=8, verbose=0)
    test_images, test_labels, _ = square_images(200, seed=2)
    _, accuracy = model.evaluate(test_images, test_labels, verbose=0)
    assert accuracy > 0.95, f"the square task did not train (accuracy {accuracy:.2f})"
    return model
