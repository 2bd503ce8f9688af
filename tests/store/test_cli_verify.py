"""``python -m core verify`` and what ``core ls`` says about the store's health (``core.cli.main``
in this process, on a real store: the same code path as the command, without its start-up)."""

from __future__ import annotations

import pytest

from core.cli import main
from core.store import ResultsStore
from tests.store import factories as f


@pytest.fixture
def cli_store(tmp_path, monkeypatch) -> ResultsStore:
    store = ResultsStore(tmp_path / "store")
    monkeypatch.setenv("LESIONLAB_STORE", str(store.root))
    return store


def test_verify_prints_a_table_and_exits_1_on_corruption(cli_store, capsys) -> None:
    good = f.commit_sample(cli_store)
    bad = f.commit_sample(cli_store, seed=4, model="other_cnn")
    (bad.path / "predictions.parquet").write_bytes(b"PAR1")
    leftover = cli_store.work_dir(good.run_id)  # its trainer died before clearing it

    assert main(["ls"]) == 0
    out = capsys.readouterr().out
    assert "last verified: never (run: python -m core verify)" in out

    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "verified 2 run(s) at " in out and "1 ok, 1 corrupt" in out
    header, *rows = out.splitlines()[1:4]
    assert header.split() == ["run_id", "dataset", "model", "strategy", "seed", "fold", "status"]
    assert {r.split()[0]: r.split()[-1] for r in rows} == {good.run_id: "ok",
                                                            bad.run_id: "corrupt"}
    assert f"  {bad.run_id}: predictions.parquet has 4 bytes" in out
    assert "python -m core verify --delete-corrupt" in out
    assert leftover.is_dir()  # nothing is cleaned without --clean

    assert main(["ls"]) == 0
    out = capsys.readouterr().out
    assert "1 corrupt run(s):" in out and "last verified: " in out
    assert "(2 run(s): 1 ok, 1 corrupt)" in out

    assert main(["verify", "--delete-corrupt", "--clean"]) == 1  # it found one
    out = capsys.readouterr().out
    assert f"deleted 1 corrupt run(s): {bad.run_id}" in out
    assert f"work/{good.run_id} removed scratch of a run that is stored already" in " ".join(
        out.split())
    assert not cli_store.has(bad.run_id) and not leftover.exists()

    assert main(["verify"]) == 0
    assert "1 ok, 0 corrupt" in capsys.readouterr().out


def test_verify_on_an_empty_store(cli_store, capsys) -> None:
    assert main(["verify", "--clean"]) == 0
    out = capsys.readouterr().out
    assert "verified 0 run(s)" in out and "clean: 0 removed, 0 kept (no leftovers)" in out
