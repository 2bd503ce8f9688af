"""Cyclical learning rate (Smith 2017), which Keras 3 does not ship.

The BreakHis ResNet50-sigmoid study used TensorFlow Addons' ``CyclicalLearningRate``; Addons is
dead and does not work with Keras 3, so this is a registered, serializable replacement: a model
saved with its optimizer reloads with ``safe_mode=True`` once this module is imported.
"""

from __future__ import annotations

import keras
from keras import ops

from models.vocab import CYCLICAL_MODES


@keras.saving.register_keras_serializable(package="lesionlab")
class CyclicalLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """Triangular cyclical learning rate.

    The rate moves linearly from ``initial_learning_rate`` to ``maximal_learning_rate`` over
    ``step_size`` optimizer steps and back over the next ``step_size``, repeatedly. Mode
    ``triangular2`` halves the swing after every full cycle (the study's
    ``scale_fn=1/2**(cycle-1)``), so late epochs settle near the initial rate.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        maximal_learning_rate: float,
        step_size: int,
        mode: str = "triangular",
        name: str = "CyclicalLearningRate",
    ) -> None:
        super().__init__()
        if mode not in CYCLICAL_MODES:
            raise ValueError(
                f"CyclicalLearningRate mode {mode!r} is not one of {', '.join(CYCLICAL_MODES)}."
            )
        if int(step_size) < 1:
            raise ValueError(f"CyclicalLearningRate step_size must be >= 1, got {step_size!r}.")
        self.initial_learning_rate = float(initial_learning_rate)
        self.maximal_learning_rate = float(maximal_learning_rate)
        self.step_size = int(step_size)
        self.mode = mode
        self.name = name

    def __call__(self, step):
        step = ops.cast(step, "float32")
        step_size = ops.cast(self.step_size, "float32")
        cycle = ops.floor(1.0 + step / (2.0 * step_size))
        x = ops.abs(step / step_size - 2.0 * cycle + 1.0)
        swing = (self.maximal_learning_rate - self.initial_learning_rate) * ops.maximum(
            0.0, 1.0 - x
        )
        if self.mode == "triangular2":
            swing = swing / ops.power(2.0, cycle - 1.0)
        return self.initial_learning_rate + swing

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "maximal_learning_rate": self.maximal_learning_rate,
            "step_size": self.step_size,
            "mode": self.mode,
            "name": self.name,
        }
