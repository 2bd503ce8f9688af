"""Where Lesionlab keeps its state on disk.

One root folder (``LESIONLAB_HOME``, default ``~/.lesionlab``) holds the generated demo
dataset, the datasets registry file and the results store, so that a user can move, back up
or wipe everything the tool wrote in one place, and tests can point it at a temp folder.
Nothing is ever written inside a user's dataset folder.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "LESIONLAB_HOME"


def home() -> Path:
    """The state root; created on first use."""
    root = Path(os.environ.get(HOME_ENV) or Path.home() / ".lesionlab").expanduser()
    root.mkdir(parents=True, exist_ok=True)
    return root


def datasets_registry_path() -> Path:
    """The user-editable TOML file that declares datasets (see README, "Datasets")."""
    return Path(os.environ.get("LESIONLAB_DATASETS") or home() / "datasets.toml")


def demo_root() -> Path:
    """Where the synthetic demo is generated: inside the state root, never beside user data,
    so that wiping the root also removes it."""
    return home() / "datasets" / "demo"


def store_root() -> Path:
    """The results store; ``LESIONLAB_STORE`` moves it alone (e.g. to a larger disk) while
    the registry stays in the state root."""
    return Path(os.environ.get("LESIONLAB_STORE") or home() / "store")
