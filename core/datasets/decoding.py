"""Reading and decoding image files inside tf.data: byte sniffing, decoder routes, file names
of failures.

TensorFlow's own decoders are fast but not always faithful, so each file's first bytes decide
its route (:data:`ROUTES`): TensorFlow decodes only what it decodes exactly like
:func:`~core.datasets.images.decode_image` (Pillow), and everything else goes through
``decode_image`` itself via ``tf.numpy_function``. Each image is then resized by
:func:`~core.datasets.images.resize_tensor`, the project's one resize. The rules are in
:func:`_sniff`; :func:`decode_route` exposes them for tests. Used by
:mod:`core.datasets.pipeline`, which owns the rest of the tf.data graph.
"""

from __future__ import annotations

import re

import numpy as np
import tensorflow as tf

from core.datasets.images import (
    DEFAULT_MAX_PIXELS,
    ImageDecodeError,
    composite_on_black_tensor,
    decode_image,
    resize_tensor,
)

AUTOTUNE = tf.data.AUTOTUNE
ROUTES = ("pillow", "png", "jpeg", "bmp")
_SNIFF_BYTES = 65_536
_PNG_SIGNATURE = (137, 80, 78, 71, 13, 10, 26, 10)
_PNG_TRAILER = b"\x00\x00\x00\x00IEND\xaeB`\x82"



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


def file_images(paths: list[str], targets: np.ndarray, size: int) -> tf.data.Dataset:
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
