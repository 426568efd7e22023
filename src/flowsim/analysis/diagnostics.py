"""Diagnostics of a calibration: which targets can inform it, how well the posterior is identified,
and where every value of the scenario comes from.
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
import re
from typing import Any

import numpy as np
import pandas as pd

from flowsim.analysis.abc_model import Prior, TargetModel
from flowsim.analysis.executors import make_executor
from flowsim.analysis.posterior import Posterior, correlations, identifiability, strong_pairs
from flowsim.analysis.targets import TargetSet
from flowsim.scenario.spec import ScenarioSpec
from flowsim.run.seeds import Purpose, random_stream

UNINFORMATIVE_SHARE = 0.9
"""A target that at least this share of prior draws satisfies cannot inform the parameters."""


def prior_informativeness(scenario: ScenarioSpec, targets: TargetSet, priors: list[Prior], *, draws: int,
                          scale: float | None, seed: int, workers: int = 1,
                          executor: Executor | None = None) -> pd.DataFrame:
    """How often runs drawn from the priors land inside each target's interval.

    A calibration target that nearly every prior draw satisfies says nothing about the
    parameters (it only looks like a fit); one that no draw satisfies marks a mechanism the
    model lacks. Both are worth knowing before trusting a posterior.

    Runs on ``executor`` when given, else on ``workers`` local processes.

    Returns:
        One row per target: id, role, prior_share_inside, verdict.
    """
    rng = random_stream(seed, Purpose.PRIOR_INFORMATIVENESS)
    model = TargetModel(scenario, targets, priors, scale, seed)
    samples = [{p.key: float(rng.uniform(p.lower, p.upper)) for p in priors} for _ in range(draws)]
    if executor is not None:
        values = list(executor.map(model, samples, chunksize=4))
    else:
        with make_executor("process" if workers > 1 else "serial", workers) as pool:
            values = list(pool.map(model, samples))
    rows = []
    for target in targets:
        inside = [target.contains(float(v.get(target.id, math.nan))) for v in values]
        share = float(np.mean(inside)) if inside else math.nan
        verdict = ("uninformative: satisfied by almost every prior draw" if share >= UNINFORMATIVE_SHARE
                   else "no prior draw reaches it" if share == 0 else "informative")
        rows.append({"id": target.id, "role": target.role, "prior_share_inside": round(share, 3),
                     "verdict": verdict})
    return pd.DataFrame(rows)


def posterior_diagnostics(posterior: pd.DataFrame, scenario: ScenarioSpec) -> dict[str, Any]:
    """Identifiability of a posterior, for the record: prior vs posterior width, ridges, bounds."""
    names = [p.name for p in scenario.calibration.parameters] if scenario.calibration else []
    particles = Posterior.from_frame(posterior, names)
    table = identifiability(particles, scenario)
    return {
        "identifiability": [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                            for row in table.to_dict(orient="records")],
        "pressed_against_a_bound": [r["parameter"] for r in table.to_dict(orient="records") if r["at_bound"]],
        "correlated_pairs": strong_pairs(correlations(particles)),
    }


_FIGURE = re.compile(r"\b(?:[A-Z]{2,3}-N?\d+|F\d{1,2})\b")


def value_provenance(scenario: ScenarioSpec) -> dict[str, list[str]]:
    """Which scenario values are calibrated, which come from documented figures, which are assumed.

    Read from the scenario file's comments: a value whose comment says "assumption" is
    hand-set (even where a source text motivates it); one whose comment names a documented
    figure (a data-pack id such as ``KZ-05``, or a source figure such as ``F7``) is from
    data; any other commented value that only cites a source text (``002``) is a
    source-motivated assumption; the calibration's free parameters are calibrated.
    """
    calibrated = [p.name for p in scenario.calibration.parameters] if scenario.calibration else []
    from_data: list[str] = []
    assumed: list[str] = []
    path = scenario.source_path
    if path is not None and path.is_file():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code, _, comment = line.partition("#")
            if not comment.strip() or not code.strip():
                continue  # no comment, or a comment line of its own
            key = code.strip().lstrip("- ").split(":")[0].strip()
            if key.startswith("{"):
                key = code.strip()[:60]
            entry = f"line {number}: {key} ({comment.strip()[:90]})"
            if "calibrated" in comment:
                continue
            if "assumption" in comment:
                assumed.append(entry)
            elif _FIGURE.search(comment):
                from_data.append(entry)
            else:
                assumed.append(entry)
    return {"calibrated": calibrated, "from_data": from_data, "assumed": assumed}
