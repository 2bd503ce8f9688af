"""The Train page's grid: choose datasets × models × strategies × profile (× seeds × folds),
see what is stored already, and which runs cannot start (with the reason) before launching.

"Stored already" is decided the way the engine decides it: each spec is *resolved* to its
content address (dataset fingerprint, split, full recipe, weights), then looked up in the store.
Resolving loads the dataset's table, so it is cached per spec, registry content and weights file
(short TTL: a dataset folder can change on disk without the registry changing).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import streamlit as st

from core import config
from core.store import DELETE_CORRUPT_FIX
from core.training.validate import MAX_EPOCHS
from dashboard.damage import FIX
from dashboard.jobs.overrides import overrides_box
from dashboard.jobs.overview import MISSING
from dashboard.text import literal, md, plain_table, visible

#: Measured on a 2-core CPU (STACK-NOTES): ResNet50 at 224 px trains about 5 images/s.
CPU_RESNET50_224_IMAGES_PER_S = 5.4
#: A budget run's images, epochs and input size in the grid table: planned when it starts.
AT_RUN_TIME = "chosen at run time"


@dataclass(frozen=True)
class GridChoice:
    datasets: tuple[str, ...]
    models: tuple[str, ...]
    strategies: tuple[str, ...]
    profile: str
    seeds: tuple[int, ...]
    n_folds: int | None
    weights: str | None
    epochs: int | None  # recipe override; None keeps each recipe's epochs
    #: The Advanced box's ``FIELD = VALUE`` lines, as typed (the CLI's --set).
    overrides: tuple[str, ...] = ()
    #: The budget profile's minutes per run as typed (None: the field is empty or not shown);
    #: checked by the grid check, which says what is wrong with a missing or zero budget.
    budget: float | None = None
    #: "Seeds per configuration" (seeds 0..N-1, replacing ``seeds``); None: the list is used.
    n_seeds: int | None = None

    def specs(self) -> list:
        """The grid's runs, checked as the CLI checks them (core.training.validate: seeds,
        folds, epochs, recipe overrides, models, strategies, weights) or GridError. Datasets
        are not loaded here: :func:`grid_status` resolves every run and shows each dataset's
        problem."""
        from core.training import GridRequest, validate_grid

        return validate_grid(GridRequest(self.datasets, self.models, self.strategies,
                                         self.profile, self.seeds, self.n_folds, self.weights,
                                         self.epochs, overrides=self.overrides,
                                         budget=self.budget, n_seeds=self.n_seeds),
                             check_data=False)

    def label(self) -> str:
        from models.overrides import overrides_text, parse_overrides

        changed = overrides_text(parse_overrides(self.overrides)[0])
        return (f"{' + '.join(self.datasets)} × {len(self.models)} model(s) × "
                f"{' / '.join(self.strategies)} · {self.profile_label}"
                + (f" · {changed}" if changed else ""))

    @property
    def profile_label(self) -> str:
        """"quick", "paper" or "budget 2 min per run": a budget grid's label names its budget."""
        if self.profile == "budget" and self.budget is not None:
            return f"budget {self.budget:g} min per run"
        return self.profile


class _MoreChoices(NamedTuple):
    """What the "More" expander holds, as the widgets gave it."""

    folds: int
    epochs: int
    weights_kind: str  # "none" | "imagenet" | "a local file"
    weights_path: str
    own_weights: str


