"""Training-time augmentation as a small frozen recipe turned into Keras preprocessing layers.

A recipe (:class:`Augmentation`) is plain data so it can be stored with a run, shown in the UI
and compared between runs; :func:`build_augmenter` turns it into a ``keras.Sequential`` that the
tf.data pipeline applies to float32 batches in 0..255, only when training. The layers are
Keras' own (RandomFlip, RandomRotation, RandomZoom, RandomContrast, RandomBrightness,
GaussianNoise), so their behaviour is the documented Keras behaviour; rotation and zoom fill the
uncovered corners by reflection (the Keras default), which keeps tissue texture rather than
painting black wedges the model could learn from.

The named presets follow the published setups the tool reproduces; they are starting points,
not tuned values:

``histology``   flips both ways and rotation up to +-90 degrees: a tissue patch has no up.
``melanoma``    horizontal flip, rotation +-36 degrees, zoom +-20 %: dermoscopy framing varies.
``mammography`` horizontal flip (left/right breast mirror), contrast +-20 %, brightness +-10 %
                and Gaussian noise of 4 grey levels, as in the INbreast augmentation studies
                (acquisition contrast and detector noise vary; anatomy orientation does not).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import keras

FLIPS = {"none": None, "horizontal": "horizontal", "vertical": "vertical",
         "both": "horizontal_and_vertical"}
PIXEL_RANGE = (0.0, 255.0)


@dataclass(frozen=True)
class Augmentation:
    """A random-transform recipe. Zero everywhere means "no augmentation".

    ``rotation`` is a fraction of a full turn (0.25 = up to +-90 degrees), as in Keras
    RandomRotation; ``zoom``, ``contrast`` and ``brightness`` are fractions (0.2 = +-20 %);
    ``noise_std`` is in pixel units of the 0..255 range.
    """

    flip: str = "none"
    rotation: float = 0.0
    zoom: float = 0.0
    contrast: float = 0.0
    brightness: float = 0.0
    noise_std: float = 0.0

    def __post_init__(self) -> None:
        if self.flip not in FLIPS:
            raise ValueError(
                f"Unknown flip {self.flip!r}. Fix: use one of {', '.join(map(repr, FLIPS))}."
            )
        limits = {"rotation": 1.0, "zoom": 0.99, "contrast": 1.0, "brightness": 1.0,
                  "noise_std": 255.0}
        for name, upper in limits.items():
            value = getattr(self, name)
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = float("nan")
            if not 0.0 <= number <= upper:
                raise ValueError(
                    f"Augmentation {name}={value!r} is out of range. "
                    f"Fix: use a number from 0 to {upper:g}."
                )
            object.__setattr__(self, name, number)

    @property
    def is_identity(self) -> bool:
        """True when the recipe changes nothing, so the pipeline can skip the map entirely."""
        return self == Augmentation()

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Augmentation:
        """Inverse of :meth:`to_dict`; unknown keys are an error, not silently dropped."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"Unknown augmentation setting(s): {', '.join(unknown)}. "
                f"Fix: valid settings are {', '.join(sorted(known))}."
            )
        return cls(**data)


AUGMENTATIONS: dict[str, Augmentation] = {
    "none": Augmentation(),
    "light": Augmentation(flip="horizontal", rotation=0.05, zoom=0.1),
    "histology": Augmentation(flip="both", rotation=0.25),
    "melanoma": Augmentation(flip="horizontal", rotation=0.1, zoom=0.2),
    "mammography": Augmentation(flip="horizontal", contrast=0.2, brightness=0.1, noise_std=4.0),
}


def get_augmentation(name: str) -> Augmentation:
    """A named preset; the error lists the valid names."""
    try:
        return AUGMENTATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown augmentation preset {name!r}. "
            f"Fix: use one of {', '.join(map(repr, AUGMENTATIONS))}."
        ) from None


@keras.saving.register_keras_serializable(package="lesionlab")
class ClipToRange(keras.layers.Layer):
    """Clip to the pixel range so contrast, brightness and noise never leave 0..255.

    The models' own preprocessing layers assume 0..255 input; an augmented pixel of 270 would
    be an input no real image ever produces.
    """

    def __init__(self, low: float = PIXEL_RANGE[0], high: float = PIXEL_RANGE[1], **kwargs: Any):
        super().__init__(**kwargs)
        self.low = float(low)
        self.high = float(high)

    def call(self, inputs: Any) -> Any:
        return keras.ops.clip(inputs, self.low, self.high)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "low": self.low, "high": self.high}


def build_augmenter(aug: Augmentation, seed: int = 0) -> keras.Sequential:
    """Keras layers for ``aug``, each seeded from ``seed`` so a seed reproduces the same batches.

    Layers whose amount is zero are left out. Gaussian noise is added on the 0..1 scale
    (Keras 3 GaussianNoise only accepts a stddev up to 1) between two Rescaling layers, which
    is the same as adding noise of ``noise_std`` pixel units. Call with ``training=True``.
    """
    layers: list[keras.layers.Layer] = []
    if FLIPS[aug.flip]:
        layers.append(keras.layers.RandomFlip(FLIPS[aug.flip], seed=seed))
    if aug.rotation:
        layers.append(keras.layers.RandomRotation(aug.rotation, seed=seed + 1))
    if aug.zoom:
        layers.append(keras.layers.RandomZoom(aug.zoom, seed=seed + 2))
    if aug.contrast:
        layers.append(keras.layers.RandomContrast(aug.contrast, value_range=PIXEL_RANGE,
                                                  seed=seed + 3))
    if aug.brightness:
        layers.append(keras.layers.RandomBrightness(aug.brightness, value_range=PIXEL_RANGE,
                                                    seed=seed + 4))
    if aug.noise_std:
        layers += [
            keras.layers.Rescaling(1.0 / 255.0),
            keras.layers.GaussianNoise(aug.noise_std / 255.0, seed=seed + 5),
            keras.layers.Rescaling(255.0),
        ]
    layers.append(ClipToRange())
    return keras.Sequential(layers, name="augmentation")
