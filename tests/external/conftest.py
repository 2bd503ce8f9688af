"""One real run trained on the demo dataset (3 short epochs of a small CNN, learnable: test
AUC ~0.9) and a second "site" with an acquisition shift, shared by the tests of this folder."""

from __future__ import annotations

import pytest

from core.store import ResultsStore
from core.training import RunSpec, train_run
from tests.external.sites import shifted_site

SOURCE = RunSpec("demo", "idc_own", "none",
                 overrides={"epochs": 3, "max_train_images": 600, "batch_size": 32})


@pytest.fixture(scope="session")
def source(lesionlab_home, tmp_path_factory):
    """``(store, run)``: the trained source run in a store of its own."""
    store = ResultsStore(tmp_path_factory.mktemp("external_store"))
    return store, train_run(SOURCE, store)


@pytest.fixture(scope="session")
def site_b(lesionlab_home, tmp_path_factory) -> str:
    return shifted_site(tmp_path_factory.mktemp("sites"))
