"""The import's two front doors besides the Python API: the command line (one message, exit
status 2, nothing stored) and the Explain page, which names imported predictions as having no
model in one sentence instead of failing on them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.cli import main
from core.imports import import_predictions
from core.imports.target import load_target
from core.store import ResultsStore

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "explain.py")


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory) -> Path:
    target = load_target("demo")
    rows = target.dataset.table[target.splits.isin(["val", "test"])]
    p = 0.2 + 0.6 * rows["target"].to_numpy()
    path = tmp_path_factory.mktemp("surfaces") / "site b.csv"
    pd.DataFrame({"sample_id": rows["sample_id"], "split": target.splits[rows.index],
                  "benign": 1 - p, "malignant": p}).to_csv(path, index=False)
    return path


def test_cli_stores_a_good_file_and_refuses_a_bad_one(csv_file, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LESIONLAB_STORE", str(tmp_path / "store"))
    bad = pd.read_csv(csv_file)
    bad.loc[1, "split"] = "train"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    assert main(["import-predictions", str(tmp_path / "bad.csv"), "--dataset", "demo",
                 "--name", "b"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Row 2 of bad.csv") and err.count("\n") == 1
    assert ResultsStore(tmp_path / "store").list_runs().empty
    assert main(["import-predictions", str(csv_file), "--dataset", "demo", "--name", "b"]) == 0
    assert capsys.readouterr().out.startswith("stored run ")
    assert main(["import-predictions", str(csv_file), "--dataset", "demo", "--name", "c"]) == 0
    assert "already stored as run" in capsys.readouterr().out


def test_explain_page_says_imported_predictions_have_no_model(csv_file, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    store = ResultsStore(tmp_path / "store")
    import_predictions(csv_file, "demo", "*site B* <b>", store=store)
    monkeypatch.setenv("LESIONLAB_STORE", str(store.root))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    notes = [i.value for i in at.info]
    assert len(notes) == 1 and notes[0].startswith(
        "Imported predictions have no model to run on an image, so these runs cannot be "
        "explained here:")
    assert "*site B* <b>" in notes[0].replace("\\", "")  # the name, shown literally
    assert not at.multiselect and not at.file_uploader  # nothing to explain with
