"""The Explain page in Streamlit's AppTest, on real briefly trained demo runs.

Every number the tests compare with is recomputed here from the stored model (loaded
separately), so a page that showed a cached, stale or made-up value would fail.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np
import pytest

from core.datasets.images import decode_image, resize_for_model
from core.explain import image_digest
from core.saliency import deletion_curve, explainer_cache_info, get_explainer
from dashboard.explain.maps import ExplainKey
from dashboard.text import as_read
from tests.explain_page.conftest import (APP, TIMEOUT, header_only_png, huge_real_png,
                                         new_page, no_exceptions, png_bytes, prediction_tables,
                                         texts)

RESULTS = "lesionlab.explain.results"


def own_output(store, run_id: str, image_bytes: bytes):
    """The stored model's own probabilities on the image, resized exactly as in training."""
    stored = store.get(run_id)
    model = stored.load_model()
    size = stored.record["model"]["input_size"]
    x = resize_for_model(decode_image(image_bytes), size)
    return model, x, model.predict(x[None], verbose=0)[0]


def test_empty_store_shows_an_empty_state_through_navigation(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LESIONLAB_STORE", str(tmp_path / "empty_store"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/explain.py").run()
    no_exceptions(at)
    assert [t.value for t in at.title] == ["Explain an image"]
    assert any("No trained runs yet" in i.value for i in at.info)
    assert not at.file_uploader  # nothing to explain with, so nothing to upload


def test_upload_predictions_equal_the_models_own_output_and_gradcam_appears(
        store_env, run_ids, demo_like_image):
    content = png_bytes(demo_like_image)
    at = new_page()
    at.run()
    no_exceptions(at)
    assert sorted(at.multiselect(key="explain.runs").value) == sorted(run_ids)
    at.file_uploader(key="explain.uploads").upload("patch 64px.png", content, "image/png")
    at.run()
    no_exceptions(at)

    (table,) = prediction_tables(at)
    assert sorted(table["run_id"]) == sorted(run_ids)
    for run_id in run_ids:
        model, x, probs = own_output(store_env, run_id, content)
        row = table[table["run_id"] == run_id].iloc[0]
        assert row["P(predicted)"] == pytest.approx(float(probs.max()), abs=1e-6)
        assert row["P(positive)"] == pytest.approx(float(probs[1]), abs=1e-6)
        assert row["predicted class"] == ["benign", "malignant"][int(np.argmax(probs))]
        assert row["threshold"] == pytest.approx(0.5)
        assert row["called positive"] == bool(probs[1] >= 0.5)

    captions = [c for image in at.image for c in image.captions]
    assert sum(c.startswith("Grad\\-CAM ·") for c in captions) == len(run_ids)
    assert sum(c.startswith("Vanilla gradients ·") for c in captions) == len(run_ids)
    assert sum("its input \\(50x50\\)" in c for c in captions) == len(run_ids)

    # The Grad-CAM map behind the overlay is the real one: recompute it with a separately
    # loaded copy of the model and compare.
    run_id = run_ids[0]
    model, x, probs = own_output(store_env, run_id, content)
    record = store_env.get(run_id).record["model"]
    expected = get_explainer(model, "gradcam", head=record["head"],
                             penultimate_layer=record["last_conv_layer"]).explain(
        x[None], int(np.argmax(probs)))[0]
    digest = image_digest(decode_image(content))
    shown = at.session_state[RESULTS].get(ExplainKey("map", digest, run_id, "gradcam",
                                                     int(np.argmax(probs)), ()))
    np.testing.assert_allclose(shown, expected, atol=1e-5)