def grid_form(dataset_names: list[str]) -> GridChoice | None:
    """The grid widgets; None (after saying why) when the choice is incomplete or invalid."""
    datasets, models, strategies, profile, (seeds_text, n_seeds) = _main_choices(dataset_names)
    budget = _budget_minutes(profile)
    more = _more_choices()
    overrides = overrides_box(models, profile)
    if more.own_weights.strip():
        strategies = [*strategies, f"class_weight:{more.own_weights.strip().replace(' ', '')}"]
    try:
        seeds = tuple(int(s) for s in seeds_text.replace(" ", "").split(",") if s)
    except ValueError:
        st.error("Seeds must be whole numbers separated by commas, e.g. 0,1,2.")
        return None
    if more.weights_kind == "imagenet":
        st.info(
            "ImageNet weights are downloaded by Keras on first use into its cache "
            "(~/.keras/models). Without internet the download fails within seconds and the "
            "run trains from random initialisation instead; the run records that (weights used: "
            "random, with a note) and is stored as a random-init run, never as an ImageNet one. "
            "Models of the from-scratch studies (IDC, melanoma CNNs) always start random.",
            icon=":material/cloud_off:")
    if more.weights_kind == "a local file" and not more.weights_path.strip():
        st.warning("Give the path of the weights file.")
        return None
    missing = [what for what, chosen in (("a dataset", datasets), ("a model", models),
                                         ("a strategy", strategies),
                                         ("a seed", seeds or n_seeds))
               if not chosen]
    if missing:
        st.caption(md("Choose {what} to see the grid.", what=", ".join(missing)))
        return None
    weights = ({"none": None, "imagenet": "imagenet"}
               .get(more.weights_kind, more.weights_path.strip()))
    return GridChoice(tuple(datasets), tuple(models), tuple(strategies), profile, seeds,
                      int(more.folds) or None, weights, int(more.epochs) or None, overrides,
                      budget, n_seeds)


def _main_choices(dataset_names: list[str]) -> tuple[list, list, list, str, tuple]:
    """The grid's axes: datasets, models, strategies, profile, and the seeds as given
    (:func:`_seed_choice`)."""
    from core.training import PROFILES, STRATEGIES
    from models import list_entries

    entries = {e.name: e for e in list_entries()}
    left, right = st.columns(2)
    datasets = left.multiselect("Datasets", dataset_names, key="train_datasets",
                                default=["demo"] if "demo" in dataset_names else None,
                                format_func=visible)
    models = right.multiselect(
        "Models", list(entries), key="train_models", default=["idc_initial"],
        format_func=lambda n: f"{n} — {entries[n].title}")
    left, mid, right = st.columns([2, 1, 1])
    strategies = left.multiselect(
        "Imbalance strategies", STRATEGIES, key="train_strategies", default=["none"],
        help="class_weight: scikit-learn's 'balanced' weights; oversample / undersample: "
             "resample the training set. Every strategy gets the same split and seed.")
    profile = mid.radio("Profile", PROFILES, key="train_profile", horizontal=True,
                        help="quick: small inputs, few epochs, capped images (CPU minutes); "
                             "paper: the published settings (GPU hours); budget: each run "
                             "chooses its input size, epochs and images to end within the "
                             "minutes you give, from this machine's measured speed.")
    with right:
        seeds = _seed_choice()
    return datasets, models, strategies, profile, seeds


def _seed_choice() -> tuple[str, int | None]:
    """``(seeds as typed, None)`` for a list, ``("", N)`` for a count. Why a count too: "3
    seeds of each configuration" is what a user usually means, and with a list "3" trains
    seed 3; runs already stored are not trained again, so a count adds what is missing. The
    count is checked by the grid check (core.training.validate), as the CLI's --n-seeds is."""
    kind = st.radio("Seeds as", ("list", "count"), key="train_seeds_kind", horizontal=True,
                    help="list: these seeds; count: seeds 0..N-1 of every configuration.")
    if kind == "list":
        return st.text_input("Seeds", "0", key="train_seeds",
                             help="Training seeds, comma-separated, e.g. 0,1,2."), None
    count = st.number_input(
        "Seeds per configuration", min_value=1, value=3, step=1, key="train_n_seeds",
        help="Seeds 0..N-1 of every configuration. Runs already stored are not trained "
             "again: 3 adds a configuration's missing seeds up to three.")
    return "", int(count)


def _budget_minutes(profile: str) -> float | None:
    """The budget profile's minutes per run; the field is shown for that profile only (another
    profile has no budget, and a hidden field cannot send a stale one). Empty or zero is passed
    on as typed: the grid check says what a budget needs, in the words the CLI uses."""
    if profile != "budget":
        return None
    minutes = st.number_input(
        "Budget (minutes per run)", min_value=0.0, max_value=24 * 60.0, value=None,
        step=1.0, key="train_budget", placeholder="e.g. 10",
        help="Wall-clock minutes for each run, from its start to its stored result. Before "
             "training, each run measures how fast its model trains here (a few timed "
             "batches, or the speed of earlier runs on this machine) and chooses the input "
             "size, the number of training images, epochs and early stopping to fit; a guard "
             "ends training early if it runs late. Run details say what was chosen and why.")
    return None if minutes is None else float(minutes)


