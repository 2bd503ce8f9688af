"""Hostile or broken input the other suites do not cover: polyglot and multi-frame files,
type by content on the upload path, symlink loops in a dataset, file names with HTML, Markdown
and control characters on the Datasets page, a ``.keras`` file that runs code when loaded
unsafely, and static scans for pickle loading and raw HTML.

Covered elsewhere (not repeated here): 0-byte, truncated, non-image, bomb and 20000x20000
uploads (tests/explain_page/test_page.py), decoder modes and two-frame files
(tests/pipeline/test_images.py), CSV paths escaping the dataset folder
(tests/datasets/test_bad_input.py); the server-side limits (upload size, XSRF, loopback, temp
files) are in test_server.py.
"""

from __future__ import annotations

import ast
import io
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.datasets import DatasetSpec, load_dataset, save_spec
from core.datasets.images import ImageDecodeError, decode_image
from dashboard.explain.inputs import BadUpload, InputImage, decode_upload
from dashboard.text import as_read, visible
from tests.datasets.builders import breakhis_dataset, class_folders

REPO = Path(__file__).resolve().parents[2]
APP_SOURCES = sorted([REPO / "app.py", *(REPO / "pages").glob("*.py"),
                      *(REPO / "dashboard").rglob("*.py"), *(REPO / "core").rglob("*.py"),
                      *(REPO / "models").rglob("*.py")])


def _encode(array: np.ndarray, fmt: str, **kw) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **kw)
    return buffer.getvalue()


def _noise(side: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)


# -- polyglots and type by content ------------------------------------------------------------


def test_polyglots_decode_as_the_image_they_start_with_and_nothing_else():
    """A PNG with a ZIP (or a script) appended is that PNG; the rest is never interpreted.
    An HTML page carrying a PNG further in is not an image: the type is read from the start."""
    rgb = _noise(16)
    png = _encode(rgb, "PNG")
    zip_tail = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(zip_tail, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    php_tail = b"<?php system($_GET['c']); ?>"
    for content in (png + zip_tail.getvalue(), png + php_tail):
        assert np.array_equal(decode_image(content), rgb)
        item = decode_upload("scan.png", content)
        assert isinstance(item, InputImage) and np.array_equal(item.rgb, rgb)

    jpeg = _encode(rgb, "JPEG", quality=95)
    assert decode_image(jpeg + php_tail).shape == (16, 16, 3)

    html_first = b"<html><body><img src='data:image/png;base64,'>" + png + b"</body></html>"
    item = decode_upload("scan.png", html_first)
    assert isinstance(item, BadUpload) and "Not an image" in item.message

    gifar = b"GIF89a/*" + b"\x00" * 16 + b"*/=alert(1);"  # GIF header that is also JavaScript
    item = decode_upload("anim.gif", gifar)
    assert isinstance(item, BadUpload) and "scan" not in item.message


def test_upload_type_comes_from_the_content_not_the_name():
    rgb = _noise(12, seed=3)
    as_png_name = decode_upload("really a jpeg.png", _encode(rgb, "JPEG", quality=95))
    assert isinstance(as_png_name, InputImage) and as_png_name.rgb.shape == (12, 12, 3)
    as_tif_name = decode_upload("really a png.tif", _encode(rgb, "PNG"))
    assert isinstance(as_tif_name, InputImage) and np.array_equal(as_tif_name.rgb, rgb)
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"
    refused = decode_upload("report.png", pdf)
    assert isinstance(refused, BadUpload) and "Not an image" in refused.message


# -- multi-frame ------------------------------------------------------------------------------


def test_multi_frame_files_give_their_first_frame_without_decoding_the_rest():
    """An animation of many frames, and a TIFF whose second page is a 6000x6000 scan: only
    the first frame is decoded, so the time and memory do not depend on the other frames."""
    gray = (np.arange(32 * 32).reshape(32, 32) % 256).astype(np.uint8)
    frames = [Image.fromarray(np.roll(gray, shift)) for shift in range(300)]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:], duration=10)
    started = time.perf_counter()
    item = decode_upload("animation.gif", gif.getvalue())
    assert time.perf_counter() - started < 2.0
    assert isinstance(item, InputImage) and np.array_equal(item.rgb, np.dstack([gray] * 3))

    first = _noise(32, seed=1)

    big_page = Image.new("L", (6000, 6000))
    tiff = io.BytesIO()
    Image.fromarray(first).save(tiff, format="TIFF", save_all=True, append_images=[big_page],
                                compression="tiff_deflate")
    started = time.perf_counter()
    item = decode_upload("pages.tif", tiff.getvalue())
    assert time.perf_counter() - started < 2.0
    assert isinstance(item, InputImage) and np.array_equal(item.rgb, first)


