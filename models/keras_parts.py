"""Recipe -> Keras objects: the optimizer, loss and callbacks the trainer passes to
``compile``/``fit``.

Kept apart from :mod:`models.recipes` (plain data, no TensorFlow) so a recipe can be shown,
stored and edited without Keras; Keras is imported only when these functions are called.
"""

from __future__ import annotations

from models.errors import RecipeError
from models.recipes import Recipe, check_positive_int
from models.vocab import LOSS_FOR_HEAD, MINIMISED_MONITORS


def make_learning_rate(recipe: Recipe, steps_per_epoch: int):
    """The optimizer's learning rate: a float, or a schedule that counts optimizer steps.

    Step-based schedules need the epoch length, which only the dataset knows; that is why the
    recipe stores epochs and the caller passes ``steps_per_epoch``.
    """
    import keras

    check_positive_int("steps_per_epoch", steps_per_epoch)
    if recipe.schedule in ("constant", "plateau"):
        return float(recipe.learning_rate)
    if recipe.schedule == "cyclical":
        from models.schedules import CyclicalLearningRate

        half_cycle = max(1, round(recipe.cyclical_half_cycle_epochs * steps_per_epoch))
        return CyclicalLearningRate(
            initial_learning_rate=recipe.learning_rate,
            maximal_learning_rate=recipe.cyclical_max_learning_rate,
            step_size=half_cycle,
            mode=recipe.cyclical_mode,
        )
    decay_steps = recipe.decay_steps or steps_per_epoch
    if recipe.schedule == "exponential_decay":
        return keras.optimizers.schedules.ExponentialDecay(
            recipe.learning_rate, decay_steps=decay_steps, decay_rate=recipe.decay_rate
        )
    return keras.optimizers.schedules.InverseTimeDecay(
        recipe.learning_rate, decay_steps=decay_steps, decay_rate=recipe.decay_rate
    )


def make_optimizer(recipe: Recipe, steps_per_epoch: int):
    """A fresh Keras optimizer for one training run (optimizers hold state: never share one)."""
    import keras

    learning_rate = make_learning_rate(recipe, steps_per_epoch)
    averaging = ({"use_ema": True, "ema_momentum": recipe.ema_momentum}
                 if recipe.ema_momentum is not None else {})
    if recipe.optimizer == "adagrad":
        return keras.optimizers.Adagrad(learning_rate=learning_rate, **averaging)
    if recipe.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=recipe.momentum,
                                    **averaging)
    return keras.optimizers.Adam(learning_rate=learning_rate, **averaging)


def make_loss(recipe_or_head: Recipe | str):
    """The Keras loss for a recipe, or for a head ("softmax"/"sigmoid").

    The registry guarantees every recipe's loss matches its entry's head, so both ways agree.
    """
    import keras

    if isinstance(recipe_or_head, Recipe):
        loss = recipe_or_head.loss
    elif recipe_or_head in LOSS_FOR_HEAD:
        loss = LOSS_FOR_HEAD[recipe_or_head]
    else:
        raise RecipeError(
            f"make_loss needs a Recipe or a head ({', '.join(LOSS_FOR_HEAD)}), "
            f"got {recipe_or_head!r}."
        )
    if loss == "categorical_crossentropy":
        return keras.losses.CategoricalCrossentropy(name="categorical_crossentropy")
    return keras.losses.BinaryCrossentropy(name="binary_crossentropy")


def monitor_mode(monitor: str) -> str:
    """``"min"`` for a loss, ``"max"`` for accuracy and AUC: said explicitly, because Keras'
    ``"auto"`` guesses from the name and ReduceLROnPlateau would minimise ``val_auc``."""
    return "min" if monitor in MINIMISED_MONITORS else "max"


def make_callbacks(recipe: Recipe) -> list:
    """The recipe's own callbacks, in the order Keras should call them.

    ``batchnorm_momentum`` becomes a callback (not a builder argument) so the architecture stays
    the study's: it only changes how fast the moving averages used at inference follow the
    batch statistics used in training. Learning-rate reduction comes before early stopping so
    both see the same epoch's logs.
    ``plateau_monitor='accuracy'`` (the melanoma study's choice) needs the model compiled with
    ``metrics=['accuracy']``. TerminateOnNaN stops a diverged run at once instead of spending
    the remaining epochs on NaN weights.
    """
    import keras

    callbacks: list = [keras.callbacks.TerminateOnNaN()]
    if recipe.batchnorm_momentum is not None:
        callbacks.insert(0, batchnorm_momentum_callback(recipe.batchnorm_momentum))
    if recipe.schedule == "plateau":
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=recipe.plateau_monitor,
                mode=monitor_mode(recipe.plateau_monitor),
                factor=recipe.plateau_factor,
                patience=recipe.plateau_patience,
                min_lr=recipe.min_learning_rate,
                verbose=0,
            )
        )
    if recipe.early_stopping_patience is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=recipe.monitor,
                mode=monitor_mode(recipe.monitor),
                patience=recipe.early_stopping_patience,
                start_from_epoch=recipe.early_stopping_start or 0,
                restore_best_weights=True,
                verbose=0,
            )
        )
    return callbacks


def batchnorm_layers(model) -> list:
    """Every BatchNormalization layer of ``model``, including those of nested models."""
    import keras

    found, stack = [], list(model.layers)
    while stack:
        layer = stack.pop(0)
        if isinstance(layer, keras.layers.BatchNormalization):
            found.append(layer)
        stack.extend(getattr(layer, "layers", []))
    return found


def batchnorm_momentum_callback(momentum: float):
    """A callback that sets the momentum of every BatchNormalization moving average before
    training starts.

    Why: at inference a BN layer normalises with its moving mean/variance, an exponential
    average with a time constant of ``1 / (1 - momentum)`` optimizer steps (100 steps at
    Keras' 0.99, 1000 at MobileNetV2's 0.999). A quick run makes ~220 steps while the scale
    of the activations changes several-fold, so those averages lag far behind: measured on
    the demo data, idc_initial's moving variances were off by a factor of ~13 (mean |log
    ratio| 2.6 against statistics recomputed on the training set) and its test AUC fell from
    0.94 to 0.62; MobileNetV2 (0.999) scored 0.50 against 0.94. At 0.9 (a 10-step window,
    PyTorch's default) the gap is 0.02-0.08 and test AUC 0.93-0.94. Training itself is
    unchanged: training steps normalise with batch statistics. The momentum is set before the
    first step, so the compiled train step uses it, and it is saved in the model's layer
    config.
    """
    import keras

    class BatchNormMomentum(keras.callbacks.Callback):
        def __init__(self, value: float) -> None:
            super().__init__()
            self.momentum = float(value)

        def on_train_begin(self, logs=None):
            for layer in batchnorm_layers(self.model):
                layer.momentum = self.momentum

    BatchNormMomentum.__doc__ = batchnorm_momentum_callback.__doc__
    return BatchNormMomentum(momentum)


__all__ = ["batchnorm_layers", "batchnorm_momentum_callback", "make_callbacks",
           "make_learning_rate", "make_loss", "make_optimizer", "monitor_mode"]
