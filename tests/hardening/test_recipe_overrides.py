"""Recipe overrides on the command line (``--set FIELD=VALUE``) and on the Train page.

Before, the CLI could change only ``--epochs``: a user who wanted 96 px and Adam had to write
Python. Now any recipe field can be set; each value is read by the field's type and checked by
the Recipe's and the model's own checks, as part of the grid check: every problem of a command
in one message, exit status 2, before TensorFlow is imported or the store touched. A valid
override is part of the run's content address (a changed recipe is another run; an override
equal to the recipe's own value is the same run). ``models --show NAME`` prints what can be set.
The Train page's Advanced box takes the same lines and gives the same messages.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.training import GridError, GridRequest, RunSpec, RunSpecError, resolve, validate_grid
from models.overrides import SETTABLE
from tests.datasets.builders import class_folders

REPO = Path(__file__).resolve().parents[2]
RUN = ["run", "--datasets", "tiny", "--models", "idc_initial"]

#: --set values and phrases the one message must hold (idc_initial: softmax head, 8 px at
#: least, inverse-time decay in its recipe).
CASES = {
    "not a whole number": (["input_size=x"], ("input_size must be a whole number, got 'x'",)),
    "nan": (["learning_rate=nan"], ("learning_rate must be a finite number",)),
    "inf": (["cyclical_max_learning_rate=inf"], ("must be a finite number",)),
    "no '='": (["input_size"], ("must be FIELD=VALUE",)),
    "unknown field": (["lr=0.1"], ("unknown recipe field(s) 'lr'",
                                    "the fields that can be set are: " + ", ".join(SETTABLE))),
    "misspelt field": (["inputsize=96"], ("did you mean input_size?",)),
    "notes": (["notes=mine"], ("notes is the recipe's documentation",)),
    "set twice": (["optimizer=adam", "optimizer=sgd"], ("optimizer is set twice",)),
    "optional whole number": (["early_stopping_patience=1.5"],
                              ("whole number or none, got '1.5'",)),
    "optimizer": (["optimizer=rmsprop"],
                  ("Recipe optimizer 'rmsprop' is not one of: adagrad, sgd, adam",)),
    "monitor": (["monitor=val_f1"], ("Recipe monitor 'val_f1' is not one of",)),
    "epochs too many": (["epochs=100000"], ("epochs must be at most 10,000",)),
    "batch of 0": (["batch_size=0"], ("batch_size must be a whole number >= 1, got 0",)),
    "negative rate": (["learning_rate=-1"], ("learning_rate must be a positive number",)),
    "input below the model's": (["input_size=4"], ("needs images of at least 8x8 px",)),
    "loss against the head": (["loss=binary_crossentropy"],
                              ("idc_initial has a softmax head", "leave loss unset")),
    "schedule without its bound": (["schedule=cyclical"],
                                   ("needs cyclical_max_learning_rate",)),
    "hostile text": (["optimizer=\x1b[31m**x**"], (r"'\x1b[31m**x**'",)),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("overrides")
    data = class_folders(base / "tiny", {"benign": 4, "malignant": 4})
    (base / "datasets.toml").write_text(
        f'[[dataset]]\nname = "tiny"\nkind = "folders"\npath = "{data}"\n', encoding="utf-8")
    return base


@pytest.fixture
def cli(world, monkeypatch, capsys):
    """``python -m core`` in this process: (exit status, stdout, stderr)."""
    from core.cli import main

    monkeypatch.setenv("LESIONLAB_DATASETS", str(world / "datasets.toml"))
    monkeypatch.setenv("LESIONLAB_STORE", str(world / "store"))

    def call(*args: str):
        try:
            rc = main(list(args))
        except SystemExit as exc:  # argparse
            rc = exc.code
        out = capsys.readouterr()
        return rc, out.out, out.err

    return call


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_override_is_one_message_exit_2_before_any_work(case, cli, world):
    values, phrases = CASES[case]
    rc, out, err = cli(*RUN, *[arg for v in values for arg in ("--set", v)])
    assert rc == 2, (out, err)
    assert err.count("error:") == 1 and "Traceback" not in err + out, err
    assert "(1 problem)" in err, err
    for phrase in phrases:
        assert phrase in err, err
    assert "\x1b" not in err  # typed control characters are quoted, never sent to the terminal
    assert not (world / "store").exists()


@pytest.mark.parametrize("extra", [["--set", "early_stopping_patience=3"], ["--budget", "5m"]],
                         ids=["early stopping", "budget profile (always sets a patience)"])
def test_watching_val_auc_on_a_multiclass_task_is_refused_before_any_work(extra, tmp_path,
                                                                         monkeypatch, capsys):
    """val_auc is the positive class's validation AUC: a multiclass dataset has none, so
    early stopping on it is one message at the grid check, exit 2, nothing stored; with the
    budget profile too, before the planner measures any speed."""
    from core.cli import main

    data = class_folders(tmp_path / "tri", {"a": 4, "b": 4, "c": 4})
    (tmp_path / "datasets.toml").write_text(
        f'[[dataset]]\nname = "tri"\nkind = "folders"\npath = "{data}"\n'
        'task = "multiclass"\n', encoding="utf-8")
    monkeypatch.setenv("LESIONLAB_DATASETS", str(tmp_path / "datasets.toml"))
    monkeypatch.setenv("LESIONLAB_STORE", str(tmp_path / "store"))
    rc = main(["run", "--datasets", "tri", "--models", "idc_initial", "--set", "monitor=val_auc",
               *extra])
    err = capsys.readouterr().err
    assert rc == 2 and "(1 problem)" in err, err
    assert "watches val_auc (Monitor or Plateau monitor)" in err and "multiclass task" in err
    assert not (tmp_path / "store").exists()


def test_epochs_and_set_epochs_must_agree(cli):
    rc, _, err = cli(*RUN, "--epochs", "3", "--set", "epochs=4")
    assert rc == 2 and "epochs is given twice, as 3" in err and "as 4" in err, err
    rc, _, err = cli(*RUN, "--epochs", "0", "--set", "epochs=0")
    assert rc == 2 and "epochs must be from 1" in err and "epochs must be a whole number >= 1" \
        in err, err


def test_every_problem_at_once_in_a_real_process_without_tensorflow(world):
    """All in one command, ``python -m core`` as a user runs it, on the Ray backend too (the
    check comes before either backend): one message listing each problem, exit 2, and
    ``-X importtime`` shows that neither TensorFlow nor Keras (nor Ray) was imported."""
    sets = ["input_size=x", "lr=1", "optimizer=rmsprop", "monitor=val_f1", "epochs=0"]
    args = [*RUN, "--models", "idc_initial,idc_own", "--backend", "ray",
            *[a for s in sets for a in ("--set", s)]]
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2",
           "LESIONLAB_DATASETS": str(world / "datasets.toml"),
           "LESIONLAB_STORE": str(world / "proc_store")}
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "core", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)
    lines = done.stderr.splitlines()
    message = "\n".join(line for line in lines if not line.startswith("import time:"))
    imported = [line.split("|")[-1].strip() for line in lines if line.startswith("import time:")]
    assert done.returncode == 2, (done.stdout, message)
    assert message.count("error:") == 1 and "(5 problems)" in message, message
    for phrase in ("'input_size=x'", "'lr'", "optimizer=rmsprop (idc_initial, idc_own)",
                   "monitor=val_f1 (idc_initial, idc_own)", "epochs=0 (idc_initial, idc_own)"):
        assert phrase in message, message
    assert imported and not [m for m in imported
                             if m.split(".")[0] in ("tensorflow", "keras", "ray")]
    assert not (world / "proc_store").exists()


def test_overrides_are_typed_and_part_of_the_run_identity(world):
    registry = world / "datasets.toml"

    def grid(overrides=(), **kw):
        (spec,) = validate_grid(GridRequest(["tiny"], ["idc_initial"], overrides=overrides,
                                            registry_path=registry, **kw))
        return spec

    typed = grid(["input_size = 32", "optimizer=adam", "learning_rate=1e-3",
                  "schedule='constant'", "decay_rate=none", "", "# a comment"])
    assert typed.overrides == {"input_size": 32, "optimizer": "adam", "learning_rate": 0.001,
                               "schedule": "constant", "decay_rate": None}
    changed = resolve(typed, registry)
    assert (changed.recipe.input_size, changed.recipe.optimizer, changed.recipe.learning_rate,
            changed.recipe.decay_rate) == (32, "adam", 0.001, None)
    plain = resolve(grid(), registry)
    assert changed.run_id != plain.run_id
    assert changed.identity["recipe"]["optimizer"] == "adam"
    # the same values given as a mapping (the Python API): the same run
    assert resolve(grid(dict(typed.overrides)), registry).run_id == changed.run_id
    # an override equal to the recipe's own value changes nothing: the same content address
    own = plain.recipe.input_size
    assert resolve(grid([f"input_size={own}"]), registry).run_id == plain.run_id
    # --epochs is an alias of epochs=N
    assert grid(epochs=2).overrides == grid(["epochs=2"]).overrides == {"epochs": 2}


def test_the_python_api_gets_the_same_checks(world):
    registry = world / "datasets.toml"
    with pytest.raises(GridError, match="notes is the recipe's documentation"):
        validate_grid(GridRequest(["tiny"], ["idc_initial"], overrides={"notes": "x"},
                                  registry_path=registry))
    for overrides, phrase in (({"momentum": "0.9"}, "momentum must be a finite number"),
                              ({"notes": "x"}, "notes is the recipe's documentation"),
                              ({"lr": 1.0}, "unknown recipe field"),
                              ({"loss": "binary_crossentropy"}, "softmax head")):
        with pytest.raises(RunSpecError, match=phrase):
            resolve(RunSpec("tiny", "idc_initial", overrides=overrides), registry)


def test_models_show_prints_both_recipes_every_field_and_the_notes(cli):
    from models import get_entry

    rc, out, err = cli("models", "--show", "mobilenet_v2")
    assert rc == 0, err
    entry = get_entry("mobilenet_v2")
    rows = {line[2:].split()[0]: line for line in out.splitlines()
            if line[2:].split()[:1] and line[2:].split()[0] in SETTABLE}
    assert list(rows) == list(SETTABLE)  # every field that can be set, in order
    assert rows["input_size"].split()[-2:] == [str(entry.paper.input_size),
                                               str(entry.quick.input_size)]
    assert rows["input_size"].startswith("*")  # paper and quick differ
    assert rows["optimizer"].startswith(" ")
    assert "notes (paper):" in out and "notes (quick):" in out
    assert entry.paper.notes.split()[0] in out
    rc, out, err = cli("models", "--show", "nosuch")
    assert rc == 2 and err.count("error:") == 1 and "Unknown model 'nosuch'" in err, err


def test_the_train_page_takes_the_same_lines_with_the_same_messages(world, monkeypatch,
                                                                       tmp_path):
    from tests.pages_manage.conftest import open_page, texts

    registry = world / "datasets.toml"
    monkeypatch.setenv("LESIONLAB_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("LESIONLAB_DATASETS", str(registry))
    at = open_page("pages/train.py")
    at.multiselect(key="train_datasets").set_value(["tiny"])
    bad = "optimizer = rmsprop\nlr = 1\ninput_size = x"
    at.text_area(key="train_overrides").input(bad).run()
    assert not at.exception, at.exception
    (error,) = texts(at, "error")
    with pytest.raises(GridError) as cli_error:
        validate_grid(GridRequest(["tiny"], ["idc_initial"], overrides=bad.splitlines(),
                                  registry_path=registry))
    # the same text; the page shows it literally (its lines as hard breaks, joiners after colons)
    assert error.replace("\u2060", "").replace("  \n", "\n") == str(cli_error.value)
    launch = [b for b in at.button if b.label.startswith("Train ")]
    assert launch[0].label == "Train 0 runs in the background" and launch[0].disabled

    good = "input_size = 32\nepochs = 1\nschedule = constant"
    at.text_area(key="train_overrides").input(good).run()
    assert not at.exception, at.exception
    assert not texts(at, "error")
    grid = next(d.value for d in at.dataframe if "run id" in d.value.columns)
    assert len(grid) == 1
    row = grid.iloc[0]
    expected = resolve(RunSpec("tiny", "idc_initial", overrides={
        "input_size": 32, "epochs": 1, "schedule": "constant"}), registry)
    assert (row["input px"], row["epochs"], row["run id"]) == (32, 1, expected.run_id)
    assert not at.button(key="train_launch").disabled
