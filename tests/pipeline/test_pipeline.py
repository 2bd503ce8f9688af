"""make_dataset end to end on real files written by the tests and real tf.data / Keras."""

from __future__ import annotations

import io
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from core.datasets.augment import get_augmentation
from core.datasets.errors import DatasetError
from core.datasets.images import decode_image, resize_for_model
from core.datasets.pipeline import (
    decode_route,
    epoch_size,
    make_dataset,
    pipeline_error_message,
    steps_per_epoch,
)
from tests.pipeline.conftest import array_dataset, code_of, coded_array, folder_dataset
from tests.pipeline.test_images import png_bomb


def collect(dataset: tf.data.Dataset) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = zip(*((x.numpy(), y.numpy()) for x, y in dataset))
    return np.concatenate(xs), np.concatenate(ys)


# --- evaluation passes -----------------------------------------------------------------------


def test_shapes_dtypes_range_and_cardinality(coded_dataset) -> None:
    ds = coded_dataset
    data = make_dataset(ds, ds.table, image_size=16, batch_size=5)
    assert data.cardinality().numpy() == 5 == steps_per_epoch(ds.table, batch_size=5,
                                                              training=False)
    batches = [(x.numpy(), y.numpy()) for x, y in data]
    assert len(batches) == 5 and batches[-1][0].shape[0] == 4
    x, y = batches[0]
    assert x.shape == (5, 16, 16, 3) and x.dtype == np.float32
    assert y.shape == (5,) and y.dtype == np.int32
    images, _ = collect(data)
    assert images.min() >= 0 and images.max() <= 255 and images.max() > 1  # 0..255, not 0..1


def test_order_equals_rows_order_when_not_training(coded_dataset) -> None:
    ds = coded_dataset
    rows = ds.table.sample(frac=1.0, random_state=3)  # any order the caller likes
    images, targets = collect(make_dataset(ds, rows, image_size=8, batch_size=7))
    expected_codes = [int(Path(p).stem[3:]) for p in rows["path"]]
    assert code_of(images).tolist() == expected_codes
    assert targets.tolist() == rows["target"].tolist()


def test_target_formats(coded_dataset) -> None:
    ds = coded_dataset
    rows = ds.table.iloc[16:20]  # two benign, two malignant
    sparse = rows["target"].to_numpy()
    cases = [({"target_format": "sparse"}, (4,), np.int32),
             ({"one_hot": True}, (4, 2), np.float32),
             ({"target_format": "binary"}, (4, 1), np.float32)]
    for kwargs, shape, dtype in cases:
        _, y = next(iter(make_dataset(ds, rows, image_size=8, batch_size=4, **kwargs)))
        assert y.shape == shape and y.dtype == dtype, kwargs
        flat = y.numpy().argmax(axis=1) if len(shape) == 2 and shape[1] == 2 else y.numpy()
        np.testing.assert_array_equal(flat.reshape(-1), sparse)
    with pytest.raises(ValueError, match="two-class"):
        make_dataset(array_dataset(np.zeros((3, 4, 4, 3), np.uint8), ["malignant", "b", "c"],
                                   task="multiclass"),
                     None, image_size=4, batch_size=2, target_format="binary")


def test_bad_arguments_are_refused(coded_dataset) -> None:
    ds = coded_dataset
    with pytest.raises(ValueError, match="target_format"):
        make_dataset(ds, ds.table, image_size=8, batch_size=4, target_format="dense")
    with pytest.raises(ValueError, match="contradicts"):
        make_dataset(ds, ds.table, image_size=8, batch_size=4, one_hot=True,
                     target_format="binary")
    with pytest.raises(ValueError, match="image_size"):
        make_dataset(ds, ds.table, image_size=0, batch_size=4)
    with pytest.raises(ValueError, match="sampling"):
        make_dataset(ds, ds.table, image_size=8, batch_size=4, sampling="smote")
    with pytest.raises(DatasetError, match="No rows"):
        make_dataset(ds, ds.table.iloc[:0], image_size=8, batch_size=4)
    foreign = ds.table.iloc[:2].assign(sample_id=["x", "y"])
    with pytest.raises(DatasetError, match="'x' is not in dataset"):
        make_dataset(ds, foreign, image_size=8, batch_size=4)


def test_array_backed_dataset() -> None:
    rng = np.random.default_rng(3)
    arrays = rng.integers(0, 256, (10, 28, 28, 3), dtype=np.uint8)
    labels = ["malignant" if i % 3 == 0 else "benign" for i in range(10)]
    ds = array_dataset(arrays, labels)
    rows = ds.table.iloc[::-1]
    same, targets = collect(make_dataset(ds, rows, image_size=28, batch_size=4))
    np.testing.assert_array_equal(same, arrays[::-1].astype(np.float32))  # no resize at 28
    assert targets.tolist() == rows["target"].tolist()
    small, _ = collect(make_dataset(ds, rows, image_size=12, batch_size=4))
    expected = np.stack([resize_for_model(a, 12) for a in arrays[::-1]])
    np.testing.assert_array_equal(small, expected)


