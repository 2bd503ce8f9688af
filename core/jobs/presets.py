"""Ready-made grids: the demo comparison a first-time user trains from the Home page.

The demo grid is the comparison the tool exists for, kept to what a 2-core CPU finishes while the
user explores the app, with the quick profile: two of the IDC study's small CNNs (50 px patches)
and MobileNetV2 (64 px), each trained without and with class weighting, on the SYNTHETIC demo
dataset. Measured: 17 min for the six runs (80-240 s each) on a 2-core CPU shared with other
work (load average 6-11), so less on an idle one. ``LESIONLAB_DEMO_GRID=tiny`` shrinks it to
one very short run, for tests and smoke checks of a fresh install.
"""

from __future__ import annotations

import os

DEMO_GRID_ENV = "LESIONLAB_DEMO_GRID"
DEMO_MODELS = ("idc_initial", "idc_own", "mobilenet_v2")
DEMO_STRATEGIES = ("none", "class_weight")
#: One epoch on a few batches: seconds of training, still a complete stored run.
TINY_OVERRIDES = {"epochs": 1, "max_train_images": 128, "batch_size": 32}


def demo_grid(size: str | None = None) -> list:
    """RunSpecs of the demo comparison; ``size`` "standard" (default) or "tiny" (else read from
    ``LESIONLAB_DEMO_GRID``)."""
    from core.training import expand_grid

    size = (size or os.environ.get(DEMO_GRID_ENV) or "standard").strip().lower()
    if size == "tiny":
        return expand_grid(["demo"], ["idc_initial"], ["none"], profile="quick",
                           overrides=TINY_OVERRIDES)
    if size != "standard":
        raise ValueError(f"{DEMO_GRID_ENV} must be 'standard' or 'tiny', not {size!r}.")
    return expand_grid(["demo"], DEMO_MODELS, DEMO_STRATEGIES, profile="quick")
