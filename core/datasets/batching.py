"""Batch sizes that give every replica of a multi-device run at least one image.

``tf.distribute.MirroredStrategy`` splits each global batch of ``b`` images over ``n``
replicas in order, ``ceil(b / n)`` images each, so the last replicas get what is left; measured
with TensorFlow 2.21: a last batch of 1 image over 2 replicas gives ``[1, 0]``, and even a full
batch of 4 over 3 replicas gives ``[2, 2, 0]``. A replica with an empty batch is legal in
principle, but TensorFlow's oneDNN kernels (on by default on x86 CPUs with AVX-512) return an
empty batch's *input* from a convolution instead of an empty output of the right shape, and the
next layer fails (``Incompatible shapes: [32] vs. [0,32,32,3]`` in BatchNormalization). Whether a
machine hits that depends on its CPU features, so the pipeline never produces such a batch:

- the recipe's batch size is the global batch; when that size itself would leave a replica
  empty, the largest smaller size that does not is used (at least one image per replica);
- training: when the epoch's last, partial batch would leave a replica empty, the last two
  batches are re-cut into two sizes that do not (same images, same order); where no such cut
  exists (possible from 3 replicas on) that epoch's last few images are left out, as
  ``drop_remainder`` does; the training stream is reshuffled every epoch, so it is a different
  few each time and :attr:`BatchPlan.dropped` says how many;
- evaluation (validation and prediction) must see every image exactly once, so the last batch
  is padded with blank images of sample weight 0 (:attr:`BatchPlan.padding`): they add nothing
  to a weighted metric, the caller drops their predictions, and :func:`unpadded_loss` rescales
  the mean loss that Keras divides by the padded count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import count


@dataclass(frozen=True)
class BatchPlan:
    """The batches of one epoch: ``sizes`` in order (padding included), ``padding`` blank
    images appended to the last batch (evaluation), ``dropped`` images left out (training)."""

    sizes: tuple[int, ...]
    padding: int = 0
    dropped: int = 0

    @property
    def steps(self) -> int:
        return len(self.sizes)

    @property
    def uniform(self) -> bool:
        """True when ``dataset.batch(sizes[0])`` yields exactly these batches."""
        return all(size == self.sizes[0] for size in self.sizes[:-1]) and (
            not self.sizes or self.sizes[-1] <= self.sizes[0])


def fills_every_replica(size: int, replicas: int) -> bool:
    """Whether a global batch of ``size`` images gives each of ``replicas`` at least one."""
    if replicas <= 1:
        return size >= 1
    return size - (replicas - 1) * math.ceil(size / replicas) >= 1


def replica_batch_size(batch_size: int, replicas: int) -> int:
    """The global batch actually used: ``batch_size``, or the largest smaller size that fills
    every replica (at least ``replicas``: one image each)."""
    size = max(batch_size, replicas)
    while not fills_every_replica(size, replicas):
        size -= 1
    return size


def plan_batches(n_images: int, batch_size: int, replicas: int = 1, *,
                 training: bool = False) -> BatchPlan:
    """The batches of an epoch of ``n_images``; see the module docstring for the rules."""
    if n_images <= 0:
        return BatchPlan(())
    full = replica_batch_size(batch_size, replicas)
    whole, rest = divmod(n_images, full)
    sizes = [full] * whole + ([rest] if rest else [])
    if replicas <= 1 or fills_every_replica(sizes[-1], replicas):
        return BatchPlan(tuple(sizes))
    if not training:
        padded = next(s for s in count(rest) if fills_every_replica(s, replicas))
        return BatchPlan(tuple(sizes[:-1] + [padded]), padding=padded - rest)
    cut = _two_sizes(full + rest, full, replicas) if whole else None
    if cut:
        return BatchPlan(tuple(sizes[:-2] + list(cut)))
    kept = next((s for s in range(rest, 0, -1) if fills_every_replica(s, replicas)), 0)
    if kept or whole:
        return BatchPlan(tuple(sizes[:-1] + ([kept] if kept else [])), dropped=rest - kept)
    raise ValueError(f"{n_images} training image(s) per epoch cannot be split over {replicas} "
                     "devices without leaving one empty")


def unpadded_loss(mean_loss: float, plan: BatchPlan) -> float:
    """The mean loss over the real images of an evaluation whose blank padding had weight 0
    (Keras divides the weighted sum by every image in the batch, padding included)."""
    total = sum(plan.sizes)
    return mean_loss * total / (total - plan.padding)


def _two_sizes(total: int, full: int, replicas: int) -> tuple[int, int] | None:
    """``total`` cut into two sizes <= ``full`` that each fill every replica, the first as
    large as possible; None when there is no such cut."""
    for first in range(min(full, total - 1), 0, -1):
        second = total - first
        if second > full:
            break
        if fills_every_replica(first, replicas) and fills_every_replica(second, replicas):
            return first, second
    return None
