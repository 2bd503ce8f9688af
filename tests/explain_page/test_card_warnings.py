"""Issue 16's Explain frictions in AppTest, on the real trained demo runs: warnings on the
prediction card when the image or the model is far from its training data, a colour scale
under every saliency map, and a link's ``class`` choosing the class the maps explain.

The demo runs trained on 50x50 px SYNTHETIC patches from random weights (``idc_initial`` and
``idc_own`` cannot start from ImageNet), so a 640x360 photograph gets all four warnings per
model and a 50x50 dataset patch only the two about the model.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from core.store.record import RunRecord
from dashboard.explain.grid import SCALE_CAPTION, SCALE_MEANING
from dashboard.text import as_read
from tests.explain_page.conftest import new_page, no_exceptions, png_bytes, texts

FLAT = "Flat map"


def _card_warnings(at, start: str) -> list[str]:
    return [w for w in (as_read(x.value) for x in at.warning) if start in w]


def test_the_records_keep_the_training_images_size(store_env, run_ids):
    for run_id in run_ids:
        size = RunRecord.from_dict(store_env.get(run_id).record).data.image_size
        assert (size.median_width, size.median_height, size.median_aspect) == (50, 50, 1)
        assert size.images > 0


def test_a_large_landscape_photo_is_warned_on_the_card_and_maps_have_a_colour_scale(
        store_env, run_ids, demo_like_image):
    photo = np.asarray(Image.fromarray(demo_like_image).resize((640, 360)))
    at = new_page()
    at.run()
    at.file_uploader(key="explain.uploads").upload("photo.png", png_bytes(photo), "image/png")
    at.run()
    no_exceptions(at)

    for start in ("Another size class: this image is 640x360 px, about 13 times larger than "
                  "the images this model trained on (typically 50x50 px)",
                  "Another shape: this image is wider than tall (width:height 1.78)",
                  "Trained on SYNTHETIC demo data", "Trained from scratch"):
        assert len(_card_warnings(at, start)) == len(run_ids), start
    # One warning box per model, naming it first.
    boxes = _card_warnings(at, "Another size class")
    assert all(box.split("\n")[0].startswith("**") for box in boxes)

    captions = [c for image in at.image for c in image.captions]
    scales = sum(c == SCALE_CAPTION for c in captions)
    flat = sum(c.value.startswith(FLAT) for c in at.caption)
    assert scales + flat == 2 * len(run_ids)  # Grad-CAM and vanilla gradients per model
    assert scales > 0
    assert SCALE_MEANING in [c.value for c in at.caption]


def test_a_link_with_a_class_explains_that_class_and_a_patch_gets_no_image_warning(
        store_env, run_ids):
    run_id = run_ids[0]
    predictions = store_env.get(run_id).predictions()
    test = predictions[predictions["split"] == "test"]
    sample = test[test["label"] == "malignant"].iloc[0]["sample_id"]
    at = new_page(run=run_id, sample=sample, **{"class": "malignant"})
    at.run()
    no_exceptions(at)
    chosen = at.multiselect(key="explain.runs").value  # the linked run
    assert run_id in chosen
    assert at.selectbox(key="explain.target").value == "malignant"
    assert texts(at).count("explained: class malignant") == len(chosen)
    assert not _card_warnings(at, "Another size class")  # a 50x50 patch, like training's
    assert not _card_warnings(at, "Another shape")
    assert len(_card_warnings(at, "Trained on SYNTHETIC demo data")) == len(chosen)

    # A later choice on the page stays: the link is applied once.
    at.selectbox(key="explain.target").set_value("the predicted class").run()
    no_exceptions(at)
    assert at.selectbox(key="explain.target").value == "the predicted class"


def test_a_link_naming_an_unknown_class_says_so_and_explains_the_call(store_env, run_ids):
    predictions = store_env.get(run_ids[0]).predictions()
    sample = predictions[predictions["split"] == "test"].iloc[0]["sample_id"]
    at = new_page(run=run_ids[0], sample=sample, **{"class": "not malignant"})
    at.run()
    no_exceptions(at)
    assert any("no chosen model has" in w.value for w in at.warning)
    assert "class = not malignant" in texts(at)
    assert at.selectbox(key="explain.target").value == "the predicted class"
