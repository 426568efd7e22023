"""Flee's error measure for camp series: the averaged relative difference (ARD).

For each day, ARD_day = Σ_camps |simulated − observed| / max(Σ_camps observed, 1), and the
ARD is its mean over days. The *rescaled* ARD first scales each day's simulated camp counts so
their total equals the observed total (when the simulated total is positive, else 0), so only
the split across camps is scored. Both are computed as Flee's
``postprocessing/extract-validation-results.py`` does.

Reference: Suleimenova, Bell & Groen (2017), Scientific Reports 7, 13377,
doi:10.1038/s41598-017-13828-9 (the averaged relative difference).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def daily_relative_difference(simulated: np.ndarray, observed: np.ndarray, *, rescaled: bool = False) -> np.ndarray:
    """ARD of each day: arrays (days, camps) in, (days,) out."""
    sim = np.asarray(simulated, dtype=float)
    obs = np.asarray(observed, dtype=float)
    if rescaled:
        sim_total = sim.sum(axis=1, keepdims=True)
        obs_total = obs.sum(axis=1, keepdims=True)
        safe = np.where(sim_total > 0, sim_total, 1.0)
        sim = np.where(sim_total > 0, sim * obs_total / safe, 0.0)
    return np.abs(sim - obs).sum(axis=1) / np.maximum(obs.sum(axis=1), 1.0)


def ard(simulated: np.ndarray, observed: np.ndarray) -> float:
    """Flee's averaged relative difference over all days."""
    return float(daily_relative_difference(simulated, observed).mean())


def ard_rescaled(simulated: np.ndarray, observed: np.ndarray) -> float:
    """ARD after scaling each day's simulated camp total to the observed one."""
    return float(daily_relative_difference(simulated, observed, rescaled=True).mean())


def camps_matrix(camps: pd.DataFrame, column: str) -> tuple[list, np.ndarray]:
    """A long camps table (date, camp, simulated, observed) as (dates, (days, camps) array)."""
    wide = camps.pivot(index="date", columns="camp", values=column).sort_index()
    return list(wide.index), wide.to_numpy(dtype=float)


def score_camps(camps: pd.DataFrame, fit_until: str | None = None) -> dict:
    """``ard`` and ``ard_rescaled`` of a camps table, and the fit / forecast split if ``fit_until`` is given.

    Args:
        camps: long table with columns date (ISO text), camp, simulated, observed.
        fit_until: last date (ISO) of the fitting period; later days are the forecast.
    """
    dates, sim = camps_matrix(camps, "simulated")
    _, obs = camps_matrix(camps, "observed")
    score = {"ard": ard(sim, obs), "ard_rescaled": ard_rescaled(sim, obs), "days": len(dates)}
    if fit_until is not None:
        fit = np.array([str(d) <= str(fit_until) for d in dates])
        for label, mask in (("fit", fit), ("forecast", ~fit)):
            if mask.any():
                score[f"ard_{label}"] = ard(sim[mask], obs[mask])
                score[f"ard_rescaled_{label}"] = ard_rescaled(sim[mask], obs[mask])
                score[f"days_{label}"] = int(mask.sum())
        score["fit_until"] = str(fit_until)
    return score
