"""'Bring your own predictions or model' on Compare (real AppTest, real files, real Keras): a
valid CSV upload is stored and offered in the run picker at once; a CSV with a bad row gives
the importer's one message naming that row and stores nothing; a .keras upload is imported by
the background runner and lands in the picker, stored with its model."""

from __future__ import annotations

import io
import time

import keras
import numpy as np
import pandas as pd
import pytest

from core.imports.target import load_target
from core.store import ResultsStore
from tests.dashboard.conftest import no_exception, open_page

PAGE = "pages/compare.py"


@pytest.fixture(scope="module")
def csv_bytes() -> bytes:
    """A valid predictions file for the demo's val and test images (split seed 0)."""
    target = load_target("demo")
    rows = target.dataset.table[target.splits.isin(["val", "test"])]
    p = np.clip(0.3 + 0.4 * rows["target"].to_numpy()
                + np.random.default_rng(3).normal(0, 0.15, len(rows)), 0, 1)
    frame = pd.DataFrame({"sample_id": rows["sample_id"], "split": target.splits[rows.index],
                          "benign": 1 - p, "malignant": p})
    return frame.to_csv(index=False).encode()


@pytest.fixture()
def store(tmp_path, monkeypatch) -> ResultsStore:
    """An empty store of the test's own: the page's import form works before any run exists."""
    monkeypatch.setenv("LESIONLAB_STORE", str(tmp_path / "store"))
    return ResultsStore(tmp_path / "store")


def _fill(at, kind: str, name: str, content: bytes, file_name: str, mime: str,
          preprocessing: str | None = None) -> None:
    """Fill the form and submit it (a form's values count only when it is submitted)."""
    at.radio(key="compare.import.kind").set_value(kind).run()
    at.file_uploader(key=f"compare.import.file.{kind}").upload(file_name, content, mime)
    at.selectbox(key="compare.import.dataset").set_value("demo")
    at.text_input(key="compare.import.name").input(name)
    if preprocessing is not None:
        assert at.selectbox(key="compare.import.preprocessing").value == "none"  # as the CLI's
        at.selectbox(key="compare.import.preprocessing").set_value(preprocessing)
    at.button(key=f"compare.import.go.{kind}").click().run()
    no_exception(at)


def test_a_valid_csv_is_stored_and_selectable(store, csv_bytes):
    at = open_page(PAGE)
    no_exception(at)
    assert not [m for m in at.multiselect if m.key == "compare.runs"]  # an empty store
    _fill(at, "predictions", "site_b <scores>", csv_bytes, "site b.csv", "text/csv")
    (run_id,) = store.list_runs()["run_id"]
    (ok,) = [s.value for s in at.success]
    assert ok.replace("\\", "").startswith("Stored run site_b <scores> on demo (")
    assert run_id[:12] in ok
    picker = at.multiselect(key="compare.runs")
    assert picker.options == ["site_b <scores> on demo · imported · predictions"]
    assert picker.value == [run_id]  # the first run of the store is chosen, and compared
    assert any("tp" in df.value.columns for df in at.dataframe)
    assert store.get(run_id).record["import"]["file"] == "site b.csv"


def test_a_bad_row_is_named_and_nothing_is_stored(store, csv_bytes):
    frame = pd.read_csv(io.BytesIO(csv_bytes), dtype=str)
    frame.loc[4, "malignant"] = "85%"
    at = open_page(PAGE)
    _fill(at, "predictions", "bad", frame.to_csv(index=False).encode(), "bad.csv", "text/csv")
    errors = [e.value.replace("\\", "").replace("\u2060", "") for e in at.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"Row 5 of bad.csv (sample_id '{frame.loc[4, 'sample_id']}'): "
                                "column 'malignant' holds '85%', not a number.")
    assert "lesionlab-upload-" not in errors[0] and "Fix: write plain numbers" in errors[0]
    assert store.list_runs().empty
    assert not at.success


def test_a_keras_upload_runs_as_a_job_and_lands_with_its_model(store, tmp_path):
    keras.utils.set_random_seed(0)
    image = keras.Input((16, 16, 3))
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(2, 3, name="conv")(image))
    keras.Model(image, keras.layers.Dense(2, activation="softmax")(x)).save(tmp_path / "m.keras")
    at = open_page(PAGE)
    _fill(at, "model", "colleague", (tmp_path / "m.keras").read_bytes(), "colleague.keras",
          "application/octet-stream", preprocessing="scale01")
    assert any("colleague on demo (from colleague.keras)" in m.value.replace("\\", "")
               for m in at.markdown)  # the job is shown while it runs (or has finished)
    deadline = time.monotonic() + 300
    while not [m for m in at.multiselect if m.key == "compare.runs"]:
        assert time.monotonic() < deadline, "the import never landed"
        time.sleep(1)
        at.run()
    no_exception(at)
    (run_id,) = store.list_runs()["run_id"]
    run = store.get(run_id)
    assert run.model_path is not None and run.record["model"]["preprocessing"] == "scale01"
    assert run.record["model"]["last_conv_layer"] == "conv"
    assert at.multiselect(key="compare.runs").options == ["colleague on demo · imported · keras"]
