"""Run a model as two traced graphs split at the CAM layer, so gradient methods run at graph speed.

tf-keras-vis calls its model eagerly, and Keras 3 runs an eager call layer by layer in Python:
for ResNet50 at 224 px that overhead is most of a Grad-CAM map's second (measured 1.2 s eager
vs 0.13 s for the same forward + gradient traced, at load ~4 on 2 cores). Tracing the whole
model as one function (``standins.Compile``) is not enough for the CAM methods: they need the
gradient with respect to the CAM layer's output, so that tensor must exist *between* traced
calls. :class:`SplitAtLayer` therefore rebuilds the model as

    input -> [body: traced] -> CAM layer output (+ tensors the rest still needs, e.g. a ResNet
    skip connection) -> [head: traced] -> output

out of the same layers (no weights copied). The CAM layer's output is produced by a layer with
the CAM layer's name, so tf-keras-vis finds it as usual; vanilla gradients flow through both
graphs. The first map pays the tracing (a few seconds for ResNet50, once per cached explainer).
A graph it cannot split (a layer used twice) is left as it was: slower, never wrong.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from tf_keras_vis.utils.model_modifiers import ModelModifier


class TracedPart(keras.layers.Layer):
    """One part of the split model, run as a ``tf.function`` of its (fixed-shape) inputs."""

    def __init__(self, part: keras.Model, **kwargs) -> None:
        super().__init__(**kwargs)
        self.part = part
        specs = [tf.TensorSpec((None, *t.shape[1:]), t.dtype) for t in part.inputs]
        self._run = tf.function(lambda *xs: self.part(list(xs), training=False),
                                input_signature=specs)

    def call(self, inputs):
        inputs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        return self._run(*inputs)

    def compute_output_spec(self, inputs):
        inputs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        batch = inputs[0].shape[0]
        outs = [keras.KerasTensor((batch, *t.shape[1:]), dtype=t.dtype)
                for t in self.part.outputs]
        return outs if len(outs) > 1 else outs[0]


class SplitAtLayer(ModelModifier):
    """Model modifier: the same model as two traced parts meeting at ``layer_name``'s output."""

    def __init__(self, layer_name: str) -> None:
        self.layer_name = layer_name

    def __call__(self, model: keras.Model) -> keras.Model:
        try:
            return _split(model, self.layer_name)
        except (ValueError, AttributeError, KeyError):
            return model  # not a graph we can cut cleanly: stay eager


def _split(model: keras.Model, layer_name: str) -> keras.Model:
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError("one input and one output only")
    names = [layer.name for layer in model.layers]
    cut = names.index(layer_name)
    before, after = model.layers[:cut + 1], model.layers[cut + 1:]
    made_before = {id(layer.output) for layer in before if _single_call(layer)}
    cam_output = model.layers[cut].output

    # The head: every layer after the cut, re-applied to fresh inputs in the same order. Each
    # tensor it consumes that was made before the cut becomes one of the head's inputs.
    crossing = [cam_output]
    fresh = {id(cam_output): keras.Input(cam_output.shape[1:], dtype=cam_output.dtype)}
    for layer in after:
        if not _single_call(layer):
            raise ValueError(f"layer {layer.name} is called more than once")
        inbound = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
        for tensor in inbound:
            if id(tensor) not in fresh:
                if id(tensor) not in made_before and tensor is not model.inputs[0]:
                    raise ValueError(f"cannot place the input of {layer.name}")
                crossing.append(tensor)
                fresh[id(tensor)] = keras.Input(tensor.shape[1:], dtype=tensor.dtype)
        args = [fresh[id(t)] for t in inbound]
        fresh[id(layer.output)] = layer(args if isinstance(layer.input, (list, tuple))
                                        else args[0])
    head = keras.Model([fresh[id(t)] for t in crossing], fresh[id(model.outputs[0])])
    body = keras.Model(model.inputs, crossing)

    image = keras.Input(model.inputs[0].shape[1:], dtype=model.inputs[0].dtype)
    parts = TracedPart(body, name=f"{layer_name}_body")(image)
    parts = parts if isinstance(parts, (list, tuple)) else [parts]
    # A pass-through layer named like the CAM layer: what tf-keras-vis looks up by name.
    cam = keras.layers.Identity(name=layer_name)(parts[0])
    output = TracedPart(head, name="head")([cam, *parts[1:]])
    # A list input, as tf-keras-vis calls models (a single tensor would make Keras warn that
    # the structure of the inputs does not match on every call).
    return keras.Model([image], output, name=f"{model.name}_split")


def _single_call(layer: keras.layers.Layer) -> bool:
    return len(getattr(layer, "_inbound_nodes", [])) == 1
