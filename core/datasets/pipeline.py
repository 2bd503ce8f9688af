"""The tf.data input pipeline: rows of a LoadedDataset -> batches of (images, targets).

Contract with the models: images are float32 RGB in 0..255, shape ``(B, S, S, 3)``; each model
does its own preprocessing, so nothing here normalises. Targets are int32 class indices
(``target_format="sparse"``), one-hot float32 (``"onehot"``) or float32 ``(B, 1)`` 0/1 for a
sigmoid head (``"binary"``).

Order of the stages, and why:

1. **Decode** each image once. File-backed rows are read with ``tf.io.read_file`` and decoded by
   TensorFlow's own decoders when the header shows a case they handle exactly like
   :func:`~core.datasets.images.decode_image` (8-bit PNG without a tRNS chunk, RGB or grey
   JPEG without EXIF, 24-bit BMP); everything else (TIFF, 16-bit or palette-transparent PNG,
   CMYK or EXIF JPEG, GIF, WebP, truncated or suspicious files, images over the pixel limit)
   goes through ``decode_image`` via ``tf.numpy_function``. GIF is routed to Pillow on
   purpose: ``tf.io.decode_gif`` decodes every frame, so a long animation could exhaust
   memory, while Pillow reads the first frame only. Array-backed rows (MedMNIST) come
   straight from ``ds.arrays``.
2. **Resize** to ``image_size`` x ``image_size`` with
   :func:`~core.datasets.images.resize_tensor` (bilinear, antialiased, aspect ratio not kept,
   no crop), the same function :func:`~core.datasets.images.resize_for_model` uses for a single
   uploaded image.
3. **Cache** the decoded, resized uint8 images (in memory, or on disk when ``cache`` is a
   folder), *before* any randomness, so epochs 2.. cost no decoding and augmentation still
   differs every epoch.
4. Training only: **resample** per class (:mod:`core.datasets.sampling`), **shuffle** with the
   seed, **augment** each batch (:mod:`core.datasets.augment`).
5. **Batch**, format targets, prefetch.

When ``training`` is False the output order is exactly the order of ``rows``, every row once:
callers match predictions to ``rows["sample_id"]`` by position.

A file that cannot be decoded stops the pipeline with an error naming the file and the reason
(it is never skipped here: a silently smaller test set would change the metrics). Training
leaves the files the dataset check finds unreadable out *before* building a pipeline, and
records which (:mod:`core.datasets.usable`); this stop is for a file that changed since.
TensorFlow's decoders cannot say which file failed, so their failures are caught, and the gap
they leave in the running row index is reported by re-decoding that one file with
``decode_image``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow as tf

from core.datasets.augment import Augmentation, build_augmenter
from core.datasets.batches import finish_batches
from core.datasets.batching import BatchPlan, plan_batches
from core.datasets.decoding import ROUTES, decode_route, file_images, pipeline_error_message
from core.datasets.diskcache import CACHE_VERSION, disk_cache
from core.datasets.errors import DatasetError
from core.datasets.images import resize_tensor
from core.datasets.sampling import check_sampling, per_class_counts, stratified_subset
from core.datasets.table import LoadedDataset

AUTOTUNE = tf.data.AUTOTUNE
#: Re-exported: decoding (core.datasets.decoding) and the disk cache (core.datasets.diskcache)
#: are parts of this pipeline that callers and tests name through it.
__all__ = ["CACHE_VERSION", "ROUTES", "TARGET_FORMATS", "batch_plan", "decode_route",
           "epoch_size", "make_dataset", "pipeline_error_message", "steps_per_epoch"]
TARGET_FORMATS = ("sparse", "onehot", "binary")
#: Shuffle buffer when the images are not all in memory anyway (disk cache or no cache).
SHUFFLE_BUFFER_CAP = 10_000

def make_dataset(
    ds: LoadedDataset,
    rows: pd.DataFrame,
    *,
    image_size: int,
    batch_size: int,
    training: bool = False,
    augmentation: Augmentation | None = None,
    sampling: str = "none",
    seed: int = 0,
    cache: bool | str = True,
    max_images: int | None = None,
    one_hot: bool = False,
    target_format: str | None = None,
    replicas: int = 1,
) -> tf.data.Dataset:
    """Batches of ``(float32 images 0..255 (B, S, S, 3), targets)`` for ``rows`` of ``ds``.

    ``rows`` is a subset of ``ds.table`` (the caller picks the split). ``augmentation``,
    ``sampling``, ``max_images`` and shuffling apply only when ``training``; an evaluation
    pass (``training=False``) yields every row once, in order. ``cache``: True (memory),
    False, or a folder for an on-disk cache keyed by the rows, file stamps and image size.
    ``max_images`` caps the images per epoch with a stratified subset drawn from ``seed``.
    ``target_format`` is ``"sparse"`` (default), ``"onehot"`` (same as ``one_hot=True``) or
    ``"binary"``. The dataset's cardinality is the number of batches per epoch
    (:func:`steps_per_epoch`). ``replicas`` > 1 (a multi-device run) cuts batches so that no
    replica gets an empty one (:mod:`core.datasets.batching`); an evaluation pass may then end
    with blank images of sample weight 0 (elements are ``(images, targets, weights)``), whose
    predictions the caller drops (:func:`batch_plan` says how many).
    """
    fmt = _resolve_target_format(one_hot, target_format, len(ds.class_names))
    _check_sizes(image_size, batch_size)
    check_sampling(sampling)
    rows = _checked_rows(ds, rows)
    if not training:
        stream = _cached_images(ds, rows, image_size, cache)
        plan = plan_batches(len(rows), batch_size, replicas)
        return finish_batches(stream, plan, None, fmt, len(ds.class_names))

    rows = _training_rows(rows, max_images, seed)
    counts = per_class_counts(rows["target"], sampling, cap=max_images)
    if sampling == "none":
        stream = _cached_images(ds, rows, image_size, cache)
        stream = stream.shuffle(_buffer_size(len(rows), cache), seed=seed,
                                reshuffle_each_iteration=True)
    else:
        stream = _balanced_stream(ds, rows, counts, image_size, cache, seed)
    augmenter = None
    if augmentation is not None and not augmentation.is_identity:
        augmenter = build_augmenter(augmentation, seed=seed)
    try:
        plan = plan_batches(sum(counts.values()), batch_size, replicas, training=True)
    except ValueError as exc:
        raise DatasetError(f"Dataset {ds.name!r}: {exc}.", fix="train on fewer devices "
                           "(CUDA_VISIBLE_DEVICES, LESIONLAB_CPU_REPLICAS) or with more "
                           "training images") from None
    return finish_batches(stream, plan, augmenter, fmt, len(ds.class_names))


def epoch_size(
    rows: pd.DataFrame,
    *,
    training: bool = True,
    sampling: str = "none",
    max_images: int | None = None,
    seed: int = 0,
) -> int:
    """Images in one epoch of ``make_dataset`` with the same arguments (after resampling)."""
    check_sampling(sampling)
    if not training:
        return len(rows)
    targets = rows["target"].to_numpy()
    if max_images is not None:
        targets = targets[stratified_subset(targets, max_images, seed)]
    return sum(per_class_counts(targets, sampling, cap=max_images).values())


def steps_per_epoch(rows: pd.DataFrame, **plan_args) -> int:
    """Batches in one epoch (the last one may be partial); equals the dataset's cardinality.
    Arguments as for :func:`batch_plan`."""
    return batch_plan(rows, **plan_args).steps


def batch_plan(
    rows: pd.DataFrame,
    *,
    batch_size: int,
    training: bool = True,
    sampling: str = "none",
    max_images: int | None = None,
    seed: int = 0,
    replicas: int = 1,
) -> BatchPlan:
    """The batches of one epoch of ``make_dataset`` with the same arguments."""
    n = epoch_size(rows, training=training, sampling=sampling, max_images=max_images, seed=seed)
    return plan_batches(n, batch_size, replicas, training=training)


# --- rows ------------------------------------------------------------------------------------


def _resolve_target_format(one_hot: bool, target_format: str | None, n_classes: int) -> str:
    fmt = target_format or ("onehot" if one_hot else "sparse")
    if fmt not in TARGET_FORMATS:
        raise ValueError(
            f"Unknown target_format {fmt!r}. Fix: use one of {', '.join(TARGET_FORMATS)}."
        )
    if one_hot and fmt != "onehot":
        raise ValueError(f"one_hot=True contradicts target_format={fmt!r}. Fix: pass only one.")
    if fmt == "binary" and n_classes != 2:
        raise ValueError(
            f"target_format='binary' needs a two-class task; this one has {n_classes} classes. "
            "Fix: use 'sparse' or 'onehot'."
        )
    return fmt


def _check_sizes(image_size: int, batch_size: int) -> None:
    for name, value in (("image_size", image_size), ("batch_size", batch_size)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _checked_rows(ds: LoadedDataset, rows: pd.DataFrame) -> pd.DataFrame:
    """Refuse rows the pipeline would misread: empty, foreign, half array- half file-backed."""
    if not isinstance(rows, pd.DataFrame) or rows.empty:
        raise DatasetError(f"No rows to load from dataset {ds.name!r}.",
                           fix="pass a non-empty subset of ds.table (e.g. the training split)")
    missing = [c for c in ("sample_id", "path", "array_index", "target") if c not in rows]
    if missing:
        raise DatasetError(f"Rows lack column(s) {', '.join(missing)}.",
                           fix="pass rows selected from ds.table, not a rebuilt frame")
    foreign = ~rows["sample_id"].isin(ds.table["sample_id"])
    if foreign.any():
        raise DatasetError(
            f"Sample {rows.loc[foreign, 'sample_id'].iloc[0]!r} is not in dataset {ds.name!r}.",
            fix="select rows from the same LoadedDataset you pass as ds",
        )
    targets = rows["target"].to_numpy()
    if targets.min() < 0 or targets.max() >= len(ds.class_names):
        raise DatasetError(f"Targets outside 0..{len(ds.class_names) - 1} in the rows.",
                           fix="use the 'target' column computed by the loader")
    in_memory = rows["path"].astype(str) == ""
    if in_memory.any() and not in_memory.all():
        raise DatasetError(f"Dataset {ds.name!r} mixes file-backed and array-backed rows.",
                           fix="load files and arrays as two datasets")
    if in_memory.all():
        index = rows["array_index"].to_numpy()
        if ds.arrays is None or index.min() < 0 or index.max() >= len(ds.arrays):
            raise DatasetError(f"Rows of dataset {ds.name!r} point outside ds.arrays.",
                               fix="reload the dataset; its arrays and table disagree")
    return rows.reset_index(drop=True)


def _training_rows(rows: pd.DataFrame, max_images: int | None, seed: int) -> pd.DataFrame:
    """The capped training rows, in an order that does not depend on how the caller sorted them.

    The order is a hash of the sample id: pseudo-random (so a capped shuffle buffer over an
    on-disk cache still mixes classes) yet independent of the seed (so the disk cache built
    for one seed serves every seed).
    """
    if max_images is not None:
        rows = rows.iloc[stratified_subset(rows["target"], max_images, seed)]
    order = np.argsort(pd.util.hash_pandas_object(rows["sample_id"], index=False).to_numpy(),
                       kind="stable")
    return rows.iloc[order].reset_index(drop=True)


def _buffer_size(n: int, cache: bool | str) -> int:
    """A full shuffle over a memory cache (the buffer holds references, not copies).

    ``n + 1`` makes the buffer read the cache to its end on the first fill, so the memory cache
    completes even when an epoch takes fewer elements than the class holds (undersampling).
    """
    return n + 1 if cache is True else min(n + 1, SHUFFLE_BUFFER_CAP)


def _balanced_stream(
    ds: LoadedDataset,
    rows: pd.DataFrame,
    counts: dict[int, int],
    image_size: int,
    cache: bool | str,
    seed: int,
) -> tf.data.Dataset:
    """Exactly ``counts[c]`` images of class ``c`` per epoch, classes interleaved at random.

    Each class cycles through fresh seeded permutations of its own cached images; a shuffled
    list holding each class index ``counts[c]`` times decides which class comes next.
    """
    streams = []
    for c in counts:
        class_rows = rows[rows["target"] == c]
        stream = _cached_images(ds, class_rows, image_size, cache)
        stream = stream.shuffle(_buffer_size(len(class_rows), cache), seed=seed + 1 + c,
                                reshuffle_each_iteration=True).repeat()
        streams.append(stream)
    choice = np.repeat(np.arange(len(streams), dtype=np.int64), list(counts.values()))
    choice_ds = tf.data.Dataset.from_tensor_slices(choice).shuffle(
        len(choice), seed=seed, reshuffle_each_iteration=True)
    return tf.data.Dataset.choose_from_datasets(streams, choice_ds)


# --- images ----------------------------------------------------------------------------------


def _cached_images(
    ds: LoadedDataset, rows: pd.DataFrame, image_size: int, cache: bool | str
) -> tf.data.Dataset:
    """(uint8 image (S, S, 3), int32 target) per row, in row order, cached as asked."""
    targets = rows["target"].to_numpy().astype(np.int32)
    if (rows["path"].astype(str) == "").all():
        index = rows["array_index"].to_numpy()
        images = _array_images(ds.arrays[index], targets, image_size)
    else:
        images = file_images(rows["path"].astype(str).tolist(), targets, image_size)
    if cache is False:
        return images
    if cache is True:
        return images.cache()
    return disk_cache(images, ds, rows, image_size, Path(cache))


def _array_images(arrays: np.ndarray, targets: np.ndarray, size: int) -> tf.data.Dataset:
    if arrays.dtype != np.uint8 or arrays.ndim != 4 or arrays.shape[-1] != 3:
        raise DatasetError(f"In-memory images must be (N, H, W, 3) uint8, got {arrays.shape} "
                           f"{arrays.dtype}.", fix="fix the loader that built ds.arrays")
    return tf.data.Dataset.from_tensor_slices((arrays, targets)).map(
        lambda image, target: (resize_tensor(image, size), target),
        num_parallel_calls=AUTOTUNE, deterministic=True)
