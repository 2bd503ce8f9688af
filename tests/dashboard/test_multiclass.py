"""A real three-class run (BUSI: benign / malignant / normal) on Compare and Errors.

Multiclass runs get the K x K confusion matrix and one-vs-rest ROC instead of the binary
panels.  The run is trained here, briefly (one epoch on 200 images), on the real BUSI images in
``../shared/data`` (skips when they are absent).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.datasets import DatasetSpec, save_spec
from core.evaluation import multiclass_from_predictions
from core.store import ResultsStore
from core.training import RunSpec, train_run
from tests.dashboard.conftest import chart_by_title, no_exception, open_page

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def multiclass_store(shared_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("multiclass")
    registry = root / "datasets.toml"
    save_spec(DatasetSpec(name="busi3", kind="folders", path=str(shared_data / "busi_256"),
                          task="multiclass", positive_class="malignant",
                          # BUSI holds one image under both benign and malignant: the check
                          # refuses it as declared; keep one copy.
                          duplicates="drop"), registry)
    store = ResultsStore(root / "store")
    run = train_run(RunSpec("busi3", "idc_initial", overrides={
        "epochs": 1, "max_train_images": 200, "batch_size": 32}), store, registry_path=registry)
    mp = pytest.MonkeyPatch()
    mp.setenv("LESIONLAB_STORE", str(store.root))
    mp.setenv("LESIONLAB_DATASETS", str(registry))
    yield store, run
    mp.undo()


def test_multiclass_run_gets_the_k_by_k_views(multiclass_store):
    store, run = multiclass_store
    at = open_page("pages/compare.py", {"runs": run.run_id})
    no_exception(at)
    names = tuple(run.record["class_names"])
    assert len(names) == 3
    mc = multiclass_from_predictions(run.predictions(), list(names))
    spec = chart_by_title(at, "Confusion matrix (arg-max class")
    cells = spec["data"][0]
    counts = np.vectorize(lambda s: int(str(s).split("<br>")[0]))(np.array(cells["text"]))
    np.testing.assert_array_equal(counts, mc.confusion)
    roc = chart_by_title(at, "One-vs-rest ROC")
    curves = [t["meta"]["run"] for t in roc["data"] if t["meta"]["role"] == "curve"]
    assert curves == [c for c in names if c in mc.roc]
    assert not at.slider  # no threshold control: the call is the arg-max class
    assert "Metrics at the current threshold" not in json.dumps([s.value for s in at.subheader])


def test_errors_page_takes_the_one_vs_rest_view(multiclass_store):
    _, run = multiclass_store
    at = open_page("pages/errors.py", {"run": run.run_id})
    no_exception(at)
    assert any("one-vs-rest" in i.value for i in at.info)
    assert at.get("image")  # thumbnails read from the real BUSI files


def test_thumbnails_of_an_array_dataset_come_from_its_arrays(shared_data, tmp_path, monkeypatch):
    from core.datasets import load_dataset
    from dashboard.errors import thumbnail

    registry = tmp_path / "datasets.toml"
    spec = DatasetSpec(name="breastmnist", kind="medmnist",
                       path=str(shared_data / "breastmnist" / "breastmnist.npz"),
                       class_names=("malignant", "normal+benign"))
    save_spec(spec, registry)
    monkeypatch.setenv("LESIONLAB_DATASETS", str(registry))
    ds = load_dataset(spec)
    row = ds.table.iloc[5]
    image, why = thumbnail("breastmnist", row["sample_id"], size=160)
    assert why == ""
    np.testing.assert_array_equal(image, ds.arrays[int(row["array_index"])])  # 28 px: as stored
    missing, why = thumbnail("breastmnist", "no/such/sample")
    assert missing is None and "not in the dataset" in why
