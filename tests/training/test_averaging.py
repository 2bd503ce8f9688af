"""Weight averaging (``ema_momentum``): what validation, early stopping, a resumed run and the
stored model see, with real Keras training on a tiny model."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from core.datasets.images import decode_image, resize_for_model
from core.store import ResultsStore
from core.training import RunSpec, resolve, train_run
from core.training.averaging import AveragedWeights
from models import make_optimizer
from models.recipes import Recipe

MOMENTUM = 0.8


def _data(n: int = 64, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("float32")
    return x, y


def _model(momentum: float = MOMENTUM):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    recipe = Recipe(optimizer="sgd", learning_rate=0.5, loss="binary_crossentropy",
                    batch_size=16, epochs=3, input_size=8, ema_momentum=momentum)
    model.compile(optimizer=make_optimizer(recipe, 4), loss="binary_crossentropy")
    return model


class _Steps(keras.callbacks.Callback):
    """The raw weights after every step, and the model's weights at each epoch's end and start
    as the callbacks after the swap see them."""

    def __init__(self):
        super().__init__()
        self.raw, self.at_end, self.at_begin = [], [], []

    def on_train_batch_end(self, batch, logs=None):
        self.raw.append([w.copy() for w in self.model.get_weights()])

    def on_epoch_end(self, epoch, logs=None):
        self.at_end.append(self.model.get_weights())

    def on_epoch_begin(self, epoch, logs=None):
        self.at_begin.append(self.model.get_weights())


def _average(steps: list[list[np.ndarray]], momentum: float) -> list[np.ndarray]:
    """Keras' rule: the first step copies the weights, then m * average + (1 - m) * weights."""
    average = [w.copy() for w in steps[0]]
    for weights in steps[1:]:
        average = [momentum * a + (1 - momentum) * w for a, w in zip(average, weights)]
    return average


def test_each_epoch_ends_with_the_average_in_the_model_and_training_goes_on_from_raw():
    x, y = _data()
    model, seen = _model(), _Steps()
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, shuffle=False,
              callbacks=[AveragedWeights(), seen])
    for epoch in range(3):
        expected = _average(seen.raw[:4 * (epoch + 1)], MOMENTUM)
        for got, want in zip(seen.at_end[epoch], expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for epoch in (1, 2):  # the next epoch trains from the raw weights, not from the average
        for got, want in zip(seen.at_begin[epoch], seen.raw[4 * epoch - 1]):
            np.testing.assert_allclose(got, want, rtol=1e-6)
    assert not np.allclose(seen.at_end[0][0], seen.raw[3][0])  # the average is not the raw
    for got, want in zip(model.get_weights(), seen.at_end[-1]):  # kept after the last epoch
        np.testing.assert_allclose(got, want, rtol=1e-6)


class _StopAfter(keras.callbacks.Callback):
    """Ends training after ``epochs`` epochs, as the budget guard does."""

    def __init__(self, epochs: int):
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 >= self.epochs:
            self.model.stop_training = True


def test_a_run_stopped_before_its_last_epoch_keeps_the_best_epochs_average():
    """Keras' final copy puts the raw weights back when training stops early; early stopping's
    restore (of weights it took with the average in the model) comes after it."""
    x, y = _data()
    model, seen = _model(), _Steps()
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=100,
                                         restore_best_weights=True)
    model.fit(x, y, batch_size=16, epochs=30, verbose=0, shuffle=False,
              validation_data=_data(16, seed=5),
              callbacks=[AveragedWeights(), seen, stop, _StopAfter(5)])
    assert len(seen.at_end) == 5
    for got, want in zip(model.get_weights(), seen.at_end[stop.best_epoch]):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert not np.allclose(model.get_weights()[0], seen.raw[-1][0])


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise KeyboardInterrupt


def test_a_resumed_run_trains_on_from_the_raw_weights_it_was_stopped_with(tmp_path):
    """The checkpoint is written at an epoch's end, with the average in the model; the resumed
    run's first epoch must start from the raw weights, exactly as an uninterrupted run does."""
    x, y = _data()
    backup = str(tmp_path / "backup")
    first, seen_first = _model(), _Steps()
    with pytest.raises(KeyboardInterrupt):  # killed after epoch 1's checkpoint, as in the engine
        first.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False,
                  callbacks=[AveragedWeights(), seen_first,
                             keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False),
                             _Interrupt()])
    assert len(seen_first.raw) == 4
    again, seen_again = _model(), _Steps()
    again.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False,
              callbacks=[AveragedWeights(), seen_again,
                         keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    assert len(seen_again.at_begin) == 1  # only epoch 2 was trained again
    for got, want in zip(seen_again.at_begin[0], seen_first.raw[-1]):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    expected = _average(seen_first.raw + seen_again.raw, MOMENTUM)
    for got, want in zip(again.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_a_recipe_without_averaging_keeps_its_earlier_identity():
    """``ema_momentum`` was added after runs were stored: left at None it is not in the
    recipe's dict, so every earlier run keeps its content address."""
    plain = Recipe(optimizer="adam", learning_rate=1e-3, loss="binary_crossentropy",
                   batch_size=8, epochs=1, input_size=32)
    assert "ema_momentum" not in plain.to_dict()
    assert Recipe.from_dict(plain.to_dict()) == plain
    averaged = plain.replace(ema_momentum=0.99)
    assert averaged.to_dict()["ema_momentum"] == 0.99
    assert Recipe.from_dict(averaged.to_dict()) == averaged


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.5, 2])
def test_a_momentum_outside_zero_to_one_is_refused(bad):
    plain = Recipe(optimizer="adam", learning_rate=1e-3, loss="binary_crossentropy",
                   batch_size=8, epochs=1, input_size=32)
    with pytest.raises(ValueError, match="ema_momentum"):
        plain.replace(ema_momentum=bad)


def test_an_averaged_run_trains_is_stored_and_is_another_run(squares_registry, tmp_path):
    store = ResultsStore(tmp_path / "store")
    tiny = {"epochs": 2, "max_train_images": 16, "batch_size": 8, "input_size": 32}
    spec = RunSpec("squares", "idc_own", overrides={**tiny, "ema_momentum": 0.9})
    stored = train_run(spec, store, registry_path=squares_registry)
    assert stored.record["recipe"]["ema_momentum"] == 0.9
    assert len(stored.history()) == 2
    # the saved model is the one the stored predictions came from (the averaged weights)
    pred = stored.predictions().query("split == 'test'").head(4)
    paths = resolve(spec, squares_registry).dataset.table.set_index("sample_id").loc[
        pred["sample_id"], "path"]
    batch = np.stack([resize_for_model(decode_image(p), 32) for p in paths])
    out = np.asarray(stored.load_model()(batch, training=False))
    assert np.allclose(out[:, -1], pred["prob_1"].to_numpy(), atol=2e-3)
    plain = RunSpec("squares", "idc_own", overrides=tiny)
    assert resolve(plain, squares_registry).run_id != stored.run_id
