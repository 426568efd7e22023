"""Runs of network scenarios (imported Flee cases): simulate, tabulate, score and write.

``simulate_network`` runs one seed and returns data frames; ``simulate_network_runs`` runs
several (seeds from ``numpy.random.SeedSequence(seed).spawn(n)``) and summarises them;
``write_network_run`` writes a run folder through the project's atomic writer:

* ``camps.csv`` — date, camp, simulated, observed (and simulated_p05/p95 for several runs);
* ``daily.csv`` — date, spawned, on_roads, in_camps_simulated, in_camps_observed;
* ``flee_score.json`` — ``ard`` and ``ard_rescaled`` as Flee computes them (and the fit /
  forecast split when the scenario has ``fit_until``; mean and sd over runs for several);
* ``meta.json``, ``figures/camps.png`` and ``report.html``.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from flowsim.analysis.flee_score import score_camps
from flowsim.engine.network import NetworkModel, NetworkRun
from flowsim.flee.scenario import NetworkScenario

try:
    from flowsim.run.writing import write_atomic, write_csv, write_json
except ImportError:  # pragma: no cover - only before the Layout merge
    from flowsim.outputs import write_atomic, write_csv, write_json


@dataclass
class NetworkResult:
    """The tables of one run (or the summary of several) of a network scenario."""

    camps: pd.DataFrame
    daily: pd.DataFrame
    score: dict
    meta: dict = field(default_factory=dict)


def _prepare(scenario: NetworkScenario, scale: int | None) -> NetworkScenario:
    return scenario.with_overrides({"agent_scale": int(scale)}) if scale is not None else scenario


def simulate_network(scenario: NetworkScenario, *, seed: int | None = None, scale: int | None = None) -> NetworkResult:
    """One run of a network scenario.

    Args:
        scenario: the network scenario.
        seed: default: ``calendar.seed``.
        scale: people per agent (default: the scenario's ``agent_scale`` / ``hasten``).
    """
    scenario = _prepare(scenario, scale)
    seed = scenario.calendar.seed if seed is None else seed
    start = time.perf_counter()
    run = NetworkModel(scenario, rng=seed).run()
    runtime = time.perf_counter() - start
    camps = camps_table(run)
    score = score_camps(camps, _fit_until(scenario))
    meta = _meta(scenario, run, seed=seed, runtime=runtime)
    return NetworkResult(camps=camps, daily=daily_table(run), score=score, meta=meta)


def _fit_until(scenario: NetworkScenario) -> str | None:
    return scenario.fit_until.isoformat() if scenario.fit_until else None


def _meta(scenario: NetworkScenario, run: NetworkRun, *, seed, runtime: float) -> dict:
    return {
        "scenario": scenario.name,
        "kind": "network",
        "rules": scenario.rules,
        "case": str(scenario.case_dir),
        "seed": seed,
        "scale": run.scale,
        "agents": run.agents,
        "agent_steps": run.agent_steps,
        "runtime_s": runtime,
        "start": run.dates[0].isoformat(),
        "days": len(run.dates),
        "attribution": "Observed series: UNHCR; ACLED; via djgroen/FabFlee",
    }


def camps_table(run: NetworkRun) -> pd.DataFrame:
    """Long table: date, camp, simulated, observed."""
    days, camps = run.simulated.shape
    return pd.DataFrame(
        {
            "date": np.repeat([d.isoformat() for d in run.dates], camps),
            "camp": np.tile(run.camp_names, days),
            "simulated": run.simulated.reshape(-1),
            "observed": run.observed.reshape(-1),
        }
    )


def daily_table(run: NetworkRun) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": [d.isoformat() for d in run.dates],
            "spawned": run.spawned,
            "on_roads": run.on_roads,
            "in_camps_simulated": run.simulated.sum(axis=1),
            "in_camps_observed": run.observed.sum(axis=1),
        }
    )


def _one(args: tuple) -> tuple[pd.DataFrame, pd.DataFrame, dict, float]:
    scenario, seed = args
    start = time.perf_counter()
    run = NetworkModel(scenario, rng=seed).run()
    camps = camps_table(run)
    return camps, daily_table(run), score_camps(camps, _fit_until(scenario)), time.perf_counter() - start


def simulate_network_runs(scenario: NetworkScenario, runs: int, *, seed: int | None = None, scale: int | None = None, workers: int = 1) -> NetworkResult:
    """Several runs: camp series as mean with 5–95% band, ARD mean and sd over runs."""
    scenario = _prepare(scenario, scale)
    seed = scenario.calendar.seed if seed is None else seed
    seeds = np.random.SeedSequence(seed).spawn(runs)
    children = [np.random.default_rng(s) for s in seeds]
    tasks = [(scenario, child) for child in children]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outputs = list(pool.map(_one, tasks))
    else:
        outputs = [_one(task) for task in tasks]
    sims = np.stack([o[0]["simulated"].to_numpy(dtype=float) for o in outputs])
    camps = outputs[0][0][["date", "camp", "observed"]].copy()
    camps.insert(2, "simulated", sims.mean(axis=0))
    camps["simulated_p05"] = np.percentile(sims, 5, axis=0)
    camps["simulated_p95"] = np.percentile(sims, 95, axis=0)
    daily = outputs[0][1][["date", "in_camps_observed"]].copy()
    for column in ("spawned", "on_roads", "in_camps_simulated"):
        daily[column] = np.mean([o[1][column].to_numpy(dtype=float) for o in outputs], axis=0)
    scores = [o[2] for o in outputs]
    score: dict = {"runs": runs}
    for key in scores[0]:
        values = [s[key] for s in scores]
        if isinstance(values[0], float):
            score[key] = float(np.mean(values))
            score[f"{key}_sd"] = float(np.std(values, ddof=1)) if runs > 1 else 0.0
        else:
            score[key] = values[0]
    score["ard_of_mean"] = score_camps(camps)["ard"]
    meta = {
        "scenario": scenario.name,
        "kind": "network",
        "rules": scenario.rules,
        "case": str(scenario.case_dir),
        "seed": seed,
        "runs": runs,
        "scale": scenario.scale,
        "runtime_s": float(sum(o[3] for o in outputs)),
        "attribution": "Observed series: UNHCR; ACLED; via djgroen/FabFlee",
    }
    return NetworkResult(camps=camps, daily=daily, score=score, meta=meta)


def write_network_run(result: NetworkResult, out: Path, *, figures: bool = True) -> list[Path]:
    """Write a network run folder (tables first, then figure and report); every file atomically."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = [
        write_csv(result.camps, out / "camps.csv"),
        write_csv(result.daily, out / "daily.csv"),
        write_json(result.score, out / "flee_score.json"),
        write_json(result.meta, out / "meta.json"),
    ]
    if figures:
        from flowsim.figures.camps import plot_camps

        fig = plot_camps(result.camps, title=f"{result.meta['scenario']}: people in camps, simulated and observed", fit_until=result.score.get("fit_until"))
        (out / "figures").mkdir(exist_ok=True)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
        png = buffer.getvalue()
        written.append(write_atomic(out / "figures" / "camps.png", lambda p: p.write_bytes(png)))
        report = _report_html(result, png)
        written.append(write_atomic(out / "report.html", lambda p: p.write_text(report, encoding="utf-8")))
    return written


