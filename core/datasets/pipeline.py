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

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow as tf

from core.datasets.augment import Augmentation, build_augmenter
from core.datasets.batching import BatchPlan, plan_batches
from core.datasets.errors import DatasetError
from core.datasets.images import (
    DEFAULT_MAX_PIXELS,
    ImageDecodeError,
    composite_on_black_tensor,
    decode_image,
    resize_tensor,
)
from core.datasets.sampling import check_sampling, per_class_counts, stratified_subset
from core.datasets.table import LoadedDataset

AUTOTUNE = tf.data.AUTOTUNE
TARGET_FORMATS = ("sparse", "onehot", "binary")
#: Shuffle buffer when the images are not all in memory anyway (disk cache or no cache).
SHUFFLE_BUFFER_CAP = 10_000
#: Bump when decoding or resizing changes, so old on-disk caches are not reused.
CACHE_VERSION = 1

ROUTES = ("pillow", "png", "jpeg", "bmp")
_SNIFF_BYTES = 65_536
_PNG_SIGNATURE = (137, 80, 78, 71, 13, 10, 26, 10)
_PNG_TRAILER = b"\x00\x00\x00\x00IEND\xaeB`\x82"


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
        return _finish(stream, plan, None, fmt, len(ds.class_names))

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
    return _finish(stream, plan, augmenter, fmt, len(ds.class_names))


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


def steps_per_epoch(
    rows: pd.DataFrame,
    *,
    batch_size: int,
    training: bool = True,
    sampling: str = "none",
    max_images: int | None = None,
    seed: int = 0,
    replicas: int = 1,
) -> int:
    """Batches in one epoch (the last one may be partial); equals the dataset's cardinality."""
    return batch_plan(rows, batch_size=batch_size, training=training, sampling=sampling,
                      max_images=max_images, seed=seed, replicas=replicas).steps


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


def decode_route(data: bytes) -> str:
    """Which decoder the pipeline uses for these file bytes: one of :data:`ROUTES`.

    Exposed so the routing rules can be checked (and shown) without running a pipeline.
    """
    contents = tf.constant(data)
    route = int(_sniff(contents[None], DEFAULT_MAX_PIXELS)[0][0])
    if ROUTES[route] == "jpeg":
        try:
            route = route if bool(_jpeg_ok(contents, DEFAULT_MAX_PIXELS)) else 0
        except tf.errors.InvalidArgumentError:  # unreadable header: the pipeline stops on it
            route = 0  # and names the file (see _explain_failure)
    return ROUTES[route]


def pipeline_error_message(exc: BaseException) -> str | None:
    """The one-line ImageDecodeError text inside a TensorFlow iteration error, else None.

    Decode errors raised inside tf.data reach the caller as ``tf.errors.InvalidArgumentError``
    wrapped in a Python traceback; the UI shows this line (file, reason, fix) instead.
    """
    match = re.search(r"ImageDecodeError: (.+)", str(exc))
    return match.group(1).strip() if match else None


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
        images = _file_images(rows["path"].astype(str).tolist(), targets, image_size)
    if cache is False:
        return images
    if cache is True:
        return images.cache()
    return _disk_cache(images, ds, rows, image_size, Path(cache))


def _array_images(arrays: np.ndarray, targets: np.ndarray, size: int) -> tf.data.Dataset:
    if arrays.dtype != np.uint8 or arrays.ndim != 4 or arrays.shape[-1] != 3:
        raise DatasetError(f"In-memory images must be (N, H, W, 3) uint8, got {arrays.shape} "
                           f"{arrays.dtype}.", fix="fix the loader that built ds.arrays")
    return tf.data.Dataset.from_tensor_slices((arrays, targets)).map(
        lambda image, target: (resize_tensor(image, size), target),
        num_parallel_calls=AUTOTUNE, deterministic=True)