# --- every format: the pipeline sees what decode_image + resize_for_model see -----------------


def write_format_zoo(root: Path) -> dict[str, tuple[Path, str]]:
    """One file per format/mode, with the decoder the pipeline must pick for it."""
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, (21, 33, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, (21, 33), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6
    ramp = np.linspace(100, 4000, 21 * 33).reshape(21, 33).astype(np.uint16)
    pages = [Image.fromarray(rgb), Image.fromarray(255 - rgb)]
    zoo = {
        "rgb.png": (lambda p: Image.fromarray(rgb).save(p), "png"),
        "rgba.png": (lambda p: Image.fromarray(np.dstack([rgb, alpha])).save(p), "png"),
        "gray.png": (lambda p: Image.fromarray(rgb[..., 0]).save(p), "png"),
        "palette.png": (lambda p: Image.fromarray(rgb).quantize(200).save(p), "png"),
        "palette4.png": (lambda p: Image.fromarray(rgb).quantize(16).save(p), "pillow"),
        "trns.png": (lambda p: Image.fromarray(rgb).quantize(200).save(p, transparency=3),
                     "pillow"),
        "deep16.png": (lambda p: Image.fromarray(ramp).save(p), "pillow"),
        "rgb.jpg": (lambda p: Image.fromarray(rgb).save(p, quality=90), "jpeg"),
        "gray.jpg": (lambda p: Image.fromarray(rgb[..., 0]).save(p, quality=90), "jpeg"),
        "cmyk.jpg": (lambda p: Image.fromarray(rgb).convert("CMYK").save(p), "pillow"),
        "exif.jpg": (lambda p: Image.fromarray(rgb).save(p, exif=exif), "pillow"),
        "rgb.bmp": (lambda p: Image.fromarray(rgb).save(p), "bmp"),
        "palette.bmp": (lambda p: Image.fromarray(rgb).quantize(64).save(p), "pillow"),
        "anim.gif": (lambda p: pages[0].save(p, save_all=True, append_images=pages[1:]),
                     "pillow"),
        "pages.tif": (lambda p: pages[0].save(p, save_all=True, append_images=pages[1:]),
                      "pillow"),
        "deep16.tif": (lambda p: Image.fromarray(ramp).save(p), "pillow"),
        "float.tif": (lambda p: Image.fromarray(ramp.astype(np.float32) / 7).save(p), "pillow"),
        "lossless.webp": (lambda p: Image.fromarray(rgb).save(p, lossless=True), "pillow"),
    }
    out = {}
    for i, (name, (write, route)) in enumerate(zoo.items()):
        folder = root / ("malignant" if i % 2 else "benign")
        folder.mkdir(exist_ok=True)
        write(folder / name)
        out[name] = (folder / name, route)
    return out


def test_every_format_routes_and_matches_resize_for_model(tmp_path: Path) -> None:
    zoo = write_format_zoo(tmp_path)
    for name, (path, route) in zoo.items():
        assert decode_route(path.read_bytes()) == route, name
    ds = folder_dataset(tmp_path, [(p.parent.name, p) for p, _ in zoo.values()])
    images, _ = collect(make_dataset(ds, ds.table, image_size=16, batch_size=8))
    for image, path in zip(images, ds.table["path"]):
        expected = resize_for_model(decode_image(path), 16)
        np.testing.assert_array_equal(image, expected, err_msg=Path(path).name)


def test_tiff_dataset_through_the_pillow_fallback(tmp_path: Path) -> None:
    files = []
    for i in range(6):
        folder = tmp_path / ("malignant" if i < 2 else "benign")
        folder.mkdir(exist_ok=True)
        path = folder / f"img{i:02d}.tif"
        Image.fromarray(coded_array(i, (30, 20))).save(path)
        files.append((folder.name, path))
    ds = folder_dataset(tmp_path, files)
    assert {decode_route(Path(p).read_bytes()) for p in ds.table["path"]} == {"pillow"}
    images, _ = collect(make_dataset(ds, ds.table, image_size=10, batch_size=4))
    assert images.shape == (6, 10, 10, 3)
    assert code_of(images).tolist() == [int(Path(p).stem[3:]) for p in ds.table["path"]]


def test_routing_refuses_tf_for_truncated_and_oversized_files() -> None:
    buf = io.BytesIO()
    Image.fromarray(coded_array(1)).save(buf, format="PNG")
    assert decode_route(buf.getvalue()) == "png"
    assert decode_route(buf.getvalue()[:-5]) == "pillow"  # lost its IEND: Pillow says why
    assert decode_route(png_bomb()) == "pillow"  # TensorFlow would allocate 1.2 GB
    for tiny in (b"", b"\xff", b"\x89PNG", b"\xff\xd8\xff", b"BM"):
        assert decode_route(tiny) == "pillow"


# --- failures name the file ------------------------------------------------------------------


@pytest.mark.parametrize(("where", "damage"), [("first", "truncated"), ("middle", "truncated"),
                                               ("last", "truncated"), ("middle", "empty")])
def test_undecodable_file_stops_the_pipeline_naming_it(coded_dataset, where, damage) -> None:
    ds = coded_dataset
    position = {"first": 0, "middle": 11, "last": len(ds.table) - 1}[where]
    bad = Path(ds.table["path"].iloc[position])
    data = bad.read_bytes()
    bad.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"")
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        collect(make_dataset(ds, ds.table, image_size=8, batch_size=4))
    message = pipeline_error_message(info.value)
    reason = "truncated or corrupt" if damage == "truncated" else "empty (0 bytes)"
    assert message is not None and reason in message
    assert str(bad) in message and "Fix:" in message


