"""Recipes: validation with clear errors, and their translation into real Keras objects."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from models import (
    LOSS_FOR_HEAD,
    REGISTRY,
    Recipe,
    RecipeError,
    make_callbacks,
    make_learning_rate,
    make_loss,
    make_optimizer,
)
from models.keras_parts import batchnorm_layers
from models.schedules import CyclicalLearningRate
from models.vocab import SAMPLINGS

BASE = Recipe(optimizer="sgd", learning_rate=0.1, loss="categorical_crossentropy",
              batch_size=8, epochs=2, input_size=32)


@pytest.mark.parametrize(
    "changes, phrase",
    [
        ({"optimizer": "rmsprop"}, "optimizer 'rmsprop' is not one of: adagrad, sgd, adam"),
        ({"schedule": "cosine"}, "schedule 'cosine'"),
        ({"loss": "hinge"}, "loss 'hinge'"),
        ({"augmentation": "heavy"}, "augmentation 'heavy'"),
        ({"sampling": "smote"}, "sampling 'smote'"),
        ({"learning_rate": 0}, "learning_rate must be a positive number"),
        ({"batch_size": 0}, "batch_size must be a whole number >= 1"),
        ({"epochs": 2.5}, "epochs must be a whole number"),
        ({"momentum": 1.0}, "momentum must be in [0, 1)"),
        ({"schedule": "exponential_decay"}, "needs a positive decay_rate"),
        ({"schedule": "cyclical"}, "needs cyclical_max_learning_rate"),
        ({"schedule": "plateau", "plateau_factor": 2.0}, "plateau_factor must be in (0, 1)"),
        ({"max_train_images": 0}, "max_train_images must be a whole number >= 1"),
        ({"batchnorm_momentum": 1.0}, "batchnorm_momentum must be in (0, 1) or None"),
        ({"batchnorm_momentum": 0}, "batchnorm_momentum must be in (0, 1) or None"),
        ({"batch": 32}, "Unknown recipe field(s) batch; recipe fields are:"),
    ],
)
def test_bad_recipe_values_name_the_field_and_the_allowed_values(changes, phrase):
    with pytest.raises(RecipeError) as info:
        BASE.replace(**changes)
    assert phrase in str(info.value)


def test_recipe_round_trips_through_a_dict_and_replace_leaves_the_original_alone():
    recipe = REGISTRY["breakhis_resnet50_sigmoid"].paper
    assert Recipe.from_dict(recipe.to_dict()) == recipe
    shorter = recipe.replace(epochs=3)
    assert shorter.epochs == 3 and recipe.epochs == 12
    with pytest.raises(RecipeError, match="Unknown recipe field"):
        Recipe.from_dict({**recipe.to_dict(), "epoch": 3})


def test_images_per_epoch_is_the_split_unless_max_train_images_caps_it():
    assert BASE.images_per_epoch(600) == 600
    assert BASE.replace(max_train_images=128).images_per_epoch(600) == 128
    assert BASE.replace(max_train_images=900).images_per_epoch(600) == 600


def test_recipe_samplings_are_the_trainers_strategy_names():
    from core.training.spec import STRATEGIES

    assert set(SAMPLINGS) <= set(STRATEGIES)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_registry_recipe_makes_keras_objects(name):
    entry = REGISTRY[name]
    for profile in ("paper", "quick"):
        recipe = entry.recipe(profile)
        assert recipe.loss == LOSS_FOR_HEAD[entry.head]
        optimizer = make_optimizer(recipe, steps_per_epoch=10)
        assert optimizer.__class__.__name__.lower() == recipe.optimizer
        assert isinstance(make_loss(recipe), keras.losses.Loss)
        assert all(isinstance(cb, keras.callbacks.Callback) for cb in make_callbacks(recipe))
    assert entry.quick.epochs <= 5 and entry.quick.batch_size == 32
    assert entry.quick.max_train_images is not None and entry.quick.max_train_images <= 1500


def test_quick_recipe_differs_from_paper_only_in_cpu_sizing():
    sizing = {"batch_size", "epochs", "input_size", "max_train_images", "notes",
              "cyclical_half_cycle_epochs", "batchnorm_momentum"}
    # The one deliberate exception: the study's cyclical bounds need ImageNet weights.
    random_init = {"breakhis_resnet50_sigmoid": {"learning_rate", "cyclical_max_learning_rate"}}
    for entry in REGISTRY.values():
        paper, quick = entry.paper.to_dict(), entry.quick.to_dict()
        changed = {k for k in paper if paper[k] != quick[k]}
        allowed = sizing | random_init.get(entry.name, set())
        assert changed <= allowed, (entry.name, changed - allowed)


def test_resnet50_sigmoid_quick_cycles_below_the_studys_imagenet_bounds():
    """The study's 7e-3..2e-1 stay in the paper profile; the quick profile (random weights on a
    CPU without the download) cycles 7x lower, with the same swing."""
    from models.registry import RAHA_RANDOM_INIT_BOUNDS

    entry = REGISTRY["breakhis_resnet50_sigmoid"]
    assert (entry.paper.learning_rate, entry.paper.cyclical_max_learning_rate) == (7e-3, 2e-1)
    quick = entry.quick
    assert {"learning_rate": quick.learning_rate,
            "cyclical_max_learning_rate": quick.cyclical_max_learning_rate} == \
        RAHA_RANDOM_INIT_BOUNDS
    assert quick.cyclical_max_learning_rate / quick.learning_rate == pytest.approx(
        entry.paper.cyclical_max_learning_rate / entry.paper.learning_rate, rel=0.1)
    assert entry.paper.replace(**RAHA_RANDOM_INIT_BOUNDS).cyclical_mode == "triangular2"


def test_paper_recipes_keep_the_architectures_batchnorm_momentum():
    for entry in REGISTRY.values():
        assert entry.paper.batchnorm_momentum is None, entry.name


@pytest.mark.parametrize("name", ["idc_initial", "idc_own", "mobilenet_v2", "efficientnet_b0",
                                  "breakhis_resnet50", "inbreast_inceptionv3"])
def test_quick_recipes_of_batchnorm_networks_use_a_short_moving_average(name):
    """A quick run makes a few hundred steps: the moving averages need a window well below
    that (see models.keras_parts.batchnorm_momentum_callback)."""
    recipe = REGISTRY[name].quick
    assert recipe.batchnorm_momentum is not None
    assert 1.0 / (1.0 - recipe.batchnorm_momentum) <= 20


def test_batchnorm_momentum_callback_sets_every_bn_layer_before_the_first_step():
    """After one step from the initial moving mean 0 the moving mean is exactly
    (1 - momentum) * batch mean, so the compiled step really used the recipe's momentum."""
    recipe = BASE.replace(batchnorm_momentum=0.9)
    inputs = keras.Input((3,))
    inner = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(name="inner")])
    x = keras.layers.BatchNormalization(name="outer")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(inner(x)))
    model.compile(optimizer=make_optimizer(recipe, 1), loss=make_loss(recipe))
    x = np.array([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]], "float32")
    model.fit(x, np.eye(2, dtype="float32"), batch_size=2, epochs=1, verbose=0,
              callbacks=make_callbacks(recipe))
    layers = {layer.name: layer for layer in batchnorm_layers(model)}
    assert set(layers) == {"outer", "inner"}
    assert all(layer.momentum == pytest.approx(0.9) for layer in layers.values())
    np.testing.assert_allclose(layers["outer"].moving_mean.numpy(), 0.1 * x.mean(axis=0),
                               rtol=1e-5)


