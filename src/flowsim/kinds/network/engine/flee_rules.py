"""Flee 3.1's movement and spawning rules, as small functions on arrays.

Each function reimplements one rule of Flee 3.1 (Groen et al.; https://github.com/djgroen/flee,
``flee/moving.py``, ``flee/spawning.py``, ``flee/scoring.py``, ``flee/flee.py``) over all
locations or all people at once; :class:`flowsim.kinds.network.engine.model.NetworkModel` applies them in
Flee's order. flowsim's own choice model (``rules: flowsim``) reuses the same machinery with
:func:`logit_weights` in place of :func:`route_weights`.

References:
    Suleimenova, D., Bell, D. & Groen, D. (2017). A generalized simulation development
    approach for predicting refugee destinations. Scientific Reports 7, 13377.
    doi:10.1038/s41598-017-13828-9
"""

from __future__ import annotations

import numpy as np

# Location kinds as small integers (arrays of kinds are compared, never strings).
CONFLICT, TOWN, CAMP, IDPCAMP, FORWARD, MARKER, OTHER = range(7)
KIND_CODES = {
    "conflict_zone": CONFLICT,
    "town": TOWN,
    "camp": CAMP,
    "idpcamp": IDPCAMP,
    "forward": FORWARD,
    "marker": MARKER,
    "other": OTHER,
}
FULL_CAMP_THRESHOLD = 0.5  # Flee drops a route whose end camp's capacity multiplier is below this


def conflict_decay(days_since: np.ndarray, decay: list[float] | None) -> np.ndarray:
    """Spawn (and score) multiplier of a conflict ``days_since`` days old: one value per 30 days.

    Flee 3.1 ``SimulationSettings.get_conflict_decay``: index ``int(days / 30)`` capped at the
    last entry; no list means no decay. ``int()`` truncates towards zero, so a conflict that
    starts tomorrow (-1 days) is in the first bucket.
    """
    days_since = np.asarray(days_since, dtype=float)
    if not decay:
        return np.ones_like(days_since)
    bucket = np.minimum(np.trunc(days_since / 30.0).astype(int), len(decay) - 1)
    bucket = np.maximum(bucket, -len(decay))  # Python-style negative index, as Flee's list indexing
    return np.asarray(decay, dtype=float)[bucket]


def capacity_multiplier(occupancy: np.ndarray, capacity: np.ndarray, buffer: float) -> np.ndarray:
    """Flee's ``getCapMultiplier`` per location: 1 below ``buffer`` × capacity, 0 when full, linear between.

    A capacity below 1 means none (multiplier 1).
    """
    occupancy = np.asarray(occupancy, dtype=float)
    capacity = np.asarray(capacity, dtype=float)
    out = np.ones_like(occupancy)
    has = capacity >= 1
    cap = capacity[has]
    out[has] = capped_multiplier(occupancy[has], cap, buffer * cap, cap * (1.0 - buffer))
    return out


def capped_multiplier(occupancy: np.ndarray, capacity: np.ndarray, floor: np.ndarray, span: np.ndarray) -> np.ndarray:
    """:func:`capacity_multiplier` of places that have a capacity, given buffer × capacity (``floor``) and capacity − floor (``span``)."""
    return np.where(occupancy <= floor, 1.0, np.where(occupancy >= capacity, 0.0, 1.0 - (occupancy - floor) / span))


def location_scores(
    foreign: np.ndarray,
    camp: np.ndarray,
    conflict: np.ndarray,
    decay: np.ndarray,
    foreign_weight: float,
    camp_weight: float,
    conflict_weight: float,
) -> np.ndarray:
    """Flee's ``updateLocationScore``: foreign × camp × conflict_weight^(decay × intensity) multipliers."""
    score = np.ones(len(foreign))
    score = np.where(foreign, score * foreign_weight, score)
    score = np.where(camp, score * camp_weight, score)
    in_conflict = conflict > 0.0
    score = np.where(in_conflict, score * conflict_weight ** (decay * np.where(in_conflict, conflict, 0.0)), score)
    return score


def route_weights(
    end_score: np.ndarray,
    end_capacity_multiplier: np.ndarray,
    distance: np.ndarray,
    *,
    softening: float,
    distance_power: float,
    weight_softening: float,
    weight_power: float,
) -> np.ndarray:
    """Flee's ``calculateLinkWeight`` for candidate routes: (ws + score) / (softening + km)^p × cap, ^ power."""
    weight = (weight_softening + end_score) / (softening + distance) ** distance_power * end_capacity_multiplier
    return weight**weight_power


def logit_weights(
    distance: np.ndarray,
    end_is_camp: np.ndarray,
    end_is_foreign: np.ndarray,
    end_conflict: np.ndarray,
    end_capacity_multiplier: np.ndarray,
    *,
    per_100km: float,
    camp: float,
    foreign: float,
    conflict: float,
) -> np.ndarray:
    """flowsim's choice model: exp(utility) over candidate routes, scaled by the capacity multiplier."""
    utility = per_100km * distance / 100.0 + camp * end_is_camp + foreign * end_is_foreign + conflict * np.maximum(end_conflict, 0.0)
    utility = utility - utility.max(axis=-1, keepdims=True) if utility.size else utility
    return np.exp(utility) * end_capacity_multiplier


def choose(weights: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Flee's ``chooseFromWeights``: an index per uniform draw, equal weights when all are zero."""
    total = weights.sum()
    if not total > 0.0:
        weights = np.ones_like(weights)
        total = float(len(weights))
    cumulative = np.cumsum(weights)
    return np.minimum(np.searchsorted(cumulative, uniforms * total, side="right"), len(weights) - 1)


def daily_new_people(total_daily: np.ndarray, insert_day0: bool) -> np.ndarray:
    """Flee's ``spawn_daily_displaced``: people to spawn each day from the total series.

    The day's increase of the (interpolated, whole-number) series, minus the debt: a
    negative result spawns nobody and becomes the debt, a positive one clears it. With
    ``insert_day0`` nobody is spawned on day 0 (the camps are pre-filled instead).
    """
    n = len(total_daily)
    out = np.zeros(n, dtype=np.int64)
    debt = 0
    for t in range(n):
        diff = int(total_daily[0]) if t == 0 else int(total_daily[t]) - int(total_daily[t - 1])
        new = diff - debt
        if insert_day0 and t == 0:
            new = 0
        if new < 0:
            debt = -new
            new = 0
        elif debt > 0:
            debt = 0
        out[t] = new
    return out


def spawn_weights(population: np.ndarray, conflict: np.ndarray, decay: np.ndarray) -> np.ndarray:
    """Flee's ``refresh_spawn_weights``: population × intensity × decay in conflict zones, 0 elsewhere."""
    return np.where(conflict > 0.0, population * conflict * decay, 0.0)


def recent_travel(log_index: np.ndarray, today: int) -> np.ndarray:
    """Each person's recent-travel index at the end of yesterday, from its stored form.

    Flee halves everyone's index every day and adds half of the day's km / max speed. The
    index is stored as log2(index) + the day it was last updated (−inf for 0), so that the
    days without travel need no update: at the end of day ``today - 1`` it is
    2^(stored − (today − 1)).
    """
    return np.exp2(log_index - np.float32(today - 1))


def stored_recent_travel(index: np.ndarray, today: int) -> np.ndarray:
    """The stored form (see :func:`recent_travel`) of an index updated at the end of ``today``."""
    with np.errstate(divide="ignore"):
        return np.log2(index) + np.float32(today)
