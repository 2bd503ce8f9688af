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
