"""Fixtures for the results-store tests: a fresh store per test, one tiny real Keras model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.store import ResultsStore


@pytest.fixture
def store(tmp_path: Path) -> ResultsStore:
    return ResultsStore(tmp_path / "store")


@pytest.fixture(scope="session")
def keras_model(tmp_path_factory) -> tuple[Path, np.ndarray, np.ndarray]:
    """A tiny Functional model saved as .keras, with an input batch and its predictions."""
    import keras

    inputs = keras.Input(shape=(6,), name="features")
    x = keras.layers.Dense(5, activation="relu", name="hidden")(inputs)
    x = keras.layers.Dropout(0.1)(x)
    outputs = keras.layers.Dense(2, activation="softmax", name="probs")(x)
    model = keras.Model(inputs, outputs, name="tiny")
    batch = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")
    expected = model.predict(batch, verbose=0)
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    model.save(path)
    return path, batch, expected
