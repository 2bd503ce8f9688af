"""The background model import (what Compare's upload queues): a real tiny Keras model is
imported by the runner and stored with its model; a cancel before predicting stores nothing;
a model that does not fit the dataset fails with the importer's message; a staged upload is
removed whatever the outcome."""

from __future__ import annotations

import io

import keras
import pytest

from core.imports.upload import stage
from core.jobs import CACHED, CANCELLED, DONE, FAILED
from core.jobs.import_model import (ModelImportJob, ModelImportRunner, ModelImportTask,
                                    run_model_import)
from core.store import ResultsStore

SIZE = 16


def tiny_model(units: int = 1) -> keras.Model:
    keras.utils.set_random_seed(0)
    image = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Conv2D(2, 3, name="conv")(image)
    x = keras.layers.GlobalAveragePooling2D()(x)
    activation = "sigmoid" if units == 1 else "softmax"
    return keras.Model(image, keras.layers.Dense(units, activation=activation)(x))


@pytest.fixture(scope="module")
def model_bytes(tmp_path_factory) -> dict[int, bytes]:
    folder = tmp_path_factory.mktemp("job_models")
    out = {}
    for units in (1, 3):
        tiny_model(units).save(folder / f"m{units}.keras")
        out[units] = (folder / f"m{units}.keras").read_bytes()
    return out


def test_the_runner_stores_the_model_and_removes_the_staged_file(model_bytes, tmp_path):
    store = ResultsStore(tmp_path / "store")
    runner = ModelImportRunner(store)
    try:
        path = stage("colleague.keras", io.BytesIO(model_bytes[1]))
        job = runner.submit(ModelImportTask(path, "demo", "colleague", staged=True))
        assert job.wait(timeout=300)
        snap = job.snapshot()
        assert snap.status == DONE and snap.fraction == 1.0, snap.error
        run = store.get(snap.run_id)
        assert run.model_path is not None and run.record["model"]["last_conv_layer"] == "conv"
        assert run.record["import"]["file"] == "colleague.keras"
        assert not path.parent.exists()
        again = runner.submit(ModelImportTask(stage("same.keras", io.BytesIO(model_bytes[1])),
                                              "demo", "other name", staged=True))
        assert again.wait(timeout=300)
        assert again.snapshot().status == CACHED and again.snapshot().run_id == snap.run_id
        assert [s.id for s in runner.jobs()] == [again.id, job.id]
    finally:
        runner.shutdown(wait=True, timeout=60)


class CancelWhenPredicting(ModelImportJob):
    """The user presses Cancel while the model is loaded: the next step raises."""

    def event(self, event: dict) -> None:
        if event.get("event") == "predicting":
            self.cancel()
        super().event(event)


def test_a_cancel_before_predicting_stores_nothing(model_bytes, tmp_path):
    store = ResultsStore(tmp_path / "store")
    path = stage("m.keras", io.BytesIO(model_bytes[1]))
    job = CancelWhenPredicting(ModelImportTask(path, "demo", "cancelled", staged=True))
    run_model_import(job, store)
    snap = job.snapshot()
    assert snap.status == CANCELLED and snap.done and snap.run_id is None
    assert snap.detail.startswith("cancelled before predicting the val images (")
    assert snap.detail.endswith("); nothing stored")
    assert store.list_runs().empty and not path.parent.exists()


def test_a_model_that_does_not_fit_fails_with_the_importers_message(model_bytes, tmp_path):
    store = ResultsStore(tmp_path / "store")
    path = stage("three.keras", io.BytesIO(model_bytes[3]))
    job = ModelImportJob(ModelImportTask(path, "demo", "three", staged=True))
    run_model_import(job, store)
    snap = job.snapshot()
    assert snap.status == FAILED and snap.done
    assert snap.error.startswith("The model has 3 output unit(s); dataset 'demo' has 2 classes")
    assert "lesionlab-upload-" not in snap.error  # the private folder is not shown
    assert store.list_runs().empty and not path.parent.exists()
