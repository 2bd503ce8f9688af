"""Paper-profile training throughput of every registry model, next to its FLOP ceiling.

For each model: build it at its study's input size, compile it with its study's optimizer and
loss, and time Keras ``fit`` at its study's batch size over in-memory arrays (no decoding, no
augmentation: the model's own ceiling). One warm-up epoch pays the compilation; the figure is the
median of the timed epochs. (``train_on_batch`` is not used: under JAX it copies the model's
state back after every call, which measured ResNet50 at batch 16 at ~0.7x of ``fit``.)
Next to it:

- training GFLOP per image: the forward pass counted by the compiler (XLA's cost analysis under
  JAX, TensorFlow's profiler under TensorFlow), times 3 (backward ~ 2x forward);
- the FLOP ceiling: a large matrix product's measured FLOP/s in the same precision on the same
  device, divided by that; the ratio says how much of the chip a model can use at its batch size.

Keras 3 runs the same registry models under TensorFlow (the product's engine) or JAX. The script
uses whichever ``KERAS_BACKEND`` says, so it can measure on an accelerator where only one of them
is installed; every line it prints names the backend, precision and device.

    python benchmarks/gpu_throughput.py [--models a,b] [--steps 30] [--precision mixed|float32]
    KERAS_BACKEND=jax python benchmarks/gpu_throughput.py --out results.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def backend() -> str:
    import keras

    return keras.backend.backend()


def device_name() -> str:
    if backend() == "jax":
        import jax

        dev = jax.devices()[0]
        return f"{dev.platform}:{getattr(dev, 'device_kind', dev)}"
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return "gpu:" + tf.config.experimental.get_device_details(gpus[0]).get("device_name", "")
    return "cpu:" + (platform.processor() or platform.machine())


def matmul_flops_per_s(dtype: str, n: int = 8192, reps: int = 10) -> float:
    """Measured FLOP/s of an n x n x n matrix product: what this device can reach at best."""
    if backend() == "jax":
        import jax
        import jax.numpy as jnp

        a = jnp.ones((n, n), dtype)
        f = jax.jit(lambda x: x @ x)
        f(a).block_until_ready()
        begin = time.perf_counter()
        for _ in range(reps):
            out = f(a)
        out.block_until_ready()
    else:
        import tensorflow as tf

        a = tf.ones((n, n), dtype)
        f = tf.function(lambda x: tf.matmul(x, x), jit_compile=True)
        f(a).numpy()
        begin = time.perf_counter()
        for _ in range(reps):
            out = f(a)
        out.numpy()
    return 2 * n**3 * reps / (time.perf_counter() - begin)


def forward_flops(model, batch: np.ndarray) -> float:
    """Compiler-counted FLOPs of one forward pass over ``batch`` (inference mode)."""
    if backend() == "jax":
        import jax

        tv = [v.value for v in model.trainable_variables]
        ntv = [v.value for v in model.non_trainable_variables]

        def forward(tv, ntv, x):
            return model.stateless_call(tv, ntv, x, training=False)[0]

        # The lowered (not yet compiled) program's count: the same convolutions and matrix
        # products, without paying a second compilation of a large network.
        lowered = jax.jit(forward).lower(tv, ntv, batch)
        cost = lowered.cost_analysis() or lowered.compile().cost_analysis()  # None on some GPUs
        cost = cost[0] if isinstance(cost, list) else cost
        return float(cost["flops"])
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2)

    fn = tf.function(lambda x: model(x, training=False))
    frozen = convert_variables_to_constants_v2(
        fn.get_concrete_function(tf.TensorSpec(batch.shape, tf.float32)))
    opts = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    opts["output"] = "none"
    info = tf.compat.v1.profiler.profile(graph=frozen.graph, options=opts)
    return float(info.total_float_ops)


def on_device(array: np.ndarray):
    if backend() == "jax":
        import jax

        return jax.device_put(array)
    import tensorflow as tf

    return tf.constant(array)


def count_flops(names: list[str]) -> dict[str, float]:
    """Training GFLOP per image of each model at its paper input size (device independent)."""
    from models import build_model, get_entry

    out = {}
    for name in names:
        entry = get_entry(name)
        size = entry.recipe("paper").input_size
        model, _ = build_model(entry, size, 2, "random")
        out[name] = 3 * forward_flops(model, np.zeros((1, size, size, 3), "float32")) / 1e9
        print(f"{name:28s} {size:4d} px  {out[name]:8.2f} training GFLOP/image", flush=True)
    return out


class _EpochTimes:
    """Wall seconds per epoch; Keras synchronises with the device at every epoch end."""

    def __new__(cls):
        import keras

        class Timer(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.seconds: list[float] = []

            def on_epoch_begin(self, epoch, logs=None):
                self._begin = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.seconds.append(time.perf_counter() - self._begin)

        return Timer()


def measure(name: str, steps: int, epochs: int, batch_size: int | None,
            gflop: float | None = None) -> dict:
    import keras

    from models import build_model, get_entry, make_loss, make_optimizer

    entry = get_entry(name)
    recipe = entry.recipe("paper")
    size, batch = recipe.input_size, batch_size or recipe.batch_size
    keras.utils.clear_session(free_memory=True)
    keras.utils.set_random_seed(0)
    model, _ = build_model(entry, size, 2, "random")
    model.compile(optimizer=make_optimizer(recipe, steps), loss=make_loss(recipe),
                  jit_compile=True if backend() == "tensorflow" else "auto")
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (steps * batch, size, size, 3)).astype("float32")
    labels = rng.integers(0, 2, steps * batch)
    y = (labels[:, None].astype("float32") if entry.head == "sigmoid"
         else np.eye(2, dtype="float32")[labels])
    timer = _EpochTimes()
    history = model.fit(x, y, batch_size=batch, epochs=1 + epochs, shuffle=False, verbose=0,
                        callbacks=[timer])
    steady = float(np.median(timer.seconds[1:]))  # the first epoch pays the compilation
    row = {"model": name, "input_size": size, "batch": batch, "params": model.count_params(),
           "images_per_s": steps * batch / steady, "step_ms": 1000 * steady / steps,
           "warmup_s": timer.seconds[0],
           "loss_finite": bool(np.isfinite(history.history["loss"][-1]))}
    try:
        row["train_gflop_per_image"] = gflop or 3 * forward_flops(model, x) / batch / 1e9
    except Exception as exc:  # noqa: BLE001 - the measured rate stands without its ceiling
        row["flops_error"] = f"{type(exc).__name__}: {exc}"[:200]
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="", help="comma-separated; default: all")
    parser.add_argument("--steps", type=int, default=8, help="batches per timed epoch")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (after one warm-up)")
    parser.add_argument("--batch", type=int, default=None, help="override every paper batch")
    parser.add_argument("--precision", choices=("mixed", "float32"), default=None,
                        help="default: mixed on an accelerator, float32 on a CPU")
    parser.add_argument("--out", type=Path, default=None, help="append one JSON line per model")
    parser.add_argument("--count-flops", type=Path, default=None, metavar="JSON",
                        help="only count each model's FLOPs (no timing) and write them here")
    parser.add_argument("--flops-from", type=Path, default=None, metavar="JSON",
                        help="FLOPs counted earlier with --count-flops (saves compilations)")
    args = parser.parse_args(argv)

    import keras

    from models import list_entries

    names = [n for n in args.models.split(",") if n] or [e.name for e in list_entries()]
    if args.count_flops:
        args.count_flops.write_text(json.dumps(count_flops(names), indent=1))
        return 0
    gflops = json.loads(args.flops_from.read_text()) if args.flops_from else {}
    dev = device_name()
    precision = args.precision or ("float32" if dev.startswith("cpu") else "mixed")
    keras.mixed_precision.set_global_policy("mixed_float16" if precision == "mixed"
                                            else "float32")
    peak = matmul_flops_per_s("float16" if precision == "mixed" else "float32",
                              n=8192 if not dev.startswith("cpu") else 1024)
    header = {"backend": backend(), "device": dev, "precision": precision,
              "matmul_tflop_per_s": peak / 1e12}
    print(json.dumps(header), flush=True)
    print(f"{'model':28s} {'px':>4s} {'batch':>5s} {'img/s':>9s} {'GFLOP/img':>9s} "
          f"{'ceiling':>9s} {'of ceil':>7s} {'warmup s':>8s}", flush=True)
    for name in names:
        try:
            row = measure(name, args.steps, args.epochs, args.batch, gflops.get(name))
        except Exception as exc:  # noqa: BLE001 - one model failing must not hide the others
            row = {"model": name, "error": f"{type(exc).__name__}: {exc}"[:300]}
            print(f"{name:28s} FAILED {row['error']}", flush=True)
        else:
            gflop = row.get("train_gflop_per_image", float("nan"))
            row["ceiling_images_per_s"] = peak / (gflop * 1e9)
            row["fraction_of_ceiling"] = row["images_per_s"] / row["ceiling_images_per_s"]
            print(f"{name:28s} {row['input_size']:4d} {row['batch']:5d} "
                  f"{row['images_per_s']:9.1f} {gflop:9.2f} "
                  f"{row['ceiling_images_per_s']:9.0f} {row['fraction_of_ceiling']:7.1%} "
                  f"{row['warmup_s']:8.1f}", flush=True)
        if args.out:
            with args.out.open("a") as fh:
                fh.write(json.dumps({**header, **row}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
