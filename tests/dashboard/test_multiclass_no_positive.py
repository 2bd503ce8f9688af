"""A multiclass dataset declared without a positive class: it loads, trains, and shows.

Before, ``task = "multiclass"`` without ``positive_class`` failed to load with "Positive class
'malignant' is not among the labels", and a page that offered a binary (one-vs-rest) view of a
multiclass run silently scored class 1 against the rest. Here a generated three-class dataset
(no class called malignant, no positive class declared) is trained for real by the engine (one
short epoch on a few small images), then shown on Compare (the K x K views) and on Errors,
where the user picks the class of the one-vs-rest view and the scores follow the pick.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.datasets import DatasetSpec, load_registry, save_spec
from core.evaluation import multiclass_from_predictions
from core.store import ResultsStore
from core.training import RunSpec, train_run
from tests.dashboard.conftest import chart_by_title, no_exception, open_page

CLASSES = ("cyst", "fibroadenoma", "lipoma")  # sorted: the target order
TINY = {"epochs": 1, "max_train_images": 32, "batch_size": 8, "input_size": 24}


def three_classes(root: Path, n: int = 14, size: int = 24) -> Path:
    """Noise images; each class its own brightness, so one epoch learns something."""
    rng = np.random.default_rng(0)
    for k, name in enumerate(CLASSES):
        (root / name).mkdir(parents=True)
        for i in range(n):
            pixels = rng.normal(60 + 60 * k, 20, (size, size, 3))
            Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(
                root / name / f"{name}_{i}.png")
    return root


@pytest.fixture(scope="module")
def lesions(tmp_path_factory):
    """The declared dataset (registry file written as a user would: no positive_class) and one
    run trained on it, with the app's environment pointed at them."""
    base = tmp_path_factory.mktemp("lesions")
    registry = base / "datasets.toml"
    save_spec(DatasetSpec(name="lesions", kind="folders", path=str(three_classes(base / "data")),
                          task="multiclass"), registry)
    assert "positive_class" not in registry.read_text(encoding="utf-8")
    store = ResultsStore(base / "store")
    run = train_run(RunSpec("lesions", "idc_initial", overrides=TINY), store,
                    registry_path=registry)
    mp = pytest.MonkeyPatch()
    mp.setenv("LESIONLAB_STORE", str(store.root))
    mp.setenv("LESIONLAB_DATASETS", str(registry))
    yield registry, run
    mp.undo()


def test_it_loads_and_trains_without_a_positive_class(lesions):
    registry, run = lesions
    assert load_registry(registry)["lesions"].positive_class is None
    assert tuple(run.record["class_names"]) == CLASSES
    assert run.record["task"] == "multiclass" and run.record["positive_index"] is None
    assert set(run.predictions()["target"]) == {0, 1, 2}


def test_compare_shows_the_k_by_k_views(lesions):
    _, run = lesions
    at = open_page("pages/compare.py", {"runs": run.run_id})
    no_exception(at)
    mc = multiclass_from_predictions(run.predictions(), list(CLASSES))
    cells = chart_by_title(at, "Confusion matrix (arg-max class")["data"][0]
    counts = np.vectorize(lambda s: int(str(s).split("<br>")[0]))(np.array(cells["text"]))
    np.testing.assert_array_equal(counts, mc.confusion)
    assert counts.shape == (3, 3) and counts.sum() == (run.predictions()["split"] == "test").sum()
    roc = chart_by_title(at, "One-vs-rest ROC")
    assert [t["meta"]["run"] for t in roc["data"] if t["meta"]["role"] == "curve"] == \
        [c for c in CLASSES if c in mc.roc]
    assert not at.error, [e.value for e in at.error]


def test_errors_page_lets_the_user_pick_the_class(lesions):
    _, run = lesions
    at = open_page("pages/errors.py", {"run": run.run_id})
    no_exception(at)
    (picker,) = [s for s in at.selectbox if s.label.startswith("Class shown against")]
    assert list(picker.options) == list(CLASSES) and picker.value == CLASSES[0]
    assert any("cyst" in i.value and "one-vs-rest" in i.value for i in at.info)
    test = run.predictions().query("split == 'test'")
    for k, name in enumerate(CLASSES):
        picker = [s for s in at.selectbox if s.label.startswith("Class shown against")][0]
        picker.set_value(name).run()
        no_exception(at)
        assert any(name in i.value for i in at.info)
        shown = _misclassified(at)
        truth = test["target"].to_numpy() == k
        call = test[f"prob_{k}"].to_numpy() >= _threshold(at)
        assert shown == int((truth != call).sum()), name


def _threshold(at) -> float:
    """The threshold the page applies, from its heading ("... at threshold 0.500")."""
    heading = [h.value for h in at.subheader if "misclassified at threshold" in h.value][0]
    return float(heading.rsplit(" ", 1)[-1].replace("\\", ""))


def _misclassified(at) -> int:
    heading = [h.value for h in at.subheader if "misclassified at threshold" in h.value][0]
    return int(heading.split(" ", 1)[0].replace("\\", ""))


def test_the_class_comes_from_the_url_and_a_foreign_one_falls_back_to_the_first(lesions):
    """A shared link opens on its class (``?class=``). That is outside text: a value that is no
    class of the run (here a Markdown link) is neither shown nor an error; the view opens on
    the first class."""
    _, run = lesions
    at = open_page("pages/errors.py", {"run": run.run_id, "class": CLASSES[1]})
    no_exception(at)
    assert [s for s in at.selectbox if s.label.startswith("Class shown")][0].value == CLASSES[1]
    at = open_page("pages/errors.py", {"run": run.run_id, "class": "[x](http://e.x)"})
    no_exception(at)
    picker = [s for s in at.selectbox if s.label.startswith("Class shown against")][0]
    assert picker.value == CLASSES[0]
    assert not [i for i in at.info if "e.x" in i.value]
    picker.set_value(CLASSES[2]).run()
    no_exception(at)
    assert any(CLASSES[2] in i.value for i in at.info)



def test_the_train_page_refuses_a_val_auc_monitor_before_the_job_starts(lesions):
    """The CLI refuses a recipe watching a validation AUC that a multiclass run cannot have;
    the Train page's grid says so as well, and offers nothing to train, rather than letting the
    job fail in the background (a budget run: after minutes of measuring speed)."""
    from tests.pages_manage.conftest import texts

    def refused(at) -> None:
        no_exception(at)
        # one message for the grid's two seeds, in the CLI's words (model on dataset)
        (error,) = [e.replace("\u2060", "") for e in texts(at, "error")]
        assert error.startswith("idc_initial on lesions: the recipe watches val_auc") and \
            "but this is a multiclass task" in error, error
        launch = [b for b in at.button if b.label.startswith("Train ")]
        assert launch[0].label == "Train 0 runs in the background" and launch[0].disabled

    at = open_page("pages/train.py")
    at.multiselect(key="train_datasets").set_value(["lesions"])
    at.text_input(key="train_seeds").input("0,1")
    at.text_area(key="train_overrides").input("early_stopping_patience = 2\n"
                                              "monitor = val_auc").run()
    refused(at)
    at.text_area(key="train_overrides").input("").run()
    no_exception(at)
    assert not texts(at, "error")
    at.radio(key="train_profile").set_value("budget").run()
    at.number_input(key="train_budget").set_value(5.0).run()
    at.text_area(key="train_overrides").input("schedule = plateau\n"
                                              "plateau_monitor = val_auc").run()
    refused(at)
