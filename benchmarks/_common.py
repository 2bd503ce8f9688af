"""Shared bits of the benchmark scripts: a throwaway Lesionlab home and a results table."""

from __future__ import annotations

import os
import tempfile


def temporary_home(prefix: str) -> str:
    """Point LESIONLAB_HOME at a fresh folder unless the caller chose one (to keep runs)."""
    if not os.environ.get("LESIONLAB_HOME"):
        os.environ["LESIONLAB_HOME"] = tempfile.mkdtemp(prefix=prefix)
    return os.environ["LESIONLAB_HOME"]


def auc_with_ci(run) -> tuple[float, float, float, float]:
    """Test AUC with its DeLong 95% CI, and accuracy at 0.5, from a stored run."""
    from core.evaluation import RunEvaluation

    evaluation = RunEvaluation.from_predictions(
        run.predictions(), positive_index=run.record["positive_index"], n_boot=200)
    accuracy = evaluation.at(0.5).metrics.accuracy
    return evaluation.auc.auc, evaluation.auc.ci_low, evaluation.auc.ci_high, accuracy


def prepared_store(prefix: str, source, repo):
    """(work folder, store) for a server benchmark: a fresh folder holding LESIONLAB_HOME (unless
    the caller chose one) and a store copied from ``source``, or trained demo runs."""
    import shutil
    from pathlib import Path

    work = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("LESIONLAB_HOME", str(work / "home"))
    store = work / "store"
    if source is not None:
        shutil.copytree(source, store)
    else:
        train_demo_store_in_child(store, repo)
    return work, store


def train_demo_store_in_child(root, repo) -> None:
    """Three real demo runs into ``root``, trained in a child process: TensorFlow loaded in a
    benchmark's own process would slow what it measures (AppTest runs, a server's sessions)."""
    import subprocess
    import sys
    import time

    print("training 3 real demo runs (2 epochs, 600 images each) ...", flush=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c",
                    "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
                    "from tests.support.trained import train_demo_store;"
                    "train_demo_store(Path(sys.argv[2]))", str(repo), str(root)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"  trained in {time.perf_counter() - started:.0f} s")


def threshold_moves(at, repeats: int) -> tuple[float, float]:
    """Medians of (full AppTest rerun, the threshold fragment's own time) over moves of the
    Compare page's threshold slider (the fragment times itself into the session state)."""
    import statistics
    import time

    full, fragment = [], []
    # The slider is live only under "Free value" (dashboard/threshold.py), as for a user.
    at.radio(key="compare.threshold.preset").set_value("Free value").run()
    for k in range(repeats):
        at.slider(key="compare.threshold.value").set_value(round(0.30 + 0.01 * (k % 40), 2))
        t = time.perf_counter()
        at.run()
        full.append(time.perf_counter() - t)
        fragment.append(at.session_state["lesionlab.compare.fragment_s"])
        if at.exception:
            raise SystemExit(f"the page raised: {at.exception[0].value}")
    return statistics.median(full), statistics.median(fragment)


def open_compare(repo, query: dict, timeout: int = 600):
    """A fresh AppTest session on the Compare page with ``query`` in its URL, and the seconds
    its first render took (the app's Home page is run first, as a browser would)."""
    import time

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(repo / "app.py"), default_timeout=timeout)
    at.run()
    at.switch_page("pages/compare.py")
    at.query_params.update(query)
    started = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"the page raised: {at.exception[0].value}")
    return at, elapsed
