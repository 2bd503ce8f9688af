"""Model modifiers (tf-keras-vis ``ModelModifier`` subclasses) that the explainers apply.

Why not tf-keras-vis's ``ReplaceToLinear``: it edits the output layer in place, so without
``clone=True`` the caller's cached model would lose its softmax, and with ``clone=True`` it goes
through ``keras.models.clone_model``, which copies every weight (100 MB for ResNet50) and refuses
models that contain a ``Lambda`` layer (Keras 3 safe mode). ``LinearHead`` instead builds a new
Functional model over the *same* layers up to the head and attaches a linear copy of the head:
nothing is copied but the head's weights, and the caller's model is never touched.
"""

from __future__ import annotations

import keras
from keras import ops
from tf_keras_vis.utils.model_modifiers import ModelModifier

from core.saliency.errors import SaliencyError


def output_layer(model: keras.Model) -> keras.layers.Layer:
    """The layer that produces the model's single output."""
    if len(model.outputs) != 1:
        raise SaliencyError(f"expected a model with one output, got {len(model.outputs)}")
    last = model.layers[-1]
    if last.output is not model.outputs[0]:
        raise SaliencyError(f"cannot find the output layer of model {model.name!r}: its last "
                            f"layer {last.name!r} does not produce the model's output")
    return last


class LinearHead(ModelModifier):
    """Return a model over the same layers whose output is the head's logits, not probabilities.

    Gradients of a saturated softmax/sigmoid are close to zero, so every tf-keras-vis method
    except Score-CAM is documented to need a linear head; Score-CAM applies its own softmax.
    Works when the head is a layer with an ``activation`` (Dense) or a separate ``Activation``.
    """

    def __call__(self, model: keras.Model) -> keras.Model:
        head = output_layer(model)
        if isinstance(head, keras.layers.Activation):
            logits = head.input
        elif getattr(head, "activation", None) is not None:
            linear = head.__class__.from_config(
                {**head.get_config(), "activation": "linear", "name": f"{head.name}_logits"})
            logits = linear(head.input)
            linear.set_weights(head.get_weights())
        else:
            raise SaliencyError(f"output layer {head.name!r} ({type(head).__name__}) has no "
                                "activation to remove: end the model in Dense(activation=...)")
        return keras.Model(model.inputs, logits, name=f"{model.name}_logits")


class SigmoidAsTwoLogits(keras.layers.Layer):
    """Map a sigmoid logit z to the pair (0, z), whose softmax is exactly (1 - p, p)."""

    def call(self, z):
        return ops.concatenate([ops.zeros_like(z), z], axis=-1)


class TwoClassLogits(ModelModifier):
    """For Score-CAM on a sigmoid head: give it two logits instead of one.

    tf-keras-vis's Scorecam applies softmax to the model's output before scoring; the softmax of
    a single logit is always 1, so every masked input would weigh the same and the map would not
    depend on the class. softmax(0, z) = (1 - sigmoid(z), sigmoid(z)), so after this modifier
    the class probabilities it scores are the model's own. Apply after ``LinearHead``.
    """

    def __call__(self, model: keras.Model) -> keras.Model:
        if model.outputs[0].shape[-1] != 1:
            raise SaliencyError("TwoClassLogits expects a single-logit (sigmoid) model")
        two = SigmoidAsTwoLogits(name="sigmoid_as_two_logits")(model.outputs[0])
        return keras.Model(model.inputs, two, name=f"{model.name}_two")