def _file_images(paths: list[str], targets: np.ndarray, size: int) -> tf.data.Dataset:
    """Decoded, resized images of ``paths`` in order; a file that fails stops with its name.

    Reading and decoding run in parallel per image; the format sniffing in between runs on
    batches of file contents, because it is many small ops whose fixed cost per call would
    otherwise exceed the decoding of a 50 px patch.

    TensorFlow's decoders cannot say which file failed, so failed elements are dropped
    (``ignore_errors``) and a running check on the row index notices the gap (a sentinel
    after the last row catches a failure at the very end) and re-decodes that one file with
    :func:`~core.datasets.images.decode_image` to raise an error with its name and the reason.
    ``take(n)`` then stops before the sentinel: no extra pass over the data.
    """
    n = len(paths)
    path_tensor = tf.constant(paths)
    size_tensor = tf.constant(size, tf.int32)

    def read(index: tf.Tensor, path: tf.Tensor, target: tf.Tensor):
        return index, path, target, tf.io.read_file(path)

    def sniff(index, path, target, contents):
        route, png_alpha = _sniff(contents, DEFAULT_MAX_PIXELS)
        return index, path, target, contents, route, png_alpha

    def decode(index, path, target, contents, route, png_alpha):
        image = _decode_resize(contents, path, route, png_alpha, size_tensor)
        image.set_shape((size, size, 3))
        return index, image, target

    decoded = (
        tf.data.Dataset.from_tensor_slices(
            (tf.range(n, dtype=tf.int64), path_tensor, tf.constant(targets)))
        .map(read, num_parallel_calls=AUTOTUNE, deterministic=True)
        .ignore_errors()  # an unreadable file must not take its whole sniffing batch down
        .batch(_SNIFF_BATCH)
        .map(sniff)
        .unbatch()
        .map(decode, num_parallel_calls=AUTOTUNE, deterministic=True)
        .ignore_errors()
    )
    sentinel = tf.data.Dataset.from_tensors(
        (tf.constant(n, tf.int64), tf.zeros((size, size, 3), tf.uint8), tf.constant(0, tf.int32)))

    def check(expected: tf.Tensor, element: tuple[tf.Tensor, tf.Tensor, tf.Tensor]):
        index, image, target = element

        def report() -> tf.Tensor:
            out = tf.numpy_function(_explain_failure, [tf.gather(path_tensor, expected)],
                                    tf.int64, stateful=True)
            return tf.reshape(out, [])

        following = tf.cond(tf.equal(index, expected), lambda: expected + 1, report)
        return following, (image, target)

    checked = decoded.concatenate(sentinel).scan(tf.constant(0, tf.int64), check)
    return checked.take(n)


def _explain_failure(path: bytes) -> np.int64:
    """Runs only when a decode failed: re-decode that one file to name it and say why."""
    name = path.decode("utf-8", "replace")
    decode_image(name)
    raise ImageDecodeError(
        "TensorFlow could not decode this image although Pillow can.",
        where=name,
        fix="re-save it as PNG (or report the file so the pipeline can route it to Pillow)",
    )


def _pillow_decode(contents: bytes, path: bytes) -> np.ndarray:
    return decode_image(contents, name=path.decode("utf-8", "replace"))


