"""Seconds per saliency method through the Explain page's code path (not collected by pytest).

    LESIONLAB_STORE=<a store with demo runs> python -m tests.explain_page.speed [repeats]

For each run in the store and each method: the first map (explainer built, traced for the
multi-pass methods), then the median of ``repeats`` warm maps on other test images, then one
warm sanity check (randomized model + second map + deletion curve). Everything goes through
``core.explain`` exactly as the page calls it, with each method's default options.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(repeats: int = 3) -> None:
    from core.config import store_root
    from core.datasets import load_dataset
    from core.datasets.images import decode_image
    from core.saliency import METHODS
    from core.store import ResultsStore
    from core.explain import RunModel, explain, predict, sanity_check
    from models import register_custom_objects

    register_custom_objects()
    store = ResultsStore(store_root())
    runs = store.list_runs()
    runs = runs[runs["strategy"] == "none"]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"warm = median of {repeats}")
    print(f"{'model':12} {'method':12} {'first s':>8} {'warm s':>8} {'sanity s':>9}")
    for row in runs.itertuples():
        stored = store.get(row.run_id)
        model = stored.load_model()
        run = RunModel.from_record(row.run_id, row.model, stored.record)
        table = load_dataset(row.dataset).table.set_index("sample_id")
        predictions = stored.predictions()
        test_ids = predictions.loc[predictions["split"] == "test", "sample_id"][:repeats + 1]
        images = [decode_image(table.at[sid, "path"]) for sid in test_ids]
        preds = predict(model, run, images)
        for method in METHODS:
            seconds, maps = [], []
            for prediction in preds:
                started = time.perf_counter()
                maps.append(explain(model, run, method, prediction.model_input,
                                    prediction.predicted, {}))
                seconds.append(time.perf_counter() - started)
            started = time.perf_counter()
            sanity_check(model, run, method, preds[1].model_input, maps[1],
                         preds[1].predicted, {})
            sanity = time.perf_counter() - started
            print(f"{row.model:12} {method:12} {seconds[0]:8.2f} "
                  f"{statistics.median(seconds[1:]):8.3f} {sanity:9.2f}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