def test_corrupt_data_that_tensorflow_rejects_is_named(coded_dataset) -> None:
    """Intact PNG structure (so TensorFlow's decoder is used) but damaged compressed data."""
    ds = coded_dataset
    bad = Path(ds.table["path"].iloc[5])
    data = bytearray(bad.read_bytes())
    idat = data.index(b"IDAT") + 8
    data[idat:idat + 6] = b"\xff" * 6
    bad.write_bytes(bytes(data))
    assert decode_route(bytes(data)) == "png"
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        collect(make_dataset(ds, ds.table, image_size=8, batch_size=4))
    assert str(bad) in pipeline_error_message(info.value)


def test_missing_file_is_named(coded_dataset) -> None:
    ds = coded_dataset
    gone = Path(ds.table["path"].iloc[3])
    gone.unlink()
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        collect(make_dataset(ds, ds.table, image_size=8, batch_size=4))
    assert "does not exist" in str(info.value) and str(gone) in str(info.value)


# --- training --------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["mammography", "histology"])
def test_same_seed_same_batches_other_seed_other_order(textured_dataset, preset) -> None:
    """Also with the augmentation's ops on several threads (random draws, rotation)."""
    ds = textured_dataset
    kwargs = dict(image_size=16, batch_size=4, training=True,
                  augmentation=get_augmentation(preset), sampling="oversample")
    first = [x.numpy() for x, _ in make_dataset(ds, ds.table, seed=1, **kwargs)]
    second = [x.numpy() for x, _ in make_dataset(ds, ds.table, seed=1, **kwargs)]
    other = [x.numpy() for x, _ in make_dataset(ds, ds.table, seed=2, **kwargs)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_training_shuffles_each_epoch_and_keeps_every_image(coded_dataset) -> None:
    ds = coded_dataset
    data = make_dataset(ds, ds.table, image_size=8, batch_size=5, training=True, seed=0)
    epoch1 = code_of(collect(data)[0]).tolist()
    epoch2 = code_of(collect(data)[0]).tolist()
    assert sorted(epoch1) == sorted(epoch2) == list(range(24))
    assert epoch1 != epoch2 and epoch1 != list(range(24))


def test_oversampling_balances_each_epoch_exactly(coded_dataset) -> None:
    ds = coded_dataset  # 18 benign (codes 0-17), 6 malignant (codes 18-23)
    data = make_dataset(ds, ds.table, image_size=8, batch_size=8, training=True,
                        sampling="oversample", seed=4)
    assert data.cardinality().numpy() == 36 // 8 + 1 == steps_per_epoch(
        ds.table, batch_size=8, sampling="oversample", seed=4)
    for _ in range(2):
        images, targets = collect(data)
        codes = code_of(images)
        assert Counter(targets.tolist()) == {0: 18, 1: 18}
        per_image = Counter(codes.tolist())
        assert sorted(per_image) == list(range(24))  # every benign once, every malignant...
        assert {per_image[c] for c in range(18, 24)} == {3}  # ...exactly three times
        np.testing.assert_array_equal(targets, (codes >= 18).astype(int))


def test_undersampling_draws_new_majority_subsets(coded_dataset) -> None:
    ds = coded_dataset
    data = make_dataset(ds, ds.table, image_size=8, batch_size=4, training=True,
                        sampling="undersample", seed=0)
    assert epoch_size(ds.table, sampling="undersample") == 12
    seen: set[int] = set()
    for _ in range(3):
        images, targets = collect(data)
        codes = code_of(images)
        assert Counter(targets.tolist()) == {0: 6, 1: 6}
        assert sorted(codes[codes >= 18].tolist()) == list(range(18, 24))
        assert len(set(codes[codes < 18].tolist())) == 6  # no benign image twice in an epoch
        seen |= set(codes[codes < 18].tolist())
    assert len(seen) > 6  # the majority is not thrown away for good