def test_no_batchnorm_callback_when_the_recipe_keeps_the_architectures_momentum():
    assert not any(type(cb).__name__ == "BatchNormMomentum" for cb in make_callbacks(BASE))


def test_loss_for_a_head_matches_the_recipe_loss():
    assert isinstance(make_loss("softmax"), keras.losses.CategoricalCrossentropy)
    assert isinstance(make_loss("sigmoid"), keras.losses.BinaryCrossentropy)
    with pytest.raises(RecipeError, match="softmax, sigmoid"):
        make_loss("linear")


def test_binary_cross_entropy_over_two_softmax_units_equals_categorical():
    """Why the IDC/BreakHis 'binary cross-entropy over a 2-unit softmax' is reproduced with
    categorical cross-entropy (see models.recipes)."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(16, 2)).astype("float32")
    probs = keras.ops.convert_to_numpy(keras.ops.softmax(logits))
    onehot = np.eye(2, dtype="float32")[rng.integers(0, 2, 16)]
    bce = keras.losses.BinaryCrossentropy()(onehot, probs)
    cce = make_loss("softmax")(onehot, probs)
    assert float(bce) == pytest.approx(float(cce), rel=1e-5)


def _rate(schedule, step: int) -> float:
    return float(schedule(step)) if callable(schedule) else float(schedule)


def test_inverse_time_decay_is_keras2_decay_per_step():
    """IDC: Adagrad(lr=1e-2, decay=1e-2/40) in Keras 2 meant lr0 / (1 + decay * step)."""
    schedule = make_learning_rate(REGISTRY["idc_initial"].paper, steps_per_epoch=100)
    for step in (0, 1, 1000, 20000):
        assert _rate(schedule, step) == pytest.approx(1e-2 / (1 + 2.5e-4 * step), rel=1e-5)


def test_exponential_decay_defaults_to_one_epoch_per_decay_period():
    recipe = BASE.replace(schedule="exponential_decay", decay_rate=0.5)
    schedule = make_learning_rate(recipe, steps_per_epoch=20)
    assert _rate(schedule, 0) == pytest.approx(0.1)
    assert _rate(schedule, 20) == pytest.approx(0.05)
    assert _rate(schedule, 40) == pytest.approx(0.025)


def test_cyclical_recipe_uses_epochs_for_the_half_cycle():
    recipe = REGISTRY["breakhis_resnet50_sigmoid"].paper
    schedule = make_learning_rate(recipe, steps_per_epoch=50)
    assert isinstance(schedule, CyclicalLearningRate)
    assert schedule.step_size == 150 and schedule.mode == "triangular2"
    assert _rate(schedule, 0) == pytest.approx(7e-3)
    assert _rate(schedule, 150) == pytest.approx(2e-1)


def test_steps_per_epoch_must_be_positive():
    with pytest.raises(RecipeError, match="steps_per_epoch"):
        make_optimizer(BASE, steps_per_epoch=0)


def test_optimizers_carry_the_recipe_settings():
    sgd = make_optimizer(BASE.replace(momentum=0.9), steps_per_epoch=5)
    assert isinstance(sgd, keras.optimizers.SGD) and sgd.momentum == pytest.approx(0.9)
    assert float(sgd.learning_rate) == pytest.approx(0.1)
    assert isinstance(make_optimizer(BASE.replace(optimizer="adagrad"), 5),
                      keras.optimizers.Adagrad)
    assert isinstance(make_optimizer(BASE.replace(optimizer="adam"), 5), keras.optimizers.Adam)


def test_melanoma_callbacks_are_the_studys_plateau_and_early_stopping():
    callbacks = make_callbacks(REGISTRY["melanoma_cnn_v1"].paper)
    plateau = [cb for cb in callbacks if isinstance(cb, keras.callbacks.ReduceLROnPlateau)]
    stopping = [cb for cb in callbacks if isinstance(cb, keras.callbacks.EarlyStopping)]
    assert len(plateau) == 1 and len(stopping) == 1
    assert plateau[0].factor == 0.5 and plateau[0].patience == 3
    assert plateau[0].monitor == "accuracy"
    assert stopping[0].monitor == "val_loss" and stopping[0].patience == 10
    assert stopping[0].restore_best_weights
    assert callbacks.index(plateau[0]) < callbacks.index(stopping[0])


def test_no_plateau_or_stopping_callbacks_unless_the_recipe_asks():
    callbacks = make_callbacks(BASE)
    assert not any(isinstance(cb, (keras.callbacks.ReduceLROnPlateau,
                                   keras.callbacks.EarlyStopping)) for cb in callbacks)


def test_plateau_callback_halves_the_rate_of_a_real_fit():
    """ReduceLROnPlateau needs a plain-float rate in the optimizer: a 'plateau' recipe gives
    one, and a loss that cannot improve (all-zero inputs into a bias-free layer) halves it."""
    recipe = BASE.replace(schedule="plateau", plateau_patience=1, plateau_monitor="loss")
    inputs = keras.Input((3,))
    layer = keras.layers.Dense(2, activation="softmax", use_bias=False)
    model = keras.Model(inputs, layer(inputs))
    model.compile(optimizer=make_optimizer(recipe, 1), loss=make_loss(recipe))
    x, y = np.zeros((4, 3), "float32"), np.eye(2, dtype="float32")[[0, 1, 0, 1]]
    model.fit(x, y, epochs=3, verbose=0, callbacks=make_callbacks(recipe))
    assert float(model.optimizer.learning_rate) < 0.1


def test_early_stopping_start_lets_the_first_epochs_pass_and_is_new_in_the_dict():
    """A real fit: with ``early_stopping_start=4`` and patience 1 on a loss that never
    improves (learning rate 0), Keras stops at epoch 5, not 2; the field is left out of the
    dict while None, so no stored run changes its content address."""
    recipe = BASE.replace(early_stopping_patience=1, early_stopping_start=4, epochs=10,
                          monitor="loss")
    stops = [cb for cb in make_callbacks(recipe) if isinstance(cb, keras.callbacks.EarlyStopping)]
    assert [cb.start_from_epoch for cb in stops] == [4]
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
    history = model.fit(x, x[:, :1], epochs=10, verbose=0, callbacks=stops)
    assert len(history.history["loss"]) == 6  # epochs 1-4 pass, 5 sets the bar, 6 stops
    assert "early_stopping_start" not in BASE.to_dict()
    assert recipe.to_dict()["early_stopping_start"] == 4
    with pytest.raises(RecipeError, match="early_stopping_start"):
        BASE.replace(early_stopping_start=-1)
