"""Bring your own Keras model: a tiny real model saved to .keras is imported (safe mode),
predicts the demo's val and test images through its declared preprocessing, and is stored with
its model so Explain and Grad-CAM work on it; a model that needs unsafe code is refused.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from core.datasets.images import decode_image, resize_for_model
from core.explain import RunModel, predict
from core.imports import ImportRejected, import_model, stores_model
from core.imports.target import load_target
from core.saliency import get_explainer
from core.store import ResultsStore

SIZE = 24


def tiny_cnn() -> keras.Model:
    """A functional CNN taking [0, 1] images (so --preprocessing scale01 is needed)."""
    keras.utils.set_random_seed(0)
    image = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="features")(image)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(image, keras.layers.Dense(2, activation="softmax")(x))


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model_import")
    model = tiny_cnn()
    model.save(folder / "colleague.keras")
    store = ResultsStore(folder / "store")
    result = import_model(folder / "colleague.keras", "demo", "colleague_cnn",
                          preprocessing="scale01", store=store)
    return model, result, store, folder


def test_imported_model_predicts_val_and_test_through_its_preprocessing(imported):
    model, result, store, _ = imported
    run = result.run
    assert result.stored and run.identity["source"] == "imported" and stores_model(run.record)
    assert run.record["model"]["input_size"] == SIZE
    assert run.record["model"]["head"] == "softmax"
    assert run.record["model"]["last_conv_layer"] == "features"
    target = load_target("demo")
    stored = run.predictions()
    expected = target.splits[target.splits.isin(["val", "test"])].value_counts().to_dict()
    assert stored["split"].value_counts().to_dict() == expected
    table = target.dataset.table.set_index("sample_id")
    some = stored[stored["split"] == "test"].head(4)
    x = np.stack([resize_for_model(decode_image(table.at[s, "path"]), SIZE)
                  for s in some["sample_id"]])
    np.testing.assert_allclose(some[["prob_0", "prob_1"]].to_numpy(),
                               model.predict(x / 255.0, verbose=0), atol=1e-4)
    assert store.list_runs().iloc[0][["strategy", "profile"]].tolist() == ["imported", "keras"]


def test_explain_and_gradcam_work_on_the_stored_model(imported):
    _, result, _, _ = imported
    run = result.run
    stored_model = run.load_model()
    explained = RunModel.from_record(run.run_id, "colleague", run.record)
    target = load_target("demo")
    path = target.dataset.table["path"].iloc[0]
    image = decode_image(path)
    (prediction,) = predict(stored_model, explained, [image])
    assert abs(sum(prediction.probabilities) - 1.0) < 1e-6
    explainer = get_explainer(stored_model, "gradcam", head=explained.head,
                              penultimate_layer=explained.last_conv_layer)
    maps = explainer.explain(prediction.model_input[None])
    assert maps.shape == (1, SIZE, SIZE) and 0.0 <= maps.min() <= maps.max() <= 1.0


def test_the_same_file_is_stored_once(imported):
    _, result, store, folder = imported
    again = import_model(folder / "colleague.keras", "demo", "other name",
                         preprocessing="scale01", store=store)
    assert not again.stored and again.run.run_id == result.run.run_id
    assert len(store.list_runs()) == 1


def test_a_model_with_a_lambda_layer_is_refused(tmp_path):
    model = keras.Sequential([keras.Input((SIZE, SIZE, 3)), keras.layers.Lambda(lambda t: t / 255),
                              keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")])
    model.save(tmp_path / "lambda.keras")
    store = ResultsStore(tmp_path / "store")
    with pytest.raises(ImportRejected) as caught:
        import_model(tmp_path / "lambda.keras", "demo", "unsafe", store=store)
    assert "needs to run Python code stored in it (e.g. a Lambda layer)" in str(caught.value)
    assert "Lambda" in str(caught.value).split("never does:")[1]  # Keras' own reason
    assert store.list_runs().empty


def test_wrong_outputs_and_unknown_layer_are_refused(tmp_path):
    three = keras.Sequential([keras.Input((SIZE, SIZE, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(3, activation="softmax")])
    three.save(tmp_path / "three.keras")
    with pytest.raises(ImportRejected, match="has 3 output unit.*dataset 'demo' has 2 classes"):
        import_model(tmp_path / "three.keras", "demo", "x", store=ResultsStore(tmp_path / "s"))
    tiny_cnn().save(tmp_path / "cnn.keras")
    with pytest.raises(ImportRejected, match="no layer 'conv9'"):
        import_model(tmp_path / "cnn.keras", "demo", "x", last_conv_layer="conv9",
                     store=ResultsStore(tmp_path / "s"))