@tf.function(
    input_signature=[tf.TensorSpec([], tf.string), tf.TensorSpec([], tf.string),
                     tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.bool),
                     tf.TensorSpec([], tf.int32)],
    autograph=False,
)
def _decode_resize(
    contents: tf.Tensor, path: tf.Tensor, route: tf.Tensor, png_alpha: tf.Tensor,
    size: tf.Tensor,
) -> tf.Tensor:
    """Decode one file on its route and resize it; traced once per process (fixed signature).

    A JPEG is confirmed here (1 or 3 components, size within the limit) from its own header,
    since ``extract_jpeg_shape`` only takes one image at a time.
    """

    def pillow() -> tf.Tensor:
        image = tf.numpy_function(_pillow_decode, [contents, path], tf.uint8, stateful=False)
        image.set_shape((None, None, 3))
        return image

    def png() -> tf.Tensor:
        return tf.cond(
            png_alpha,
            lambda: composite_on_black_tensor(tf.io.decode_png(contents, channels=4)),
            lambda: tf.io.decode_png(contents, channels=3),
        )

    def jpeg() -> tf.Tensor:
        # INTEGER_ACCURATE is libjpeg's ISLOW, what Pillow uses: same pixels on both paths.
        return tf.cond(
            _jpeg_ok(contents, DEFAULT_MAX_PIXELS),
            lambda: tf.io.decode_jpeg(contents, channels=3, dct_method="INTEGER_ACCURATE"),
            pillow,
        )

    def bmp() -> tf.Tensor:
        return tf.io.decode_bmp(contents, channels=3)

    def tensorflow() -> tf.Tensor:
        return tf.cond(route == 1, png, lambda: tf.cond(route == 2, jpeg, bmp))

    image = tf.cond(route == 0, pillow, tensorflow)
    image.set_shape((None, None, 3))
    return resize_tensor(image, size)


def _jpeg_ok(contents: tf.Tensor, max_pixels: int) -> tf.Tensor:
    """1 or 3 components (CMYK goes to Pillow) and a header size within ``max_pixels``."""
    shape = tf.cast(tf.io.extract_jpeg_shape(contents), tf.float64)
    return ((shape[0] * shape[1] <= max_pixels)
            & ((tf.equal(shape[2], 1.0)) | tf.equal(shape[2], 3.0)))


def _sniff(contents: tf.Tensor, max_pixels: int) -> tuple[tf.Tensor, tf.Tensor]:
    """Per file of a batch: ``route`` (index into :data:`ROUTES`) and ``png_alpha``.

    TensorFlow decodes only what it decodes exactly like Pillow: 8-bit PNG (it maps 16-bit by
    a fixed /257 and gives low-bit-depth palette images a wrong alpha), JPEG (checked further
    in :func:`_jpeg_ok`), uncompressed bottom-up 24-bit BMP. Each also needs an intact end
    marker (a truncated file goes to Pillow, whose error says "truncated"), a header size
    within ``max_pixels`` (checked before any pixel is decoded), and no EXIF block (TensorFlow
    ignores orientation) or PNG tRNS chunk in the first 64 KiB. ``png_alpha``: the PNG has an
    alpha channel and is composited like Pillow does.

    It must never fail, whatever the bytes (empty, tiny, random): an error here would drop a
    whole batch of files and the failure could no longer be pinned on the right one.
    """
    length = tf.cast(tf.strings.length(contents), tf.int64)
    h = tf.cast(tf.io.decode_raw(contents, tf.uint8, fixed_length=64), tf.int64)  # (B, 64)
    signature = tf.reduce_all(tf.equal(h[:, None, :8], _SIGNATURES) | _SIGNATURE_MASK, axis=2)
    png_sig, jpeg_sig, bmp_sig = tf.unstack(signature, num=3, axis=1)
    png_w, png_h, bmp_size, bmp_w, bmp_h, bmp_bits, bmp_compression = tf.unstack(
        tf.reduce_sum(tf.gather(h, _FIELD_OFFSETS, axis=1) * _FIELD_WEIGHTS, axis=2),
        num=7, axis=1)
    tail = tf.strings.substr(contents, tf.cast(tf.maximum(length - 12, 0), tf.int32),
                             tf.fill(tf.shape(contents), 12))
    suspicious = tf.strings.regex_full_match(
        tf.strings.substr(contents, tf.zeros_like(length, tf.int32),
                          tf.fill(tf.shape(contents), _SNIFF_BYTES)),
        r"\C*(?:Exif\x00\x00|eXIf|tRNS)\C*")  # \C: any byte, even in RE2's UTF-8 mode
    fits_png = tf.cast(png_w, tf.float64) * tf.cast(png_h, tf.float64) <= max_pixels
    fits_bmp = tf.cast(bmp_w, tf.float64) * tf.cast(bmp_h, tf.float64) <= max_pixels
    png_ok = png_sig & tf.equal(h[:, 24], 8) & tf.equal(tail, _PNG_TRAILER) & fits_png
    end = tf.strings.substr(contents, tf.cast(tf.maximum(length - 2, 0), tf.int32),
                            tf.fill(tf.shape(contents), 2))
    jpeg_ok = jpeg_sig & tf.equal(end, b"\xff\xd9")
    bmp_ok = (bmp_sig & tf.equal(bmp_size, length) & tf.equal(bmp_bits, 24)
              & tf.equal(bmp_compression, 0) & (bmp_h < 2**31) & fits_bmp)
    route = tf.where(png_ok, 1, tf.where(jpeg_ok, 2, tf.where(bmp_ok, 3, 0)))
    route = tf.where(suspicious, 0, route)
    png_alpha = tf.equal(h[:, 25], 4) | tf.equal(h[:, 25], 6)
    return tf.cast(route, tf.int32), png_alpha


