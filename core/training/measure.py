"""Measurements stored with every run: epoch wall times and peak memory.

Throughput is taken from epoch times, not from the whole ``fit`` call, because the first epoch
of a big model spends 25-100 s building graphs on a CPU (../shared/STACK-NOTES.md): the median of
the later epochs is what a user can expect per epoch, and the first epoch is recorded apart.
"""

from __future__ import annotations

import resource
import threading
import time

import keras
import numpy as np


class EpochTimer(keras.callbacks.Callback):
    """Training seconds per epoch, stopped where validation starts (``fit`` calls
    ``on_test_begin`` for its validation pass), so images/s counts training images only."""

    def __init__(self) -> None:
        super().__init__()
        self.durations: list[float] = []
        self._start = 0.0
        self._train_end: float | None = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._train_end = None

    def on_test_begin(self, logs=None):
        if self._train_end is None:
            self._train_end = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        end = self._train_end if self._train_end is not None else time.perf_counter()
        self.durations.append(end - self._start)

    def images_per_second(self, images_per_epoch: int) -> float | None:
        """Steady-state training throughput (first epoch excluded when there are others)."""
        if not self.durations:
            return None
        steady = self.durations[1:] or self.durations
        return float(images_per_epoch / np.median(steady))


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize()
    except OSError:  # not Linux: the process-lifetime peak is the best we have
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class PeakMemory:
    """Peak resident memory of this process while the block runs (sampled every 0.2 s).

    ``ru_maxrss`` would give the whole process's lifetime peak, which in the long-lived app
    process says nothing about one run. On a GPU the device's own peak counter is read too.
    """

    def __init__(self, interval_s: float = 0.2) -> None:
        self.interval_s = interval_s
        self.peak_bytes = 0
        self.gpu_peak_bytes: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, _rss_bytes())
            self._stop.wait(self.interval_s)

    def __enter__(self) -> PeakMemory:
        self._gpu_reset()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, _rss_bytes())
        self.gpu_peak_bytes = self._gpu_peak()

    @staticmethod
    def _gpu_reset() -> None:
        import tensorflow as tf

        if tf.config.list_physical_devices("GPU"):
            tf.config.experimental.reset_memory_stats("GPU:0")

    @staticmethod
    def _gpu_peak() -> int | None:
        import tensorflow as tf

        if not tf.config.list_physical_devices("GPU"):
            return None
        return int(tf.config.experimental.get_memory_info("GPU:0")["peak"])
