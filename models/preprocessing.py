"""The first layer of every registry model: 0..255 RGB in, what the network expects out.

Putting preprocessing inside the model (instead of in the data pipeline) makes a saved
``.keras`` file self-contained: the dashboard feeds any model the same 0..255 images and cannot
apply the wrong normalisation. It is a registered layer, not a Lambda, so files load with
``safe_mode=True``. Importing this module registers it (``models.register_custom_objects()``
does that import for you).
"""

from __future__ import annotations

import keras
from keras.applications import imagenet_utils

from models.vocab import PREPROCESSING_MODES


@keras.saving.register_keras_serializable(package="lesionlab")
class ImagePreprocessing(keras.layers.Layer):
    """Map float RGB in 0..255 to the input range a network was designed (or pretrained) for.

    Modes ``tf``/``caffe``/``torch`` call Keras' own ``imagenet_utils.preprocess_input`` so the
    ImageNet constants are Keras', not copies. The layer computes in float32 even under a
    mixed-precision policy: subtracting ImageNet means in float16 would lose pixel precision.
    """

    def __init__(self, mode: str = "scale01", **kwargs) -> None:
        if mode not in PREPROCESSING_MODES:
            raise ValueError(
                f"ImagePreprocessing mode {mode!r} is not one of {', '.join(PREPROCESSING_MODES)}."
            )
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.mode = mode

    def call(self, inputs):
        x = keras.ops.cast(inputs, "float32")
        if self.mode == "none":
            return x
        if self.mode == "scale01":
            return x / 255.0
        return imagenet_utils.preprocess_input(x, data_format="channels_last", mode=self.mode)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode}