_SNIFF_BATCH = 64
# Plain numpy constants (TensorFlow converts them inside the graph): a module-level tf.constant
# would start the TensorFlow runtime at import, after which the devices (e.g. the logical CPUs
# of LESIONLAB_CPU_REPLICAS) can no longer be configured.
#: PNG, JPEG, BMP magic numbers over the first 8 bytes; the mask marks bytes not compared.
_SIGNATURES = np.array([_PNG_SIGNATURE, (0xFF, 0xD8, 0xFF, 0, 0, 0, 0, 0),
                        (ord("B"), ord("M"), 0, 0, 0, 0, 0, 0)], np.int64)
_SIGNATURE_MASK = np.array([[False] * 8, [False] * 3 + [True] * 5, [False] * 2 + [True] * 6])
#: Header integers: PNG width, height (big-endian at 16, 20); BMP file size, width, height,
#: bits per pixel, compression (little-endian at 2, 18, 22, 28 (16-bit), 30).
_FIELD_OFFSETS = np.array([[16, 17, 18, 19], [20, 21, 22, 23], [2, 3, 4, 5],
                           [18, 19, 20, 21], [22, 23, 24, 25], [28, 29, 0, 0],
                           [30, 31, 32, 33]], np.int32)
_BE, _LE = [2**24, 2**16, 2**8, 1], [1, 2**8, 2**16, 2**24]
_FIELD_WEIGHTS = np.array([_BE, _BE, _LE, _LE, _LE, [1, 256, 0, 0], _LE], np.int64)


# --- cache -----------------------------------------------------------------------------------