# -- datasets ---------------------------------------------------------------------------------


def _load_within(spec: DatasetSpec, seconds: float):
    """Load in a thread; fail (instead of hanging the suite) if it takes longer."""
    out: dict = {}

    def work() -> None:
        try:
            out["dataset"] = load_dataset(spec)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            out["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"loading {spec.kind} did not finish in {seconds} s (loop?)"
    if "error" in out:
        raise out["error"]
    return out["dataset"]


@pytest.mark.parametrize("kind", ["folders", "breakhis"])
def test_symlink_loops_do_not_hang_the_scan(tmp_path, kind):
    """Two loops per folder: followed, they would make the walk exponential (2^depth)."""
    if kind == "folders":
        root = class_folders(tmp_path / "d", {"benign": 3, "malignant": 3})
        folders = [root / "benign", root / "malignant"]
    else:
        root = breakhis_dataset(tmp_path / "d")
        folders = sorted({p.parent for p in root.rglob("*.png")})[:2]
    spec = DatasetSpec(name="d", kind=kind, path=str(root))
    clean = load_dataset(spec).table
    for folder in folders:
        (folder / "loop_to_root").symlink_to(root, target_is_directory=True)
        (folder / "loop_to_parent").symlink_to(folder.parent, target_is_directory=True)
        (folder / "self").symlink_to(folder / "self")  # a link to itself: ELOOP when opened
    looped = _load_within(spec, 30).table
    assert looped["sample_id"].tolist() == clean["sample_id"].tolist()


HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>.png",
    "**bold** [link](javascript:alert(1)) :red[x].png",
    "ctl\x1b[31m\u202egnp.exe.png",
    "zero\u200bwidth.png",
]


def test_file_names_with_html_markdown_and_control_characters_are_shown_escaped(
        tmp_path, monkeypatch):
    """The Datasets page's check shows sample images captioned with their file names; each
    caption must show the name as it is on disk (Markdown escaped, control and format
    characters as escape codes), never render it."""
    from tests.pages_manage.conftest import button, open_page

    root = class_folders(tmp_path / "named", {"malignant": 2})
    (root / "benign").mkdir()
    for i, name in enumerate(HOSTILE_NAMES):
        Image.fromarray(_noise(8, seed=10 + i)).save(root / "benign" / name, format="PNG")
    registry = tmp_path / "datasets.toml"
    save_spec(DatasetSpec(name="named", kind="folders", path=str(root)), registry)
    monkeypatch.setenv("LESIONLAB_DATASETS", str(registry))
    monkeypatch.setenv("LESIONLAB_STORE", str(tmp_path / "store"))

    at = open_page("pages/datasets.py")
    at.selectbox(key="datasets_selected").set_value("named").run()
    button(at, "Run the check").click().run()
    assert not at.exception, at.exception
    captions = [c for image in at.get("image") for c in image.proto.imgs for c in [c.caption]]
    shown = [c for c in captions if c.startswith("benign/")]
    assert len(shown) == len(HOSTILE_NAMES), captions
    for caption in shown:
        assert not any(ch in caption for ch in "\x1b\u202e\u200b"), repr(caption)
        for special in "<>*[]():":
            assert special not in caption.replace("\\" + special, ""), caption
    assert {as_read(c) for c in shown} == {visible(f"benign/{name}") for name in HOSTILE_NAMES}


def test_visible_shows_every_invisible_character_as_its_code():
    assert visible("a\u202egnp.exe") == "a\\u202egnp.exe"
    assert visible("x\x1b[0m\n\t\u200b\u2028") == "x\\x1b[0m\\x0a\\x09\\u200b\\u2028"
    assert visible("line\nbreak", keep="\n") == "line\nbreak"
    assert visible("<b>é 中文 🙂</b>") == "<b>é 中文 🙂</b>"  # visible text is left alone


# -- models -----------------------------------------------------------------------------------


