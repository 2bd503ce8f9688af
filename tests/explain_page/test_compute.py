"""The page's Streamlit-free parts: predictions per head, thresholds, cancel, display helpers.

Small real Keras models (the saliency tests' tiny CNNs) stand in for registry models where a
head the demo runs do not have (sigmoid, three classes) must be checked.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from core.saliency import SaliencyCancelled
from core.evaluation import decide
from core.explain import (Prediction, RunModel, decision_text, deletion_words, explain,
                          image_digest, predict, sanity_check)
from dashboard.explain.format import (DISPLAY_MAX, DISPLAY_MIN, display_image, display_map,
                                      export_image, file_stem, predictions_table)
from dashboard.explain.inputs import BadUpload, InputImage, decode_upload
from dashboard.explain.maps import ExplainKey, MapSettings, explain_key
from dashboard.explain.session import Results
from dashboard.text import literal
from tests.explain_page.conftest import png_bytes
from tests.saliency.conftest import SIZE, square_images, tiny_cnn


def run_model(head: str, class_names=("benign", "malignant"), positive: int | None = 1):
    record = {"class_names": list(class_names), "positive_index": positive,
              "synthetic_data": False,
              "model": {"head": head, "last_conv_layer": "last_conv", "input_size": SIZE,
                        "title": "tiny"}}
    return RunModel.from_record("r" * 20, "tiny run", record)


@pytest.fixture(scope="module")
def uint8_images():
    images, _, _ = square_images(4, seed=5)
    return [np.round(im).astype(np.uint8) for im in images]


def test_sigmoid_head_probability_is_the_output_and_the_score_is_thresholded(uint8_images):
    model = tiny_cnn("sigmoid", seed=2)
    run = run_model("sigmoid")
    predictions = predict(model, run, uint8_images)
    raw = model.predict(np.stack(uint8_images).astype(np.float32), verbose=0).reshape(-1)
    for prediction, p in zip(predictions, raw):
        assert prediction.probabilities == pytest.approx((1 - p, p), abs=1e-6)
        assert prediction.score(run.positive_index) == pytest.approx(p, abs=1e-6)
        assert prediction.predicted == int(p > 0.5)
        threshold = float(p)  # exactly at the threshold counts as positive
        assert decide(prediction.score(1), threshold) is True
        assert decision_text(run, prediction, threshold).startswith("malignant (")
        assert decide(prediction.score(1), min(threshold + 1e-3, 1.0)) is False


def test_multiclass_run_without_positive_class_has_no_threshold(uint8_images):
    model = tiny_cnn("softmax", n_classes=3, seed=3)
    run = run_model("softmax", ("a", "b", "c"), positive=None)
    (prediction,) = predict(model, run, uint8_images[:1])
    raw = model.predict(uint8_images[0][None].astype(np.float32), verbose=0)[0]
    assert prediction.probabilities == pytest.approx(tuple(raw), abs=1e-6)
    assert prediction.predicted == int(np.argmax(raw))
    assert prediction.score(run.positive_index) is None
    assert decision_text(run, prediction, None).startswith("no threshold")
    table = predictions_table([run], {run.run_id: prediction}, {})
    assert table.loc[0, "P(c)"] == pytest.approx(raw[2], abs=1e-6)
    assert np.isnan(table.loc[0, "threshold"])


def test_images_are_resized_like_training_before_the_model_sees_them():
    model = tiny_cnn("softmax", seed=4)
    run = run_model("softmax")
    big = np.random.default_rng(0).integers(0, 256, (97, 61, 3), dtype=np.uint8)
    (prediction,) = predict(model, run, [big])
    assert prediction.model_input.shape == (SIZE, SIZE, 3)
    assert prediction.model_input.dtype == np.float32


def test_a_set_cancel_event_stops_smoothgrad_after_its_first_chunk(uint8_images):
    model = tiny_cnn("softmax", seed=6)
    run = run_model("softmax")
    (prediction,) = predict(model, run, uint8_images[:1])
    cancel, reports = threading.Event(), []

    def progress(fraction: float) -> None:
        reports.append(fraction)
        cancel.set()  # as the Stop button's callback does, from another script run

    with pytest.raises(SaliencyCancelled):
        explain(model, run, "smoothgrad", prediction.model_input, 1,
                {"samples": 400, "chunk": 4}, progress=progress, cancel=cancel)
    assert reports == [pytest.approx(4 / 400)]


def test_sanity_progress_runs_once_from_zero_to_one_over_both_maps(uint8_images):
    model = tiny_cnn("softmax", seed=7)
    run = run_model("softmax")
    (prediction,) = predict(model, run, uint8_images[:1])
    saliency = explain(model, run, "smoothgrad", prediction.model_input, 1,
                       {"samples": 8, "chunk": 4})
    reports: list[float] = []
    check = sanity_check(model, run, "smoothgrad", prediction.model_input, saliency, 1,
                         {"samples": 8, "chunk": 4}, progress=reports.append)
    assert reports == sorted(reports) and reports[-1] == pytest.approx(1.0)
    assert any(0.4 < r < 0.6 for r in reports)  # the trained map ends half way
    assert -1.0 <= check.rank_correlation <= 1.0 or np.isnan(check.rank_correlation)
    assert check.deletion.class_index == 1 and len(check.deletion.scores) == 21
    assert ("Passes" in check.randomization_words) == check.passes_randomization


def test_uploads_decode_in_memory_and_bad_ones_name_their_file():
    rgb = np.random.default_rng(1).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    good = decode_upload("a.png", png_bytes(rgb))
    assert isinstance(good, InputImage)
    np.testing.assert_array_equal(good.rgb, rgb)
    assert good.digest == image_digest(rgb) != image_digest(rgb[:, ::-1])
    bad = decode_upload("a [b](c).png", b"GIF89a")
    assert isinstance(bad, BadUpload) and "a [b](c).png" in bad.message


def test_explain_key_names_the_image_run_method_class_and_that_methods_options():
    rgb = np.zeros((6, 8, 3), dtype=np.uint8)
    image = decode_upload("a.png", png_bytes(rgb))
    smooth = (("noise", 0.2), ("samples", 8))
    chosen = MapSettings(("gradcam", "smoothgrad"), None, {"smoothgrad": smooth}, sanity=True)
    key = explain_key("map", image, "run1", "smoothgrad", 1, chosen)
    assert key == ExplainKey("map", image_digest(rgb), "run1", "smoothgrad", 1, smooth)
    # A method without options in the settings gets none; another class is another key.
    assert explain_key("map", image, "run1", "gradcam", 1, chosen).options == ()
    assert explain_key("map", image, "run1", "smoothgrad", 0, chosen) != key
    # A map's sanity check differs from the map only in kind, and leads back to the same map.
    check = key.of_kind("sanity")
    assert check == explain_key("sanity", image, "run1", "smoothgrad", 1, chosen) != key
    assert check.of_kind("map") == key and hash(check.of_kind("map")) == hash(key)
    # The same image decoded again (another upload of the same pixels) finds the same entry.
    assert explain_key("map", decode_upload("b.png", png_bytes(rgb)), "run1", "smoothgrad", 1,
                       chosen) == key


def test_display_sizes_keep_pixels_and_aspect():
    small = np.arange(50 * 40 * 3, dtype=np.uint8).reshape(50, 40, 3)
    shown = display_image(small)
    factor = shown.shape[0] // 50
    assert max(shown.shape[:2]) >= DISPLAY_MIN and shown.shape[:2] == (50 * factor, 40 * factor)
    np.testing.assert_array_equal(shown[::factor, ::factor], small)
    large = np.zeros((3000, 1500, 3), dtype=np.uint8)
    assert display_image(large).shape == (DISPLAY_MAX, DISPLAY_MAX // 2, 3)
    assert export_image(large) is not None and export_image(large).shape == large.shape
    assert export_image(small).shape == shown.shape


def test_display_map_undoes_a_squeezed_range_and_flags_flat_maps():
    squeezed = np.linspace(0, 0.03, 100, dtype=np.float32).reshape(10, 10)
    stretched, flat = display_map(squeezed)
    assert not flat and stretched.min() == 0 and stretched.max() == pytest.approx(1.0)
    assert np.array_equal(np.argsort(stretched, axis=None), np.argsort(squeezed, axis=None))
    zeros, flat = display_map(np.zeros((5, 5), np.float32))
    assert flat and not zeros.any()


def test_text_from_users_cannot_become_markdown():
    escaped = literal("**x** [link](http://e.x) ![i](y) `c` :red[z] $m$ <b>")
    for ch in "*[]()`:$<>!":
        assert ch not in escaped.replace(f"\\{ch}", "")
    assert file_stem("../../etc/pass wd.png") == "pass_wd"
    assert file_stem("C:\\scans\\a b?.tif") == "a_b"


def test_results_memory_is_bounded_and_least_recently_used_goes_first():
    memory = Results(max_entries=3)
    for key in "abc":
        memory.put(key, key)
    memory.get("a")
    memory.put("d", "d")
    assert "b" not in memory and all(k in memory for k in "acd") and len(memory) == 3


def test_predictions_table_rows_follow_the_runs(uint8_images):
    model = tiny_cnn("softmax", seed=8)
    run = run_model("softmax")
    (prediction,) = predict(model, run, uint8_images[:1])
    table = predictions_table([run], {run.run_id: prediction}, {run.run_id: 0.25})
    row = table.iloc[0]
    assert row["P(predicted)"] == pytest.approx(prediction.probability)
    assert row["called positive"] == (prediction.probabilities[1] >= 0.25)
    assert isinstance(prediction, Prediction)


def _curve(scores, random_scores):
    from core.saliency import DeletionCurve

    x = np.linspace(0, 1, len(scores))
    return DeletionCurve(1, "mean", tuple(x), tuple(scores), tuple(random_scores),
                         float(np.trapezoid(scores, x)), float(np.trapezoid(random_scores, x)))


def test_deletion_words_do_not_call_equal_areas_a_win():
    falling, slow = [0.9, 0.2, 0.1], [0.9, 0.8, 0.7]
    assert _curve(falling, slow).verdict == "faster"
    assert _curve(slow, falling).verdict == "slower"
    assert _curve(slow, [0.9, 0.8, 0.7001]).verdict == "same"
    flat = _curve([0.688, 0.6881, 0.688], [0.688, 0.688, 0.6879])
    assert flat.verdict == "flat"
    assert "does not depend on the image" in deletion_words(flat)
    assert "falls faster" in deletion_words(_curve(falling, slow))