def _disk_cache(
    images: tf.data.Dataset, ds: LoadedDataset, rows: pd.DataFrame, image_size: int, folder: Path
) -> tf.data.Dataset:
    """An on-disk cache named after what it holds, filled now if it is not complete.

    TensorFlow reuses a cache file whatever it contains, so the name carries a hash of the
    rows (in order), the files' sizes and modification times (or the array bytes), the image
    size and :data:`CACHE_VERSION`: an edited file or another split gets a new cache instead
    of stale pixels. The cache is filled eagerly because a partially read one is discarded,
    and training epochs may stop early (undersampling, capped shuffle buffers).
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(f"Cannot create the image cache folder: {exc}.", where=folder,
                           fix="pass cache=True (memory) or a writable folder") from exc
    prefix = folder / f"images-{image_size}px-{_cache_key(ds, rows, image_size)}"
    cached = images.cache(str(prefix))
    if not Path(f"{prefix}.index").exists():
        for _ in cached.batch(1024):
            pass
    return cached


def _cache_key(ds: LoadedDataset, rows: pd.DataFrame, image_size: int) -> str:
    digest = hashlib.sha256(f"v{CACHE_VERSION}|{image_size}|".encode())
    digest.update(rows["target"].to_numpy().astype(np.int64).tobytes())
    if (rows["path"].astype(str) == "").all():
        index = rows["array_index"].to_numpy()
        digest.update(index.astype(np.int64).tobytes())
        digest.update(np.ascontiguousarray(ds.arrays[index]).tobytes())
    else:
        for path in rows["path"].astype(str):
            try:
                st = os.stat(path)
                stamp = f"{st.st_size}:{st.st_mtime_ns}"
            except OSError:
                stamp = "missing"
            digest.update(f"{path}|{stamp}\n".encode())
    return digest.hexdigest()[:20]


# --- batches ---------------------------------------------------------------------------------


def _finish(
    stream: tf.data.Dataset,
    plan: BatchPlan,
    augmenter: object | None,
    fmt: str,
    n_classes: int,
) -> tf.data.Dataset:
    """Batch as ``plan`` says, augment, format targets, declare the epoch length, prefetch.

    Augmentation runs one batch at a time (no parallel calls): the Keras random layers draw
    from a stateful seed generator, and parallel calls would consume it in a racy order, so
    the same seed would not give the same batches.
    """

    def finish(images: tf.Tensor, targets: tf.Tensor, *weights: tf.Tensor):
        x = tf.cast(images, tf.float32)
        if augmenter is not None:
            x = augmenter(x, training=True)
        return (x, _format_targets(targets, fmt, n_classes), *weights)

    batched = _batches(stream, plan)
    if augmenter is not None:
        batched = batched.map(finish).with_options(_augmentation_threads())
    else:
        batched = batched.map(finish, num_parallel_calls=AUTOTUNE, deterministic=True)
    batched = batched.apply(tf.data.experimental.assert_cardinality(plan.steps))
    return batched.prefetch(AUTOTUNE)


def _batches(stream: tf.data.Dataset, plan: BatchPlan) -> tf.data.Dataset:
    """``stream`` cut into ``plan.sizes``: blank zero-weight images appended for the padding,
    the dropped images left out, uneven sizes by ``rebatch``."""
    if not plan.sizes:
        return stream.batch(1)
    if plan.padding:
        image_spec, target_spec = stream.element_spec
        blank = (tf.zeros(image_spec.shape, image_spec.dtype),
                 tf.zeros(target_spec.shape, target_spec.dtype), tf.constant(0.0))
        stream = stream.map(lambda image, target: (image, target, tf.constant(1.0))).concatenate(
            tf.data.Dataset.from_tensors(blank).repeat(plan.padding))
    if plan.dropped:
        stream = stream.take(sum(plan.sizes))
    batched = stream.batch(plan.sizes[0])
    if not plan.uniform:
        batched = batched.rebatch(tf.constant(plan.sizes, tf.int64))
    return batched


def _augmentation_threads() -> tf.data.Options:
    """Let the augmentation's ops use TensorFlow's intra-op threads.

    tf.data runs a map function's ops on one thread by default. The augmentation map cannot be
    parallel across batches (see :func:`_finish`), so one batch's flips and rotation then run
    on a single core while training waits or competes for the rest: measured on 2 cores, the
    histology augmentation of a 32 x 50 x 50 batch takes 7.0 ms on one thread and 3.9 ms on two,
    and the small IDC network trains 4-6 % faster per epoch. The ops are element-wise or
    counter-based random draws, so the batches do not depend on the thread count.
    """
    options = tf.data.Options()
    options.threading.max_intra_op_parallelism = (
        tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count() or 1)
    return options


def _format_targets(targets: tf.Tensor, fmt: str, n_classes: int) -> tf.Tensor:
    if fmt == "onehot":
        return tf.one_hot(targets, n_classes, dtype=tf.float32)
    if fmt == "binary":
        return tf.cast(targets, tf.float32)[:, None]
    return tf.cast(targets, tf.int32)
