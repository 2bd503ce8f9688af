"""A dataset and a results store in which every name from outside the code is hostile.

Each such name is a Markdown link, a Markdown image, an HTML image, a bare ``www.`` address, a
bare URL, a ``:material/..:`` icon and bold text at once, all pointing at a loopback listener
(``Hostile.url``); a field's name is in its text, so a leak says where it came from. On disk
(class folders, file names) there is no ``/``: those names link to relative paths instead.

The store is built by copying real trained runs (``trained_store``: their Keras model, history
and record), re-labelled: dataset, model and profile names, class names (the dataset's folder
names), sample ids (its file names), group ids, a metadata column and its values, the weights
note, data notes and the model title. The two runs differ only in their imbalance strategy, so
the Weighting page compares them. Nothing is trained here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from core.datasets import DatasetSpec, load_dataset, save_spec
from core.store import ResultsStore, run_id

#: In every hostile link target: a page must never hold a link or image whose address has it.
TOKEN = "zq7"
IMAGES_PER_CLASS = 4


@dataclass(frozen=True)
class Hostile:
    """Hostile text aimed at a listener on ``port``."""

    port: int

    def url(self, field: str) -> str:
        return f"http://127.0.0.1:{self.port}/{TOKEN}-{field}"

    def text(self, field: str) -> str:
        """For names that may hold ``/`` (registry, store, URL, metadata)."""
        u = self.url(field)
        return (f"[log in {field}]({u}) ![{field}]({u}.png) www.{field}.example.com {u}/bare "
                f":material/home: <img src={u}-html.png> <a href={u}-a>log in</a> **{field}**")

    def name(self, field: str) -> str:
        """For names that are files or folders on disk (no ``/``)."""
        target = f"x\\{TOKEN}-{field}"
        return (f"[log in {field}]({target}) ![{field}]({target}.png) www.{field}.example.com "
                f":smile: <img src={target}.png> **{field}**")


@dataclass(frozen=True)
class HostileWorld:
    hostile: Hostile
    dataset: str
    registry: Path
    store: ResultsStore
    run_ids: tuple[str, ...]  # binary: strategy "none", then "class_weight"; multiclass
    samples: tuple[str, ...]  # test sample ids
    misclassified: tuple[str, ...]  # test sample ids on the wrong side of 0.5
    classes: tuple[str, str]


def write_dataset(root: Path, hostile: Hostile) -> tuple[Path, tuple[str, str]]:
    """Two class folders of small noise images, every folder and file name hostile."""
    classes = (hostile.name("classa"), hostile.name("classb"))
    rng = np.random.default_rng(0)
    for c, cls in enumerate(classes):
        (root / cls).mkdir(parents=True)
        for i in range(IMAGES_PER_CLASS):
            pixels = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / cls / f"{hostile.name(f'file{c}{i}')}.png")
    return root, classes


def _predictions(table: pd.DataFrame, hostile: Hostile, seed: int) -> pd.DataFrame:
    """Every image in test or val (alternating within each class); each class's first test
    image is scored on the wrong side of 0.5 (the Errors page has a gallery), the others on
    the right side; hostile group ids and one hostile metadata column."""
    rng = np.random.default_rng(seed)
    table = table.sort_values("sample_id").reset_index(drop=True)
    rank = table.groupby("target").cumcount().to_numpy()
    target = table["target"].to_numpy()
    wrong = rank == 0
    p1 = np.where(target == 1, 0.8, 0.2) + rng.uniform(-0.1, 0.1, len(table))
    p1 = np.where(wrong, 1.0 - p1, p1)
    return pd.DataFrame({
        "sample_id": table["sample_id"].astype(str),
        "group": [hostile.text(f"group{i // 2}") for i in range(len(table))],
        "split": np.where(rank % 2 == 0, "test", "val"),
        "target": target.astype("int64"),
        "label": table["label"].astype(str),
        "prob_0": 1.0 - p1,
        "prob_1": p1,
        f"meta_{hostile.text('metacolumn')}": [hostile.text(f"metavalue{i % 2}")
                                               for i in range(len(table))],
    })


def _record(source: dict, classes: tuple[str, str], hostile: Hostile) -> dict:
    record = copy.deepcopy(source)
    record["class_names"] = list(classes)
    record["positive_index"] = 1
    record["synthetic_data"] = False
    record.setdefault("weights", {})["note"] = hostile.text("weightsnote")
    record.setdefault("data", {})["notes"] = [hostile.text("datanote")]
    record["data"]["counts"] = {"test": {hostile.text("countclass"): 4}}
    model = record.setdefault("model", {})
    model["title"], model["citation"] = hostile.text("title"), hostile.text("citation")
    return record


def _multiclass(store: ResultsStore, template, hostile: Hostile) -> str:
    """A three-class run without a model (Compare's K x K panel; Explain cannot load it)."""
    names = [hostile.text(f"mcclass{k}") for k in range(3)]
    rng = np.random.default_rng(3)
    target = np.arange(12) % 3
    probs = rng.dirichlet(np.ones(3), 12) * 0.5
    probs[np.arange(12), target] += 0.5
    predictions = pd.DataFrame({
        "sample_id": [hostile.text(f"mcsample{i}") for i in range(12)],
        "group": [hostile.text(f"mcgroup{i}") for i in range(12)],
        "split": np.where(np.arange(12) % 2 == 0, "test", "val"), "target": target,
        "label": [names[t] for t in target],
        **{f"prob_{k}": probs[:, k] for k in range(3)}})
    record = {**_record(template.record, ("a", "b"), hostile), "class_names": names,
              "positive_index": None, "task": "multiclass"}
    identity = {**template.identity, "dataset": hostile.text("mcdataset"),
                "model": hostile.text("mcmodel"), "profile": hostile.text("profile")}
    return store.commit(run_id(identity), identity, record, predictions, template.history(),
                        None).run_id


def build(root: Path, source: ResultsStore, hostile: Hostile) -> HostileWorld:
    """The hostile dataset (declared in ``root/datasets.toml``) and a store of two binary runs
    that differ only in their strategy, and one multiclass run."""
    folder, classes = write_dataset(root / "data", hostile)
    registry = root / "datasets.toml"
    name = hostile.text("dataset")
    save_spec(DatasetSpec(name=name, kind="folders", path=str(folder), positive_class=classes[1],
                          description=hostile.text("description")), registry)
    table = load_dataset(name, registry).table
    template = source.get(source.list_runs()["run_id"].iloc[0])
    store = ResultsStore(root / "store")
    ids = []
    for seed, strategy in enumerate(("none", "class_weight")):
        identity = {**template.identity, "dataset": name, "model": hostile.text("model"),
                    "strategy": strategy, "profile": hostile.text("profile")}
        predictions = _predictions(table, hostile, seed)
        stored = store.commit(run_id(identity), identity,
                              _record(template.record, classes, hostile), predictions,
                              template.history(), template.model_path)
        ids.append(stored.run_id)
    ids.append(_multiclass(store, template, hostile))
    test = predictions[predictions["split"] == "test"]
    wrong = test[(test["prob_1"] >= 0.5) != (test["target"] == 1)]
    return HostileWorld(hostile, name, registry, store, tuple(ids), tuple(test["sample_id"]),
                        tuple(wrong["sample_id"]), classes)
