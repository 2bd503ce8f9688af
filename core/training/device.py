"""One code path for CPU and GPU: decide at run time what the hardware allows.

On a GPU, mixed precision (float16 compute, float32 variables; the registry keeps every model's
final activation in float32) and XLA compilation roughly double throughput on tensor-core cards.
On a CPU both would slow training down or change numerics for nothing, so we train in plain
float32. The choice is made once per process (Keras' dtype policy is global) and recorded in every
run, so a number in the dashboard always says on what it was measured.
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import asdict, dataclass
from functools import lru_cache


@dataclass(frozen=True)
class DeviceInfo:
    kind: str  # "cpu" | "gpu"
    name: str
    count: int
    mixed_precision: bool
    xla: bool

    def to_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def configure_device() -> DeviceInfo:
    """Detect GPUs and set the global Keras policy accordingly (idempotent).

    ``LESIONLAB_MIXED_PRECISION=0`` / ``LESIONLAB_XLA=0`` turn the GPU speed-ups off (for
    debugging numerics); they are never turned on for a CPU.
    """
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        keras.mixed_precision.set_global_policy("float32")
        return DeviceInfo("cpu", platform.processor() or platform.machine(), os.cpu_count() or 1,
                          False, False)
    for gpu in gpus:  # grow memory on demand so the app and a training run can share a card
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            pass  # already initialised: keep whatever was set
    mixed = os.environ.get("LESIONLAB_MIXED_PRECISION", "1") != "0"
    xla = os.environ.get("LESIONLAB_XLA", "1") != "0"
    keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")
    details = tf.config.experimental.get_device_details(gpus[0])
    return DeviceInfo("gpu", str(details.get("device_name", "GPU")), len(gpus), mixed, xla)


def environment() -> dict:
    """Versions that can change a result; stored with every run."""
    import keras
    import numpy
    import sklearn
    import tensorflow as tf

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
    }