def _more_choices() -> _MoreChoices:
    """The "More" expander: cross-validation, epochs, starting weights, own class weights."""
    with st.expander("More: cross-validation, starting weights, epochs, own class weights"):
        left, right = st.columns(2)
        folds = left.number_input("k-fold cross-validation (0 = one train/val/test split)",
                                  min_value=0, max_value=20, value=0, step=1, key="train_folds")
        epochs = right.number_input("Epochs (0 = each recipe's own)", min_value=0,
                                    max_value=MAX_EPOCHS, value=0, step=1,
                                    key="train_epochs")  # the CLI's --epochs limit
        weights_kind = st.radio("Starting weights", ("none", "imagenet", "a local file"),
                                key="train_weights", horizontal=True,
                                help="none: random initialisation.")
        weights_path = ""
        if weights_kind == "a local file":
            weights_path = st.text_input("Weights file (.weights.h5, .keras, or an "
                                         "application's base .h5)", key="train_weights_path")
        own_weights = st.text_input("Own class weights (optional, one per class index, "
                                    "e.g. 1,3)", key="train_own_weights")
    return _MoreChoices(folds, epochs, weights_kind, weights_path, own_weights)


def grid_status(choice: GridChoice, store) -> pd.DataFrame:
    """One row per run of the grid: its id if it resolves, whether it is stored, why not."""
    from core.errors import LesionlabError

    try:
        specs = choice.specs()
    except LesionlabError as exc:  # the grid's or a run spec's problems
        return pd.DataFrame([{"run": "(grid)", "status": "cannot run", "note": str(exc),
                              "spec": None}])
    registry = _registry_key()
    damaged = _damaged(store)
    rows = []
    bar = st.progress(0.0, text="Resolving the grid…") if len(specs) > 4 else None
    for i, spec in enumerate(specs):
        try:
            info = _resolve(json.dumps(spec.to_dict(), sort_keys=True), registry,
                            _weights_key(spec.weights))
        except Exception as exc:  # noqa: BLE001 - DatasetError, UnknownModelError, WeightsError
            info = {"run_id": None, "error": str(exc) or type(exc).__name__, "note": "",
                    "train_images": None, "epochs": None, "input_size": None}
        if info["error"]:
            status, note = "cannot run", info["error"]
        elif info["run_id"] in damaged:  # stored, but training it again needs a delete first
            status, note = "stored, damaged", f"{damaged[info['run_id']]}. {DELETE_CORRUPT_FIX}"
        elif store.has(info["run_id"]):
            status, note = "stored", ""
        else:
            status, note = "to train", info["note"]
        rows.append({"run": spec.label, "status": status, "note": note,
                     "run id": info["run_id"] or "", **_size_columns(spec, info),
                     "spec": spec})
        if bar is not None:
            bar.progress((i + 1) / len(specs), text="Resolving the grid…")
    if bar is not None:
        bar.empty()
    return pd.DataFrame(rows)


def _size_columns(spec, info: dict) -> dict:
    """The images, epochs and input size a run will use. A budget run has none yet: its plan
    needs this machine's measured speed, taken when it starts, so the cells say so instead of
    showing the base recipe's numbers, which it will not use; an input size or epochs the user
    fixed are planned as given, so those are shown (the images stay the plan's: it takes at
    most the user's number)."""
    planned = {"train images": info["train_images"], "epochs": info["epochs"],
               "input px": info["input_size"]}
    if spec.profile != "budget" or info["error"]:
        return planned
    fixed = {"epochs": "epochs", "input px": "input_size"}
    return {column: value if fixed.get(column) in (spec.overrides or {}) else AT_RUN_TIME
            for column, value in planned.items()}


def _damaged(store) -> dict[str, str]:
    """run_id -> problem of the runs the store's index marks corrupt."""
    runs = store.list_runs(status="corrupt")
    return {r.run_id: r.problem if isinstance(r.problem, str) else "damaged"
            for r in runs.itertuples()}


