"""Calibration on the external set: calibration-in-the-large and the calibration slope.

Calibration is what shifts first when a model meets another hospital's images (another
prevalence, another scanner): the ranking (AUC) may survive while the probabilities no longer
mean what they say. Both numbers come from logistic recalibration on the logit of the predicted
probability ``lp = logit(p)`` (Cox 1958; Van Calster et al. 2016, "A calibration hierarchy"):

* **calibration slope** ``b`` of ``logit P(y=1) = a + b * lp`` (scikit-learn's unpenalised
  ``LogisticRegression(C=inf)``): 1 is ideal, below 1 means predictions too extreme
  (overfitting, or a harder population), above 1 too modest;
* **calibration-in-the-large** (CITL) ``a`` of ``logit P(y=1) = a + lp`` (slope fixed at 1,
  ``lp`` an offset): 0 is ideal, above 0 means the model under-predicts risk on this set, below
  0 that it over-predicts. With the slope fixed, its maximum-likelihood equation
  ``sum expit(a + lp) = sum y`` is one monotone equation in ``a``, solved with SciPy's
  ``brentq``. The observed and mean predicted risk are reported beside it.

Confidence intervals are Wald intervals from the fitted model's Fisher information (the inverse
of ``X' W X`` with ``W = p(1 - p)``), as statsmodels' ``Logit`` reports them. Probabilities are
clipped to [1e-6, 1 - 1e-6] before the logit, so a saturated 0 or 1 stays finite.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, logit
from scipy.stats import norm
from sklearn.linear_model import LogisticRegression

__all__ = ["ExternalCalibration", "logistic_recalibration"]

_CLIP = 1e-6


@dataclass(frozen=True)
class ExternalCalibration:
    citl: float
    citl_ci: tuple[float, float]
    slope: float
    slope_ci: tuple[float, float]
    observed_risk: float
    mean_predicted_risk: float
    n: int
    reason: str | None = None  # why a number is NaN (one class only)

    def as_record(self) -> dict:
        return {"citl": self.citl, "citl_ci": list(self.citl_ci), "slope": self.slope,
                "slope_ci": list(self.slope_ci), "observed_risk": self.observed_risk,
                "mean_predicted_risk": self.mean_predicted_risk, "n": self.n,
                "reason": self.reason}


def logistic_recalibration(y, p, *, alpha: float = 0.05) -> ExternalCalibration:
    """CITL and calibration slope (with Wald CIs) of probabilities ``p`` for outcomes ``y``."""
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    lp = logit(np.clip(np.asarray(p, dtype=np.float64).reshape(-1), _CLIP, 1 - _CLIP))
    observed, expected = float(y.mean()), float(expit(lp).mean())
    nan = (float("nan"), float("nan"))
    if y.min() == y.max():
        return ExternalCalibration(float("nan"), nan, float("nan"), nan, observed, expected,
                                   len(y), "one outcome class only: no logistic fit")
    z = float(norm.ppf(1 - alpha / 2))
    citl = float(brentq(lambda a: float(expit(a + lp).sum() - y.sum()), -50.0, 50.0,
                        xtol=1e-12))
    w = expit(citl + lp)
    citl_se = float(1.0 / np.sqrt(np.sum(w * (1 - w))))
    fit = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(lp[:, None], y)
    a, b = float(fit.intercept_[0]), float(fit.coef_[0, 0])
    w = expit(a + b * lp) * (1 - expit(a + b * lp))
    x = np.column_stack([np.ones_like(lp), lp])
    cov = np.linalg.pinv(x.T @ (w[:, None] * x))
    slope_se = float(np.sqrt(cov[1, 1]))
    return ExternalCalibration(citl, (citl - z * citl_se, citl + z * citl_se), b,
                               (b - z * slope_se, b + z * slope_se), observed, expected, len(y))
