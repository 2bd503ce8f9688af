"""Fuzz the two parsers that read what users bring: image bytes and dataset CSVs.

Property: whatever the input, the only exception that escapes is our own clear error
(``ImageDecodeError`` / ``DatasetError``, both ``LesionlabError``s naming the file and a fix);
anything else (a Pillow ``struct.error``, an ``IndexError`` from a plugin, a pandas internal
error) would reach a user as a traceback, or take down a training run or a page. The Explain
page's upload path (``decode_upload``) must not raise at all: a bad file becomes a message.

Hypothesis draws random bytes, and mutations of small valid PNG / JPEG / TIFF / BMP / GIF /
WebP files (byte flips, cuts, insertions, repeated and overwritten spans), so most inputs get
past the format sniffing into the decoders. Each test is bounded by ``max_examples`` to a few
seconds; a failing example is printed with a blob to replay it.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from core.datasets import DatasetSpec, load_dataset
from core.datasets.errors import DatasetError
from core.datasets.images import ImageDecodeError, decode_image
from core.datasets.loaders.csv_table import read_csv_strict
from core.errors import LesionlabError
from dashboard.explain.inputs import BadUpload, InputImage, decode_upload

FUZZ = settings(max_examples=250, deadline=None, print_blob=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


def _encode(image: Image.Image, fmt: str, **kw) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kw)
    return buffer.getvalue()


def _seed_images() -> dict[str, bytes]:
    """Small valid files in every format and the modes the decoder handles specially."""
    rng = np.random.default_rng(0)
    rgb = Image.fromarray(rng.integers(0, 256, (12, 10, 3), dtype=np.uint8))
    rgba = Image.fromarray(rng.integers(0, 256, (9, 7, 4), dtype=np.uint8))
    gray16 = Image.fromarray(rng.integers(0, 4096, (8, 8), dtype=np.uint16))
    frames = [rgb, rgb.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate
    return {
        "png_rgb": _encode(rgb, "PNG"),
        "png_rgba": _encode(rgba, "PNG"),
        "png_16bit": _encode(gray16, "PNG"),
        "png_palette": _encode(rgb.convert("P"), "PNG", transparency=0),
        "jpeg": _encode(rgb, "JPEG", quality=80),
        "jpeg_exif": _encode(rgb, "JPEG", exif=exif.tobytes()),
        "jpeg_cmyk": _encode(rgb.convert("CMYK"), "JPEG"),
        "tiff": _encode(rgb, "TIFF"),
        "tiff_lzw_pages": _encode(frames[0], "TIFF", compression="tiff_lzw", save_all=True,
                                  append_images=frames[1:]),
        "tiff_float": _encode(Image.fromarray(rng.normal(size=(6, 6)).astype(np.float32)),
                              "TIFF"),
        "bmp": _encode(rgb, "BMP"),
        "bmp_palette": _encode(rgb.convert("P"), "BMP"),
        "gif_frames": _encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        "webp": _encode(rgb, "WEBP", lossless=True),
    }


SEEDS = _seed_images()


@st.composite
def mutated_images(draw) -> bytes:
    """A valid seed file with 1-4 mutations: mostly small, so decoders parse deep into it."""
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "set", "cut", "insert", "repeat", "delete"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set":  # e.g. a width, a length or an offset field
            value = draw(st.binary(min_size=1, max_size=4))
            data[at:at + len(value)] = value
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "repeat":
            end = min(len(data), at + draw(st.integers(1, 64)))
            data[at:at] = data[at:end] * draw(st.integers(1, 3))
        else:
            del data[at:at + draw(st.integers(1, 16))]
    return bytes(data)


def _decodes_or_refuses(data: bytes) -> None:
    try:
        rgb = decode_image(data, name="upload.png")
    except ImageDecodeError as error:
        assert error.where == "upload.png" and error.fix, str(error)
        return
    assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3 and rgb.size > 0


def test_every_seed_file_decodes():
    """The seeds are valid, so mutations of them start from inputs the decoder accepts."""
    for name, data in SEEDS.items():
        assert decode_image(data, name=name).shape[2] == 3, name


@FUZZ
@given(st.binary(max_size=2048))
@example(b"")
@example(b"\x89PNG\r\n\x1a\n")
@example(b"II*\x00")
@example(b"BM")
def test_decode_image_on_arbitrary_bytes(data):
    _decodes_or_refuses(data)


@FUZZ
@given(mutated_images())
def test_decode_image_on_mutated_valid_files(data):
    _decodes_or_refuses(data)


@settings(FUZZ, max_examples=150)
@given(st.one_of(mutated_images(), st.binary(max_size=512)),
       st.text(min_size=1, max_size=40))
def test_the_explain_upload_path_never_raises(data, name):
    """Any bytes under any file name (HTML, control characters, RTL marks) give an image or
    one message naming the file."""
    result = decode_upload(name, data)
    assert isinstance(result, (InputImage, BadUpload))
    if isinstance(result, BadUpload):
        assert result.name == name and name in result.message


# -- the dataset CSV --------------------------------------------------------------------------

CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["a.png", "b.png", "c.png", "sub/d.png", "../a.png", "/etc/passwd",
                     "C:\\x.png", "a.png\x00", "", " ", "nan", "None", "benign", "malignant",
                     "train", "val", "test", "holdout", '"', '""', ",", "\n", "\r", ";", "\t",
                     "\ufeff", "\u202e", "<script>", "=1+1"]),
)


@st.composite
def csv_texts(draw) -> bytes:
    """A label table that usually has the declared columns, with hostile cells."""
    columns = ["file", "label", "patient", "split", "age"]
    columns += draw(st.lists(st.sampled_from(["file", "label", "", "x", "file "]), max_size=2))
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=len(columns) + 1), max_size=8))

    def quote(cell: str) -> str:
        if draw(st.booleans()) and any(c in cell for c in ',"\n\r'):
            return '"' + cell.replace('"', '""') + '"'
        return cell

    sep = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = [sep.join(columns)] + [sep.join(quote(c) for c in row) for row in rows]
    text = newline.join(lines)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace")


@pytest.fixture(scope="module")
def csv_dataset(tmp_path_factory) -> Path:
    """A dataset folder with real images; the fuzz rewrites only its labels.csv."""
    root = tmp_path_factory.mktemp("fuzz_csv")
    pixels = np.zeros((8, 8, 3), np.uint8)
    for name in ("a.png", "b.png", "c.png", "sub/d.png"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(root / name)
    return root


def _loads_or_refuses(root: Path, content: bytes) -> None:
    (root / "labels.csv").write_bytes(content)
    spec = DatasetSpec(name="fuzz", kind="csv", path=str(root), csv="labels.csv",
                       path_column="file", label_column="label", group_column="patient",
                       split_column="split", metadata_columns=("age",),
                       label_map_default="benign", label_map={"malignant": "malignant"})
    try:
        read_csv_strict(root / "labels.csv")
        ds = load_dataset(spec)
    except DatasetError as error:
        assert isinstance(error, LesionlabError) and error.fix, str(error)
        return
    assert len(ds.table) > 0 and set(ds.class_names) == {"benign", "malignant"}
    for path in ds.table["path"]:  # nothing outside the dataset folder was accepted
        assert Path(path).resolve().is_relative_to(root.resolve())


@FUZZ
@given(csv_texts())
@example("file,label,patient,split,age\na.png,malignant,p1,train,3\nb.png,x,p2,test,4"
         .encode())
def test_dataset_csv_on_hostile_tables(csv_dataset, content):
    _loads_or_refuses(csv_dataset, content)


@settings(FUZZ, max_examples=150)
@given(st.binary(max_size=1024))
def test_dataset_csv_on_arbitrary_bytes(csv_dataset, content):
    _loads_or_refuses(csv_dataset, content)


# -- examples fuzzing found (kept as explicit regressions) -------------------------------------


def test_a_header_name_repeated_up_to_spaces_is_refused(csv_dataset):
    """``file`` and ``file `` were two columns to pandas and one after our strip, so
    ``frame["file"]`` was a table and a bare ValueError escaped."""
    (csv_dataset / "labels.csv").write_bytes(b"file,label,patient,split,age,file \n")
    with pytest.raises(DatasetError, match="'file' appear more than once"):
        read_csv_strict(csv_dataset / "labels.csv")


def test_a_first_row_with_an_extra_field_is_refused_not_shifted(csv_dataset):
    """pandas took one extra field in the first data row as a sign that the first column is
    an index: every value moved one column left (the label became the file name) silently,
    and a bare ValueError escaped later when that index was used as a line number."""
    (csv_dataset / "labels.csv").write_bytes(b"file,label\na.png,malignant,x\nb.png,benign\n")
    with pytest.raises(DatasetError, match=r"line 2, saw 3") as info:
        read_csv_strict(csv_dataset / "labels.csv")
    assert str(csv_dataset / "labels.csv") in str(info.value)
    (csv_dataset / "labels.csv").write_bytes(b"file,label,patient,split,age\n,0,,,,")
    spec = DatasetSpec(name="f", kind="csv", path=str(csv_dataset), csv="labels.csv",
                       path_column="file", label_column="label")
    with pytest.raises(DatasetError, match=r"line 2, saw 6"):
        load_dataset(spec)
