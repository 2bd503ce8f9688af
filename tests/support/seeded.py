"""More seeds of a stored run without training them: the run's predictions with its test and
validation scores perturbed, committed under the identity of another seed.

Why: the per-configuration view, the ranking and their benchmark need configurations with
several seeds, and training each seed costs minutes on two cores. What a seed changes in a
stored run is its scores; the clone keeps the run's samples, labels, history and model file and
changes only the scores (and the seed), so every number the Compare page computes from it is
computed for real. The clones are labelled as such in their record ("seed_clone_of").
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from core.store import ResultsStore, run_id

__all__ = ["add_seeds", "copy_runs"]


def copy_runs(source: ResultsStore, target: ResultsStore, run_ids: Iterable[str]) -> list[str]:
    """The runs of ``source`` committed as they are into ``target`` (a store of one's own)."""
    out = []
    for rid in run_ids:
        run = source.get(rid)
        target.commit(run.run_id, run.identity, dict(run.record), run.predictions(),
                      run.history(), run.model_path)
        out.append(rid)
    return out


def add_seeds(store: ResultsStore, rid: str, seeds: Iterable[int], *, noise: float = 0.05,
              shift: float = 0.0, **factors: object) -> list[str]:
    """Clones of run ``rid`` as seeds ``seeds``: each binary run's positive-class score moved by
    Gaussian noise of SD ``noise`` (on the logit scale, so scores stay probabilities) plus
    ``shift`` times the true label (a better or worse configuration). ``factors`` replace
    identity factors (``strategy="oversample"``: the clones form another configuration).
    Returns the new ids."""
    run = store.get(rid)
    pred = run.predictions()
    pos = int(run.record.get("positive_index", 1))
    y = (pred["target"].to_numpy() == pos).astype(float)
    logit = np.log(np.clip(pred[f"prob_{pos}"].to_numpy(), 1e-6, 1 - 1e-6))
    logit -= np.log(np.clip(1 - pred[f"prob_{pos}"].to_numpy(), 1e-6, 1 - 1e-6))
    ids = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        p = 1.0 / (1.0 + np.exp(-(logit + rng.normal(0.0, noise, len(pred)) + shift * y)))
        clone = pred.assign(**{f"prob_{pos}": p, f"prob_{1 - pos}": 1.0 - p})
        identity = {**run.identity, **factors, "seed": int(seed)}
        new = run_id(identity)
        record = {**run.record, "run_id": new, "seed_clone_of": rid,
                  "spec": {**(run.record.get("spec") or {}), **factors, "seed": int(seed)}}
        store.commit(new, identity, record, clone, run.history(), run.model_path)
        ids.append(new)
    return ids