def _report_html(result: NetworkResult, png: bytes) -> str:
    meta, score = result.meta, result.score
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{v:.4f}</td></tr>" if isinstance(v, float) else f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>" for k, v in score.items())
    last = result.camps[result.camps["date"] == result.camps["date"].max()]
    camp_rows = "".join(f"<tr><td>{html.escape(str(r.camp))}</td><td>{r.simulated:,.0f}</td><td>{r.observed:,.0f}</td></tr>" for r in last.itertuples())
    image = base64.b64encode(png).decode()
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(meta['scenario'])}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}td{{padding:2px 10px}}</style></head><body>
<h1>{html.escape(meta['scenario'])}</h1>
<p>Network scenario run with <b>rules: {html.escape(str(meta['rules']))}</b>, seed {html.escape(str(meta['seed']))}, {meta['scale']} people per agent. Case: {html.escape(meta['case'])}.
Generated {dt.date.today().isoformat()} by flowsim.</p>
<h2>Score against UNHCR camp counts</h2><p>ARD: for each day, Σ|simulated − observed| / Σ observed over camps, averaged over days (as Flee computes it); rescaled: simulated camp totals first scaled to the observed total.</p>
<table>{rows}</table>
<h2>Camps</h2><img src="data:image/png;base64,{image}" style="max-width:100%">
<h3>Last day</h3><table><tr><th>camp</th><th>simulated</th><th>observed</th></tr>{camp_rows}</table>
<p style="color:grey">{html.escape(meta['attribution'])}</p></body></html>"""


def meta_json(result: NetworkResult) -> str:
    return json.dumps(result.meta, indent=1)
