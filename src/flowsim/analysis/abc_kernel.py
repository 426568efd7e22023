"""A perturbation kernel for pyABC that stays full-rank (see calibration._ridged_transition)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyabc
from scipy import stats


class RidgedNormalTransition(pyabc.MultivariateNormalTransition):
    """pyABC's multivariate normal kernel plus a fixed variance on each parameter.

    Args:
        floor: variance added to each parameter (by pyABC key) after the weighted covariance
            has been scaled by the bandwidth rule.
        scaling: as in :class:`pyabc.MultivariateNormalTransition`.
    """

    def __init__(self, floor: dict[str, float], scaling: float = 1.0) -> None:
        super().__init__(scaling=scaling)
        self.floor = dict(floor)

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        super().fit(X, w)
        ridge = np.array([self.floor.get(key, 0.0) for key in X.columns])
        self.cov = self.cov + np.diag(ridge)
        self.normal = stats.multivariate_normal(cov=self.cov)