@st.cache_data(ttl=120, show_spinner=False, max_entries=2048)
def _resolve(spec_json: str, registry_key: str, weights_key: str) -> dict:
    """Resolve one spec (loads its dataset table; no model is built). An error is raised, not
    returned, so it is not cached: a user who fixes the folder sees the fix on the next rerun.
    A recipe watching a validation AUC the run cannot have is refused here, as the CLI refuses
    it, not after the job has started (:func:`core.training.monitors.check_before_work`); that
    refusal is returned (and cached): another recipe is another spec, so no rerun of the page
    resolves the refused runs again."""
    from core.training import RunSpec, RunSpecError, resolve
    from core.training.monitors import check_before_work

    resolved = resolve(RunSpec(**json.loads(spec_json)))
    try:
        check_before_work(resolved)
        refused = None
    except RunSpecError as exc:
        refused = str(exc)
    recipe = resolved.recipe
    n_train = recipe.images_per_epoch(int((resolved.splits == "train").sum()))
    return {"run_id": resolved.run_id, "error": refused, "note": resolved.weights.note or "",
            "train_images": n_train, "epochs": recipe.epochs, "input_size": recipe.input_size}


def _registry_key() -> str:
    """Changes whenever the registry file does (its bytes), so a re-declared dataset resolves
    again."""
    path = config.datasets_registry_path()
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return f"absent:{path}"


def _weights_key(weights: str | None) -> str:
    if not weights or weights in ("imagenet", "none"):
        return str(weights)
    try:
        stat = os.stat(Path(weights).expanduser())
        return f"{weights}:{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        return f"{weights}:absent"


def show_grid(status: pd.DataFrame) -> None:
    counts = status["status"].value_counts()
    cols = st.columns(4)
    cols[0].metric("Runs in the grid", len(status))
    cols[1].metric("Stored already", int(counts.get("stored", 0)))
    cols[2].metric("To train", int(counts.get("to train", 0)))
    cols[3].metric("Cannot run", int(counts.get("cannot run", 0)))
    for message in status.loc[status["status"] == "cannot run", "note"].unique():
        st.error(literal(message, lines=True), icon=":material/error:")
    damaged = int(counts.get("stored, damaged", 0))
    if damaged:
        st.error(md("{n} run(s) of this grid are stored but damaged (see 'note'): they cannot "
                    "be used, and are trained again only once deleted.", n=damaged) + " " + FIX,
                 icon=":material/broken_image:")
    st.dataframe(plain_table(status.drop(columns=["spec"])), hide_index=True, width="stretch",
                 height=min(400, 38 + 35 * len(status)),
                 placeholder=MISSING)  # a run that cannot run has no images, epochs or size


@st.cache_resource(show_spinner=False)
def has_gpu() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def paper_on_cpu_warning(status: pd.DataFrame) -> None:
    """The paper profile is the studies' full settings: on a CPU the big models take days.
    Only paper runs count: a budget run's table cells are words, and its time is its budget."""
    todo = status[(status["status"] == "to train")
                  & status["spec"].map(lambda spec: getattr(spec, "profile", None) == "paper")]
    image_epochs = int((todo["train images"].fillna(0) * todo["epochs"].fillna(0)).sum())
    if image_epochs == 0:
        return
    hours = image_epochs / CPU_RESNET50_224_IMAGES_PER_S / 3600
    st.warning(
        f"Paper profile without a GPU. The runs to train pass {image_epochs:,} training images "
        f"through their models (images × epochs). ResNet50 at 224 px trains about "
        f"{CPU_RESNET50_224_IMAGES_PER_S:g} images/s on a 2-core CPU (measured): at that rate "
        f"this is about {hours:,.1f} hours; the small 50 px CNNs run 50-100× faster. Use the "
        "quick profile here, or train the paper profile on a GPU.",
        icon=":material/warning:")


def budget_time_note(status: pd.DataFrame) -> None:
    """A budget grid's expected time is its budgets: each run ends within its own (a guard
    stops training in time), and they run one after another."""
    todo = status[(status["status"] == "to train")
                  & status["spec"].map(lambda spec: getattr(spec, "profile", None) == "budget")]
    if todo.empty:
        return
    budgets = [spec.budget_s / 60 for spec in todo["spec"]]
    each = " / ".join(f"{m:g}" for m in sorted(set(budgets)))
    st.info(md("{n} budget run(s) to train: each ends within its budget ({each} min), so "
               "they take at most {total} min in all. Each run first measures how fast its "
               "model trains here (or uses earlier runs on this machine), then chooses its "
               "input size, epochs and training images; Run details say what it chose and "
               "why.", n=len(todo), each=each, total=f"{sum(budgets):g}"),
            icon=":material/timer:")
