"""The dataset check keeps training's limits, and training keeps the check's promises.

Hostile folders, real files, real Keras runs (tiny), real pages in AppTest:

* four 12000x12000 PNGs of 140 KB each are flagged from their headers, with the pixel limit
  training uses, while the check's process grows by megabytes (it took 1.7 GB before, and
  passed them); images within the limit are decoded within a pixel budget (measured in a
  child process with ``resource.getrusage``);
* truncated, empty, non-image and oversized files are left out of a real training run, which
  records which and how many, the very files the check lists, shown in Run details;
* identical images under two labels stop training with the check's message (default), are
  reduced to one copy (``duplicates = "drop"``), or are trained on and shown as a warning on
  Compare, Errors, Weighting effects and Explain (``duplicates = "keep"``).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.datasets import DatasetError, DatasetSpec, check_dataset, load_dataset, save_spec
from core.datasets.imagescan import PixelBudget
from core.datasets.registry import load_registry
from core.store import ResultsStore
from core.training import RunSpec, train_run
from dashboard.datasets.form import spec_from_fields
from dashboard.details import run_warnings
from dashboard.text import WORD_JOINER
from models import REGISTRY
from tests.training.conftest import make_square_images

REPO = Path(__file__).resolve().parents[2]
MODEL = "idc_initial"
TINY = {"epochs": 1, "max_train_images": 16, "batch_size": 8,
        "input_size": max(REGISTRY[MODEL].min_input_size, 32)}
HUGE = ("benign/huge_0.png", "malignant/huge_1.png")
UNUSABLE = {"malignant/truncated.png", "benign/empty.png", "benign/notes.png", *HUGE}
COPIES = ("benign/benign_0.png", "malignant/copy_of_benign_0.png")
MiB = 2**20


@pytest.fixture(scope="module")
def huge_png() -> bytes:
    """A 12000x12000 PNG of 140 KB: 144 million pixels, 432 MB as RGB (the issue's file)."""
    out = io.BytesIO()
    Image.new("L", (12000, 12000)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def planted(tmp_path_factory, huge_png) -> Path:
    """A learnable folder with every unusable kind of file and one image under two labels,
    declared three times (duplicates refuse / drop / keep); returns the registry."""
    base = tmp_path_factory.mktemp("planted")
    root = make_square_images(base / "data", n_per_class=20)
    good = (root / "malignant" / "malignant_0.png").read_bytes()
    (root / "malignant" / "truncated.png").write_bytes(good[: len(good) // 2])
    (root / "benign" / "empty.png").write_bytes(b"")
    (root / "benign" / "notes.png").write_text("<html>not an image</html>")
    for name in HUGE:
        (root / name).write_bytes(huge_png)
    shutil.copy(root / COPIES[0], root / COPIES[1])
    registry = base / "datasets.toml"
    for name, policy in (("planted", "refuse"), ("planted_drop", "drop"),
                         ("planted_keep", "keep")):
        save_spec(DatasetSpec(name=name, kind="folders", path=str(root), duplicates=policy),
                  registry)
    return registry


def _peak_rss(tmp_path: Path, folder: Path, **check_args) -> dict:
    """Run the dataset check on ``folder`` in a fresh process; its peak RSS before and after
    (``ru_maxrss``) and what it found."""
    script = f"""
import json, resource, sys
from core.datasets import DatasetSpec, check_dataset, load_dataset
ds = load_dataset(DatasetSpec(name="x", kind="folders", path={str(folder)!r}))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
check = check_dataset(ds, **{check_args!r})
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
json.dump({{"grew_kib": after - before,
           "unreadable": dict(zip(check.unreadable["sample_id"], check.unreadable["reason"])),
           "readable": int(check.sizes["images"].sum())}}, sys.stdout)
"""
    env = {**os.environ, "LESIONLAB_HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, check=True,
                         capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout)


def test_huge_pngs_are_flagged_from_their_headers_without_decoding(tmp_path, huge_png):
    folder = make_square_images(tmp_path / "data", n_per_class=3)
    for name in ("benign/a.png", "benign/b.png", "malignant/c.png", "malignant/d.png"):
        (folder / name).write_bytes(huge_png)

    found = _peak_rss(tmp_path, folder)

    assert set(found["unreadable"]) == {"benign/a.png", "benign/b.png", "malignant/c.png",
                                        "malignant/d.png"}
    for reason in found["unreadable"].values():
        assert "too many pixels (12000x12000" in reason and "limit is 50,000,000" in reason
    assert found["readable"] == 6
    # Decoding one of them to RGB alone would take 432 MB; the check grew by a few MB.
    assert found["grew_kib"] * 1024 < 64 * MiB, found["grew_kib"]


def test_images_within_the_limit_are_decoded_within_a_pixel_budget(tmp_path):
    """64 images of 2.25 megapixels, 8 workers, a limit of 2.25 megapixels: one image in
    flight at a time (measured: +32 MB). Without the budget the 8 workers decode 8 at once
    (measured: +205 to +221 MB)."""
    folder = tmp_path / "data"
    for label, colour in (("benign", (1, 0, 0)), ("malignant", (2, 0, 0))):
        (folder / label).mkdir(parents=True)
        Image.new("RGB", (1500, 1500), colour).save(folder / label / "0.png")
        for i in range(1, 32):
            shutil.copy(folder / label / "0.png", folder / label / f"{i}.png")

    found = _peak_rss(tmp_path, folder, workers=8, max_pixels=1500 * 1500)

    assert found["unreadable"] == {} and found["readable"] == 64
    assert found["grew_kib"] * 1024 < 100 * MiB, found["grew_kib"]


def test_the_budget_admits_images_while_their_pixels_and_bytes_fit():
    """Eight threads ask for 3, 3, 3, ... units of a 10-unit budget: never more than three
    in flight; a request larger than the budget still runs, alone."""
    budget, lock = PixelBudget(10), threading.Lock()
    in_flight, peaks = [0], []

    def decode(cost: int) -> None:
        with budget.hold(cost):
            with lock:
                in_flight[0] += cost
                peaks.append(in_flight[0])
            time.sleep(0.02)
            with lock:
                in_flight[0] -= cost

    threads = [threading.Thread(target=decode, args=(c,)) for c in [3] * 8 + [25]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert max(p for p in peaks if p != 25) <= 9 and 25 in peaks


def test_the_duplicates_setting_is_validated():
    with pytest.raises(DatasetError, match="duplicates of dataset 'x' must be one of"):
        DatasetSpec(name="x", kind="demo", duplicates="sometimes")
    with pytest.raises(DatasetError, match="not 3"):
        DatasetSpec(name="x", kind="demo", duplicates=3)


def test_the_duplicates_setting_is_declared_on_the_datasets_page(tmp_path):
    root = make_square_images(tmp_path / "data", n_per_class=2)
    fields = {"kind": "folders", "name": "x", "path": str(root), "duplicates": "drop"}
    assert spec_from_fields(fields).duplicates == "drop"
    assert spec_from_fields({**fields, "duplicates": "refuse"}).to_dict().get("duplicates") is None


def test_the_duplicates_setting_is_read_from_the_registry(tmp_path):
    registry = tmp_path / "datasets.toml"
    registry.write_text('[[dataset]]\nname = "x"\nkind = "folders"\npath = "/d"\n'
                        'duplicates = "dropp"\n')
    with pytest.raises(DatasetError, match="duplicates") as info:
        load_registry(registry)
    assert str(registry) in str(info.value) and '"drop"' in str(info.value)


def test_identical_images_under_two_labels_stop_training_with_the_checks_message(
        planted, tmp_path):
    check = check_dataset(load_dataset("planted", planted))
    finding = check.findings().set_index("finding")
    (title,) = [f for f in finding.index if "carry different labels" in f]
    assert finding.loc[title, "severity"] == "error"
    says = finding.loc['Identical images: duplicates = "refuse"']
    assert says["severity"] == "error" and "Training refuses this dataset" in says["detail"]

    store = ResultsStore(tmp_path / "store")
    events: list[dict] = []
    with pytest.raises(DatasetError) as info:
        train_run(RunSpec("planted", MODEL, overrides=TINY), store, progress=events.append,
                  registry_path=planted)

    message = str(info.value)
    assert title in message and " = ".join(COPIES) in message
    assert 'duplicates = "drop"' in message and 'duplicates = "keep"' in message
    assert [e.kind for e in events] == []  # refused before building anything
    assert store.list_runs().empty and not list((tmp_path / "store").rglob("*.keras"))


def test_identical_images_across_splits_stop_training(tmp_path):
    """Same label, train and test: the model would be tested on an image it trained on."""
    root = tmp_path / "presplit"
    for split in ("train", "val", "test"):
        make_square_images(root / split, n_per_class=4, seed=len(split))
    shutil.copy(root / "train" / "benign" / "benign_1.png", root / "test" / "benign" / "seen.png")
    registry = tmp_path / "datasets.toml"
    save_spec(DatasetSpec(name="leak", kind="folders", path=str(root)), registry)

    with pytest.raises(DatasetError, match="identical image set\\(s\\) span two splits") as info:
        train_run(RunSpec("leak", MODEL, overrides=TINY), ResultsStore(tmp_path / "store"),
                  registry_path=registry)
    assert "test/benign/seen.png = train/benign/benign_1.png" in str(info.value)


@pytest.fixture(scope="module")
def keep_store(planted, tmp_path_factory) -> ResultsStore:
    """Two real tiny runs on the planted folder with duplicates = "keep" (two strategies, so
    Weighting effects has something to compare)."""
    store = ResultsStore(tmp_path_factory.mktemp("keep_store"))
    for strategy in ("none", "class_weight"):
        train_run(RunSpec("planted_keep", MODEL, strategy, overrides=TINY), store,
                  registry_path=planted)
    return store


def test_unreadable_files_are_left_out_of_a_real_run_and_recorded(planted, keep_store):
    check = check_dataset(load_dataset("planted_keep", planted))
    assert check.unreadable_ids == UNUSABLE

    for run in keep_store.list_runs().itertuples():
        stored = keep_store.get(run.run_id)
        skipped = stored.record["data"]["skipped"]
        assert skipped["count"] == len(UNUSABLE) == len(skipped["files"])
        reasons = {f["sample_id"]: f["reason"] for f in skipped["files"]}
        assert set(reasons) == check.unreadable_ids  # the check and training agree
        assert "truncated" in reasons["malignant/truncated.png"]
        assert all("too many pixels" in reasons[name] for name in HUGE)
        predicted = set(stored.predictions()["sample_id"])
        assert not predicted & UNUSABLE
        counts = stored.record["data"]["counts"]
        assert sum(sum(c.values()) for c in counts.values()) == 40 + 1  # squares + the copy


def test_kept_duplicates_are_recorded_and_warned_about(keep_store):
    (run_id, *_) = keep_store.list_runs()["run_id"]
    record = keep_store.get(run_id).record
    duplicates = record["data"]["duplicates"]
    assert duplicates["policy"] == "keep" and duplicates["kept"] == [list(COPIES)]
    assert duplicates["across_classes"] == 1 and duplicates["dropped"]["count"] == 0
    (warning,) = run_warnings("run", record)
    assert 'duplicates = "keep"' in warning and " = ".join(COPIES) in warning


def test_drop_keeps_one_copy_and_records_the_others(planted, keep_store, tmp_path):
    store = ResultsStore(tmp_path / "store")
    stored = train_run(RunSpec("planted_drop", MODEL, overrides=TINY), store,
                       registry_path=planted)

    duplicates = stored.record["data"]["duplicates"]
    assert duplicates["policy"] == "drop" and duplicates["kept"] == []
    assert duplicates["dropped"] == {"count": 1, "sample_ids": [COPIES[1]]}
    assert stored.record["data"]["skipped"]["count"] == len(UNUSABLE)
    counts = stored.record["data"]["counts"]
    assert sum(sum(c.values()) for c in counts.values()) == 40
    assert COPIES[1] not in set(stored.predictions()["sample_id"])
    assert run_warnings("run", stored.record) == []
    assert stored.run_id not in set(keep_store.list_runs()["run_id"])
    for name, severity in (("planted_drop", "info"), ("planted_keep", "warning")):
        says = check_dataset(load_dataset(name, planted)).findings().set_index("finding")
        policy = name.split("_")[1]
        assert says.loc[f'Identical images: duplicates = "{policy}"', "severity"] == severity


PAGES = ("pages/compare.py", "pages/errors.py", "pages/weighting.py", "pages/explain.py")


@pytest.fixture()
def keep_pages_env(keep_store, planted, monkeypatch):
    from models import register_custom_objects

    register_custom_objects()
    monkeypatch.setenv("LESIONLAB_STORE", str(keep_store.root))
    monkeypatch.setenv("LESIONLAB_DATASETS", str(planted))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_showing_a_kept_duplicates_run_warns(keep_pages_env, page):
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180).run()
    at.switch_page(page).run()

    assert not at.exception, [e.value for e in at.exception]
    # What the reader sees: the Markdown source with its escapes and invisible word joiners
    # (dashboard.text.literal) undone.
    warnings = [re.sub(r"\\(.)", r"\1", w.value).replace(WORD_JOINER, "") for w in at.warning]
    assert any('duplicates = "keep"' in w and "identical images" in w for w in warnings), warnings
    if page == "pages/compare.py":  # Run details: what was left out, and the setting
        details = next(d.value for d in at.dataframe
                       if "files left out (unreadable)" in d.value.index)
        left_out = details.loc["files left out (unreadable)"].iloc[0]
        assert left_out.startswith(f"{len(UNUSABLE)}: ") and "malignant/truncated.png" in left_out
        assert 'duplicates = "keep"' in details.loc["identical images"].iloc[0]