def test_a_keras_file_that_runs_code_when_loaded_unsafely_is_refused(tmp_path):
    """A .keras file whose Lambda layer writes a file when the model is rebuilt: every loader
    the app uses refuses it (safe_mode=True) and the code never runs. The same file loaded
    with safe_mode=False does run it, which shows the file is a real attack."""
    import keras

    import models
    from core.store import ResultsStore, StoreError, run_id
    from tests.store import factories

    marker = tmp_path / "pwned"
    evil = eval(f"lambda x: (__import__('pathlib').Path({str(marker)!r}).touch(), x)[1]")
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Lambda(evil)(inputs)))
    path = tmp_path / "model.keras"
    model.save(path)
    marker.unlink()

    with pytest.raises(ValueError, match="safe_mode"):
        models.load_model(path)
    store = ResultsStore(tmp_path / "store")
    ident = factories.identity()
    stored = store.commit(run_id(ident), ident, factories.record(), factories.predictions(),
                          factories.history(), path)
    with pytest.raises(StoreError, match="safe_mode"):
        stored.load_model()
    assert not marker.exists()

    keras.saving.load_model(path, safe_mode=False)
    assert marker.exists()


# -- static scans ----------------------------------------------------------------------------


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            yield name, node


def test_no_raw_html_is_rendered_from_anything_but_a_literal():
    """unsafe_allow_html, st.html and components.html render HTML as given: allowed only with
    a string literal (nothing a user or a file could have put there)."""
    offenders = []
    for path in APP_SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for name, call in _calls(tree):
            unsafe = any(k.arg == "unsafe_allow_html" and not (
                isinstance(k.value, ast.Constant) and k.value.value is False)
                for k in call.keywords)
            raw_html = name == "html" and isinstance(call.func, ast.Attribute) and (
                getattr(call.func.value, "id", "") in ("st", "components"))
            if unsafe or raw_html:
                literal = call.args and isinstance(call.args[0], ast.Constant)
                if not literal:
                    offenders.append(f"{path.relative_to(REPO)}:{call.lineno}")
    assert offenders == []


def test_nothing_is_ever_unpickled_or_loaded_unsafely():
    """Pickles run code when loaded; Keras' safe_mode=False does too (Lambda layers)."""
    offenders = []
    for path in APP_SOURCES:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source, str(path))
        for name, call in _calls(tree):
            where = f"{path.relative_to(REPO)}:{call.lineno}"
            owner = getattr(getattr(call.func, "value", None), "id", "")
            if owner in ("pickle", "cPickle", "dill", "joblib", "cloudpickle", "shelve") and \
                    name in ("load", "loads", "open", "Unpickler"):
                offenders.append(where)
            if name in ("read_pickle", "Unpickler"):
                offenders.append(where)
            for keyword in call.keywords:
                value = keyword.value
                if keyword.arg == "allow_pickle" and not (
                        isinstance(value, ast.Constant) and value.value is False):
                    offenders.append(where)
                if keyword.arg == "safe_mode" and not (
                        isinstance(value, ast.Constant) and value.value is True):
                    offenders.append(where)
            if name == "load_model" and owner in ("saving", "keras") or (
                    isinstance(call.func, ast.Attribute) and name == "load_model"
                    and getattr(call.func.value, "attr", "") == "saving"):
                if not any(k.arg == "safe_mode" for k in call.keywords):
                    offenders.append(where + " (load_model without safe_mode=True)")
    assert offenders == []


def test_the_errors_page_shows_file_names_escaped(tmp_path, monkeypatch):
    from core.store import ResultsStore, run_id
    from tests.pages_manage.conftest import open_page
    from tests.store import factories

    store = ResultsStore(tmp_path / "store")
    predictions = factories.predictions()
    predictions["sample_id"] = [f"b/**{i}** [x](javascript:alert({i})) \u202e.png"
                                for i in range(len(predictions))]
    ident = factories.identity(dataset="not_declared")
    store.commit(run_id(ident), ident, factories.record(), predictions, factories.history(),
                 None)
    monkeypatch.setenv("LESIONLAB_STORE", str(store.root))
    monkeypatch.setenv("LESIONLAB_DATASETS", str(tmp_path / "datasets.toml"))
    at = open_page("pages/errors.py")
    assert not at.exception, at.exception
    shown = [c.value for c in at.caption if "javascript" in c.value]
    assert shown, [c.value for c in at.caption]
    for caption in shown:
        assert "\u202e" not in caption
        for special in "*[]()":
            assert special not in caption.replace("\\" + special, ""), caption
