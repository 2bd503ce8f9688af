"""What bounds an import's memory: a predictions file over the byte cap, or with more rows than
the dataset has images, is refused with one message before it is read whole, storing nothing;
and an upload is staged under its own name, in chunks, and removed afterwards."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from core.imports import ImportRejected, import_predictions
from core.imports import table as table_module
from core.imports.table import read_table
from core.imports.target import load_target
from core.imports.upload import discard, message, stage, staged, upload_name
from core.store import ResultsStore


@pytest.fixture(scope="module")
def target():
    return load_target("demo")


def test_more_rows_than_the_dataset_has_images_is_refused(target, tmp_path):
    n = len(target.dataset.table)
    ids = [f"x{i}" for i in range(n + 5)]
    pd.DataFrame({"sample_id": ids, "split": "test", "score": 0.5}).to_csv(
        tmp_path / "big.csv", index=False)
    store = ResultsStore(tmp_path / "store")
    with pytest.raises(ImportRejected) as caught:
        import_predictions(tmp_path / "big.csv", "demo", "big", store=store)
    assert str(caught.value).startswith(f"big.csv has more rows than the dataset has images "
                                        f"({n}); a predictions file holds one row per image")
    assert store.list_runs().empty


def test_read_table_reads_no_more_than_the_cap_plus_one(tmp_path):
    pd.DataFrame({"a": range(10)}).to_csv(tmp_path / "t.csv", index=False)
    assert len(read_table(tmp_path / "t.csv", max_rows=10)) == 10
    with pytest.raises(ImportRejected, match=r"more rows than the dataset has images \(9\)"):
        read_table(tmp_path / "t.csv", max_rows=9)


def test_parquet_row_count_is_read_from_the_footer(tmp_path):
    pd.DataFrame({"a": np.arange(10)}).to_parquet(tmp_path / "t.parquet")
    assert read_table(tmp_path / "t.parquet", max_rows=10)["a"].tolist() == list(range(10))
    with pytest.raises(ImportRejected, match=r"\(3\)"):
        read_table(tmp_path / "t.parquet", max_rows=3)
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ImportRejected, match="cannot be read as parquet"):
        read_table(tmp_path / "broken.parquet")


def test_a_file_over_the_byte_cap_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "wide.csv"
    path.write_text("sample_id,split,score\n" + "a,test,0.5\n" * 100)  # 1122 bytes
    monkeypatch.setattr(table_module, "MAX_FILE_BYTES", 1024)
    with pytest.raises(ImportRejected, match=r"wide.csv is 0.0 MiB; predictions files are read "
                                             r"up to 0 MiB"):
        read_table(path)
    monkeypatch.setattr(table_module, "MAX_FILE_BYTES", 2048)
    assert len(read_table(path)) == 100


def test_an_upload_is_staged_under_its_name_and_removed(tmp_path):
    content = io.BytesIO(b"x" * 3_000_000)
    content.read(10)  # a consumed stream is staged from its start
    with staged("C:\\Users\\me\\site b.csv", content) as path:
        assert path.name == "site b.csv" and path.stat().st_size == 3_000_000
        folder = path.parent
    assert not folder.exists()
    path = stage("model.keras", io.BytesIO(b"abc"))
    assert path.read_bytes() == b"abc"
    discard(path)
    assert not path.parent.exists()


def test_an_upload_over_the_cap_stores_nothing_and_leaves_no_folder(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(ImportRejected, match="larger than 1 MiB"):
        stage("big.csv", io.BytesIO(b"x" * (2**20 + 1)), max_bytes=2**20)
    assert list(tmp_path.iterdir()) == []
    for bad in ("", "a/..", "dir/"):
        with pytest.raises(ImportRejected, match="is not a file name"):
            upload_name(bad)


def test_the_message_leaves_out_the_private_folder(tmp_path):
    path = tmp_path / "p.csv"
    error = ImportRejected("Row 2 of p.csv: wrong.", where=path, fix="fix it")
    assert message(error, path) == "Row 2 of p.csv: wrong. Fix: fix it"
    other = ImportRejected("No dataset.", where="/registry.toml")
    assert message(other, path) == "No dataset. (in /registry.toml)"
