"""Models built on a Keras application (ImageNet architectures), kept flat for Grad-CAM.

Every builder passes the preprocessed input tensor to the application's ``input_tensor=``, so
the application's layers become layers of *our* model (no nested ``base_model`` layer): every
conv layer is reachable by name, which tf-keras-vis needs (a nested base gives "Graph
disconnected"). ``weights`` is what the application accepts: None (random), "imagenet", or
the path of a base-weights ``.h5`` file; :func:`models.weights.build_model` decides which.
"""

from __future__ import annotations

import keras
from keras import layers

from models.blocks import classifier, image_input

#: registry application name -> (Keras constructor name, preprocessing mode its weights expect)
APPLICATIONS = {
    "xception": ("Xception", "tf"),
    "resnet50": ("ResNet50", "caffe"),
    "densenet201": ("DenseNet201", "torch"),
    "inceptionv3": ("InceptionV3", "tf"),
    "mobilenetv2": ("MobileNetV2", "tf"),
    "efficientnetb0": ("EfficientNetB0", "none"),
}


def application_features(app: str, input_shape, weights: str | None):
    """(model input, the application's last feature map), built flat on our preprocessing."""
    constructor, mode = APPLICATIONS[app]
    inputs, x = image_input(input_shape, mode)
    base = getattr(keras.applications, constructor)(
        include_top=False, weights=weights, input_tensor=x, input_shape=tuple(input_shape)
    )
    return inputs, base.output


def _gap_dropout_bn_softmax(app: str, name: str, input_shape, n_classes, weights):
    """BreakHis study head: GlobalAveragePooling + Dropout(0.5) + BatchNorm + Dense softmax."""
    inputs, x = application_features(app, input_shape, weights)
    x = layers.GlobalAveragePooling2D(name="head_pool")(x)
    x = layers.Dropout(0.5, name="head_dropout")(x)
    x = layers.BatchNormalization(name="head_bn")(x)
    return keras.Model(inputs, classifier(x, n_classes, "softmax"), name=name)


def _gap_dropout_softmax(app: str, name: str, input_shape, n_classes, weights, rate: float):
    """Plain transfer head for the CPU baselines: GlobalAveragePooling + Dropout + softmax."""
    inputs, x = application_features(app, input_shape, weights)
    x = layers.GlobalAveragePooling2D(name="head_pool")(x)
    x = layers.Dropout(rate, name="head_dropout")(x)
    return keras.Model(inputs, classifier(x, n_classes, "softmax"), name=name)


def build_idc_xception(input_shape, n_classes: int, weights: str | None = None) -> keras.Model:
    """IDC study's Xception, "not changed, only adapted": Xception's own top (global average
    pooling + softmax) with n_classes outputs."""
    inputs, x = application_features("xception", input_shape, weights)
    x = layers.GlobalAveragePooling2D(name="head_pool")(x)
    return keras.Model(inputs, classifier(x, n_classes, "softmax"), name="idc_xception")


def build_breakhis_densenet201(input_shape, n_classes: int, weights=None) -> keras.Model:
    return _gap_dropout_bn_softmax(
        "densenet201", "breakhis_densenet201", input_shape, n_classes, weights
    )


def build_breakhis_resnet50(input_shape, n_classes: int, weights=None) -> keras.Model:
    return _gap_dropout_bn_softmax("resnet50", "breakhis_resnet50", input_shape, n_classes, weights)


def build_breakhis_resnet50_sigmoid(input_shape, n_classes: int, weights=None) -> keras.Model:
    """ResNet50 + GlobalAveragePooling + Dense(1, sigmoid), exactly the study's build_network."""
    inputs, x = application_features("resnet50", input_shape, weights)
    x = layers.GlobalAveragePooling2D(name="head_pool")(x)
    return keras.Model(
        inputs, classifier(x, n_classes, "sigmoid"), name="breakhis_resnet50_sigmoid"
    )


def build_inbreast_inceptionv3(input_shape, n_classes: int, weights=None) -> keras.Model:
    """InceptionV3 + conv + max-pool + ReLU + flatten + dense, in the study's order.

    The report does not give the conv's filters or kernel; 128 filters, 3x3, 'same' padding
    are our choice. The pool uses 'same' padding so the head also works at InceptionV3's
    minimum input (75 px, a 1x1 feature map). ``head_conv`` is the Grad-CAM layer.
    """
    inputs, x = application_features("inceptionv3", input_shape, weights)
    x = layers.Conv2D(128, 3, padding="same", name="head_conv")(x)
    x = layers.MaxPooling2D(2, padding="same", name="head_maxpool")(x)
    x = layers.ReLU(name="head_relu")(x)
    x = layers.Flatten(name="head_flatten")(x)
    return keras.Model(inputs, classifier(x, n_classes, "softmax"), name="inbreast_inceptionv3")


def build_mobilenet_v2(input_shape, n_classes: int, weights=None) -> keras.Model:
    return _gap_dropout_softmax("mobilenetv2", "mobilenet_v2", input_shape, n_classes, weights, 0.2)


def build_efficientnet_b0(input_shape, n_classes: int, weights=None) -> keras.Model:
    return _gap_dropout_softmax(
        "efficientnetb0", "efficientnet_b0", input_shape, n_classes, weights, 0.2
    )