def test_bad_uploads_each_get_a_message_and_the_good_one_is_still_predicted(
        store_env, run_ids, demo_like_image):
    good = png_bytes(demo_like_image)
    bad = {
        "empty.png": (b"", "Image is empty (0 bytes)"),
        "notes.png": (b"patient notes, not an image\n", "Not an image that can be read"),
        "cut.png": (good[: len(good) // 2], "truncated or corrupt"),
        "bomb.png": (header_only_png(100_000, 100_000), "too many pixels"),
        "big.png": (header_only_png(8000, 8000), "too many pixels (8000x8000"),
        "scan 20000px.png": (huge_real_png(20000), "400,000,000 pixels"),
    }
    at = new_page()
    at.run()
    uploader = at.file_uploader(key="explain.uploads")
    for name, (content, _) in bad.items():
        uploader.upload(name, content, "image/png")
    uploader.upload("good.png", good, "image/png")
    started = time.time()
    at.run()
    no_exceptions(at)
    # Nothing from the uploads (file bytes or decoded pixels) was written under the app's
    # folders (state root, store).
    traces = (good[100:164], demo_like_image.tobytes()[:192], b"patient notes")
    for root in (Path(os.environ["LESIONLAB_HOME"]), store_env.root):
        for path in root.rglob("*"):
            if path.is_file() and path.stat().st_mtime >= started - 1:
                content = path.read_bytes()
                assert not any(trace in content for trace in traces), path

    assert len(at.error) == 1 and "6 of 7 uploaded file(s) cannot be used" in at.error[0].value
    lines = texts(at)
    for name, (_, message) in bad.items():
        named = [t for t in lines if t.startswith(f"{name}: ")]
        assert len(named) == 1, f"no single message names {name}"
        assert message in named[0]
    (table,) = prediction_tables(at)
    assert sorted(table["run_id"]) == sorted(run_ids)
    assert any(t.startswith("good.png  (64x64 px)") for t in lines)

    at.run()  # the app keeps running with the same uploads
    no_exceptions(at)
    assert len(prediction_tables(at)) == 1


def test_a_dataset_test_image_shows_its_true_label(store_env, run_ids):
    at = new_page()
    at.run()
    at.radio(key="explain.source").set_value("Dataset test image").run()
    run_id = at.selectbox(key="explain.dataset_run").value
    predictions = store_env.get(run_id).predictions()
    test = predictions[predictions["split"] == "test"]
    sample = test[test["label"] == "malignant"].iloc[0]
    at.selectbox(key="explain.sample").set_value(sample["sample_id"]).run()
    no_exceptions(at)
    assert f"True label: malignant  (test split of dataset demo)" in texts(at)
    assert sample["sample_id"] + "  (50x50 px)" in texts(at)
    # The view is now a shareable link.
    assert at.query_params["run"] == run_id
    assert at.query_params["sample"] == sample["sample_id"]
    (table,) = prediction_tables(at)
    assert len(table) == len(run_ids)


def test_link_preselects_the_run_and_the_sample(store_env, run_ids):
    run_id = run_ids[-1]
    predictions = store_env.get(run_id).predictions()
    sample = predictions[predictions["split"] == "val"].iloc[3]  # the Errors gallery may link val
    at = new_page(run=run_id, sample=sample["sample_id"])
    at.run()
    no_exceptions(at)
    assert run_id in at.multiselect(key="explain.runs").value
    assert at.radio(key="explain.source").value == "Dataset test image"
    assert at.selectbox(key="explain.dataset_run").value == run_id
    assert at.selectbox(key="explain.sample").value == sample["sample_id"]
    assert f"True label: {sample['label']}  (val split of dataset demo)" in texts(at)


def test_a_link_to_an_unknown_run_says_so_and_the_page_still_works(store_env):
    at = new_page(run="0" * 20, sample="nothing.png")
    at.run()
    no_exceptions(at)
    assert any("not in the results store" in w.value for w in at.warning)
    assert f"run = {'0' * 20}" in texts(at)
    assert at.radio(key="explain.source").value == "Upload images"


def test_new_maps_reuse_the_explainers_and_sanity_checks_are_real(
        store_env, run_ids, demo_like_image):
    content = png_bytes(demo_like_image)
    at = new_page()
    at.run()
    run_id = run_ids[0]
    at.multiselect(key="explain.runs").set_value([run_id])
    at.file_uploader(key="explain.uploads").upload("patch.png", content, "image/png")
    at.run()
    at.multiselect(key="explain.methods").set_value(["gradcam"]).run()
    no_exceptions(at)

    # Another class on the same image and model: a new map, but no explainer is rebuilt.
    before = explainer_cache_info()
    other = "malignant" if at.selectbox(key="explain.target").value != "malignant" else "benign"
    at.selectbox(key="explain.target").set_value(other).run()
    no_exceptions(at)
    after = explainer_cache_info()
    assert after.misses == before.misses and after.hits > before.hits
    # Opacity only redraws: no map is computed, so the explainer cache is not even asked.
    stored = len(at.session_state[RESULTS])
    at.slider(key="explain.opacity").set_value(0.8).run()
    assert explainer_cache_info().hits == after.hits
    assert len(at.session_state[RESULTS]) == stored

    at.toggle(key="explain.sanity").set_value(True).run()
    no_exceptions(at)
    verdicts = [m.value for m in (*at.success, *at.error) if "Randomized model" in m.value]
    assert len(verdicts) == 1
    (words,) = [w for w in map(as_read, (c.value for c in at.caption))
                if w.startswith("Deletion: area")]
    area = float(re.search(r"Deletion: area (\d\.\d{3})", words).group(1))
    random_area = float(re.search(r"random order (\d\.\d{3})", words).group(1))
    # Recompute the deletion curve from the page's own map with a separately loaded model.
    model, x, probs = own_output(store_env, run_id, content)
    index = ["benign", "malignant"].index(other)
    digest = image_digest(decode_image(content))
    saliency = at.session_state[RESULTS].get(ExplainKey("map", digest, run_id, "gradcam", index,
                                                        ()))
    curve = deletion_curve(model, x, saliency, head="softmax", class_index=index)
    assert area == pytest.approx(curve.area, abs=6e-4)
    assert random_area == pytest.approx(curve.random_area, abs=6e-4)
    labels = [b.label for b in at.get("download_button")]
    assert "Overlay PNG" in labels and "Sanity scores (CSV)" in labels


def test_the_shared_threshold_in_the_link_decides_the_call(store_env, run_ids):
    run_id = run_ids[0]
    predictions = store_env.get(run_id).predictions()
    sample = predictions[predictions["split"] == "test"].iloc[0]
    at = new_page(run=run_id, sample=sample["sample_id"], t="0.05")
    at.run()
    no_exceptions(at)
    (table,) = prediction_tables(at)
    assert (table["threshold"] == 0.05).all()
    assert (table["called positive"] == (table["P(positive)"] >= 0.05)).all()
    at.query_params["t"] = "0.95"
    at.run()
    (table,) = prediction_tables(at)
    assert (table["threshold"] == 0.95).all()
    assert (table["called positive"] == (table["P(positive)"] >= 0.95)).all()
