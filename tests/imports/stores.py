"""One predictions import and one Keras import of the demo dataset in a fresh store: the
starting point of the page tests and of the external-evaluation tests of imported runs."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pandas as pd

from core.imports import import_model, import_predictions
from core.imports.target import load_target
from core.store import ResultsStore

SIZE = 16


def imported_runs(folder: Path, scores_name: str, preprocessing: str = "none"):
    """(store, predictions run, model run, the Keras model): a score per demo val/test image
    that tracks its label with noise, and a tiny real model with a conv layer named "conv"."""
    store = ResultsStore(folder / "store")
    target = load_target("demo")
    rows = target.dataset.table[target.splits.isin(["val", "test"])]
    p = np.clip(0.35 + 0.3 * rows["target"].to_numpy()
                + np.random.default_rng(1).normal(0, 0.2, len(rows)), 0, 1)
    pd.DataFrame({"sample_id": rows["sample_id"], "split": target.splits[rows.index],
                  "score": p}).to_csv(folder / "scores.csv", index=False)
    preds = import_predictions(folder / "scores.csv", "demo", scores_name, store=store).run
    keras.utils.set_random_seed(0)
    image = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Conv2D(2, 3, name="conv")(image)
    out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.GlobalAveragePooling2D()(x))
    model = keras.Model(image, out)
    model.save(folder / "m.keras")
    run = import_model(folder / "m.keras", "demo", "colleague", preprocessing=preprocessing,
                       store=store).run
    return store, preds, run, model
