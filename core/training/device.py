"""One code path for CPU and GPU: decide at run time what the hardware allows.

On a GPU, mixed precision (float16 compute, float32 variables; the registry keeps every model's
final activation in float32) and XLA compilation roughly double throughput on tensor-core cards.
On a CPU both would slow training down or change numerics for nothing, so we train in plain
float32. The choice is made once per process (Keras' dtype policy is global) and recorded in every
run, so a number in the dashboard always says on what it was measured.

Where the model lives is a ``tf.distribute`` strategy, chosen from the same detection:

- several GPUs: ``MirroredStrategy`` (synchronous data parallelism; the recipe's batch size is
  the *global* batch, split over the replicas, so a run means the same recipe on 1 or 8 cards);
- one GPU: ``OneDeviceStrategy`` on it, whose input pipeline prefetches each batch to the GPU
  while the previous one trains (what ``prefetch_to_device`` would do by hand);
- CPU: the default strategy (no copies, no overhead).

``LESIONLAB_CPU_REPLICAS=N`` splits the CPU into N logical devices and mirrors over them: the
multi-GPU path, runnable on a laptop or in CI (slower than one device; for testing only).
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
    #: The devices the model is placed on; none: TensorFlow's default placement.
    devices: tuple[str, ...] = ()

    @property
    def strategy(self) -> str:
        """"default" | "one_device" | "mirrored": how the model is placed (tf.distribute)."""
        return _strategy_name(self.devices)

    @property
    def replicas(self) -> int:
        return max(1, len(self.devices))

    def to_dict(self) -> dict:
        return {**asdict(self), "devices": list(self.devices), "strategy": self.strategy,
                "replicas": self.replicas}


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
        devices = _cpu_replicas(tf)
        return DeviceInfo("cpu", platform.processor() or platform.machine(), os.cpu_count() or 1,
                          False, False, devices=tuple(devices))
    for gpu in gpus:  # grow memory on demand so the app and a training run can share a card
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:
            pass  # already initialised: keep whatever was set
    mixed = os.environ.get("LESIONLAB_MIXED_PRECISION", "1") != "0"
    xla = os.environ.get("LESIONLAB_XLA", "1") != "0"
    keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")
    details = tf.config.experimental.get_device_details(gpus[0])
    devices = [f"/gpu:{i}" for i in range(len(gpus))]
    return DeviceInfo("gpu", str(details.get("device_name", "GPU")), len(gpus), mixed, xla,
                      devices=tuple(devices))


def _cpu_replicas(tf) -> list[str]:
    """Logical CPU devices to mirror over when ``LESIONLAB_CPU_REPLICAS`` asks for them."""
    wanted = int(os.environ.get("LESIONLAB_CPU_REPLICAS", "0") or 0)
    if wanted < 2:
        return []
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(wanted)])
    except RuntimeError:  # TensorFlow already initialised: use what exists
        pass
    return [d.name for d in tf.config.list_logical_devices("CPU")][:wanted]


def _strategy_name(devices: tuple[str, ...]) -> str:
    if len(devices) > 1:
        return "mirrored"
    if len(devices) == 1 and "gpu" in devices[0].lower():
        return "one_device"
    return "default"


@lru_cache(maxsize=4)
def distribution_strategy(device: DeviceInfo):
    """The ``tf.distribute`` strategy for ``device``; models are built and compiled in its
    scope. One object per device setup: a model must be built, compiled and trained under the
    same one."""
    import tensorflow as tf

    if device.strategy == "mirrored":
        return tf.distribute.MirroredStrategy(list(device.devices))
    if device.strategy == "one_device":
        return tf.distribute.OneDeviceStrategy(device.devices[0])
    return tf.distribute.get_strategy()


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