def test_augmentation_only_when_training(textured_dataset) -> None:
    ds = textured_dataset
    aug = get_augmentation("histology")
    at_inference, _ = collect(make_dataset(ds, ds.table, image_size=20, batch_size=4,
                                           augmentation=aug))
    plain = np.stack([decode_image(p).astype(np.float32) for p in ds.table["path"]])
    np.testing.assert_array_equal(at_inference, plain)
    trained = make_dataset(ds, ds.table, image_size=20, batch_size=4, training=True,
                           augmentation=aug, seed=0)
    not_augmented = make_dataset(ds, ds.table, image_size=20, batch_size=4, training=True,
                                 seed=0)
    # tf.data would run the augmentation's ops on one thread; it may use TensorFlow's pool.
    assert trained.options().threading.max_intra_op_parallelism == (
        tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count())
    a, ya = collect(trained)
    b, yb = collect(not_augmented)
    np.testing.assert_array_equal(ya, yb)  # same order: only the pixels differ
    changed = [not np.array_equal(x, y) for x, y in zip(a, b)]
    assert sum(changed) >= 10  # flips and rotations change (almost) every image
    assert a.min() >= 0 and a.max() <= 255


def test_max_images_is_a_reproducible_stratified_cap(coded_dataset) -> None:
    ds = coded_dataset
    kwargs = dict(image_size=8, batch_size=4, training=True, max_images=12)
    one = code_of(collect(make_dataset(ds, ds.table, seed=5, **kwargs))[0])
    two = code_of(collect(make_dataset(ds, ds.table, seed=5, **kwargs))[0])
    assert len(one) == 12 == epoch_size(ds.table, max_images=12, seed=5)
    assert sorted(one) == sorted(two)
    assert (one >= 18).sum() == 3  # 18:6 kept as 9:3
    capped = make_dataset(ds, ds.table, sampling="oversample", seed=5, **kwargs)
    targets = collect(capped)[1]
    assert Counter(targets.tolist()) == {0: 6, 1: 6}  # the cap holds after oversampling
    assert epoch_size(ds.table, sampling="oversample", max_images=12, seed=5) == 12
    unchanged, _ = collect(make_dataset(ds, ds.table, image_size=8, batch_size=4,
                                        max_images=12))
    assert len(unchanged) == 24  # evaluation passes are never capped


def test_keras_fit_consumes_the_dataset(coded_dataset) -> None:
    import keras

    ds = coded_dataset
    data = make_dataset(ds, ds.table, image_size=8, batch_size=8, training=True,
                        sampling="oversample", target_format="binary")
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Rescaling(1 / 255),
                              keras.layers.Flatten(), keras.layers.Dense(1, "sigmoid")])
    model.compile("adam", "binary_crossentropy")
    history = model.fit(data, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()


# --- disk cache ------------------------------------------------------------------------------


def test_disk_cache_is_reused_and_never_stale(coded_dataset, tmp_path: Path) -> None:
    ds = coded_dataset
    folder = tmp_path / "cache"
    first, _ = collect(make_dataset(ds, ds.table, image_size=8, batch_size=6,
                                    cache=str(folder)))
    index_files = sorted(folder.glob("*.index"))
    assert len(index_files) == 1
    again, _ = collect(make_dataset(ds, ds.table, image_size=8, batch_size=6,
                                    cache=str(folder)))
    np.testing.assert_array_equal(first, again)
    assert sorted(folder.glob("*.index")) == index_files  # reused, not rebuilt

    edited = Path(ds.table["path"].iloc[0])
    Image.fromarray(np.zeros((15, 15, 3), np.uint8)).save(edited)  # new size and mtime
    fresh, _ = collect(make_dataset(ds, ds.table, image_size=8, batch_size=6,
                                    cache=str(folder)))
    assert fresh[0].max() == 0 and first[0].max() > 0
    np.testing.assert_array_equal(fresh[1:], first[1:])
    assert len(list(folder.glob("*.index"))) == 2


def test_disk_cache_with_undersampling(coded_dataset, tmp_path: Path) -> None:
    ds = coded_dataset
    data = make_dataset(ds, ds.table, image_size=8, batch_size=4, training=True,
                        sampling="undersample", cache=str(tmp_path / "c"))
    for _ in range(2):
        assert Counter(collect(data)[1].tolist()) == {0: 6, 1: 6}
