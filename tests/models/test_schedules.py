"""The triangular cyclical learning rate (Smith 2017) and its serialization."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from models.schedules import CyclicalLearningRate


def _rates(schedule, steps):
    return [float(schedule(step)) for step in steps]


def test_triangular_rises_and_falls_linearly_between_the_bounds():
    clr = CyclicalLearningRate(0.1, 1.0, step_size=4)
    steps = [0, 1, 2, 4, 6, 8, 10, 12, 16]
    expected = [0.1, 0.325, 0.55, 1.0, 0.55, 0.1, 0.55, 1.0, 0.1]
    assert _rates(clr, steps) == pytest.approx(expected, abs=1e-6)


def test_triangular2_halves_the_swing_after_each_cycle():
    clr = CyclicalLearningRate(0.1, 1.0, step_size=4, mode="triangular2")
    # peaks of cycles 1, 2, 3 at steps 4, 12, 20: swing 0.9, 0.45, 0.225 above 0.1
    assert _rates(clr, [4, 12, 20]) == pytest.approx([1.0, 0.55, 0.325], abs=1e-6)
    assert _rates(clr, [0, 8, 16]) == pytest.approx([0.1, 0.1, 0.1], abs=1e-6)


def test_schedule_accepts_tensor_steps_as_optimizers_pass_them():
    clr = CyclicalLearningRate(0.1, 1.0, step_size=4)
    step = keras.ops.convert_to_tensor(np.int64(2))
    assert float(clr(step)) == pytest.approx(0.55)


def test_schedule_round_trips_through_keras_serialization():
    clr = CyclicalLearningRate(7e-3, 0.2, step_size=9, mode="triangular2")
    config = keras.saving.serialize_keras_object(clr)
    restored = keras.saving.deserialize_keras_object(config, safe_mode=True)
    assert isinstance(restored, CyclicalLearningRate)
    assert restored.get_config() == clr.get_config()


def test_an_optimizer_follows_the_schedule_during_training():
    clr = CyclicalLearningRate(0.01, 0.05, step_size=2)
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=clr), loss="mse")
    model.fit(np.ones((4, 2), "float32"), np.zeros((4, 1), "float32"), batch_size=1,
              epochs=1, verbose=0)  # 4 optimizer steps: the rate is back at its start
    assert int(model.optimizer.iterations) == 4
    assert float(model.optimizer.learning_rate) == pytest.approx(0.01)


@pytest.mark.parametrize("kwargs, phrase", [
    ({"mode": "exp_range"}, "mode 'exp_range'"),
    ({"step_size": 0}, "step_size must be >= 1"),
])
def test_bad_schedule_arguments_are_refused(kwargs, phrase):
    with pytest.raises(ValueError, match=phrase):
        CyclicalLearningRate(0.1, 1.0, **{"step_size": 4, **kwargs})
