"""``flowsim run``, ``validate`` and ``calibrate`` on a network scenario (an imported Flee case).

The subcommand modules call :func:`is_network` first and hand network scenarios to these
handlers; the options are the subcommands' own.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path


def is_network(path: str) -> bool:
    from flowsim.kinds.network.scenario.schema import is_network_file

    return is_network_file(path)


def refuse_mobilization_only(command: str, *paths: str) -> None:
    """A network scenario given to a command that runs mobilization scenarios only: say what to use."""
    from flowsim.errors import UserError

    for path in paths:
        if is_network(path):
            raise UserError(f"{path} is a network scenario (kind: network, an imported Flee case); flowsim {command} "
                            "runs mobilization scenarios. For runs of a network scenario with bands over seeds "
                            f"use: flowsim validate {path} --runs N.")


def _out(args: argparse.Namespace, scenario, *parts: str) -> Path:
    out = getattr(args, "out", None)
    return Path(out) if out else Path("outputs").joinpath(scenario.name, *parts)


def _scale(args: argparse.Namespace) -> int | None:
    scale = getattr(args, "scale", None)
    return int(round(scale)) if scale is not None else None


def check(args: argparse.Namespace) -> int:
    """Read the scenario and its case, and say what is in it."""
    from flowsim.kinds.network.scenario.schema import load_network_scenario

    scenario = load_network_scenario(args.scenario)
    case = scenario.network_case
    print(f"{args.scenario}: OK — network scenario '{scenario.name}' (rules: {scenario.rules}), case {scenario.case_dir}: "
          f"{len(case.locations)} locations, {len(case.camp_names)} camps, {len(case.routes)} routes, "
          f"{len(case.closures)} closures, from {case.start_date} for {scenario.days} days.")
    return 0


def run(args: argparse.Namespace) -> int:
    """One run: camps.csv, daily.csv, flee_score.json, figure and report."""
    from flowsim.kinds.network.analysis.validation import scored_run
    from flowsim.kinds.network.run.results import write_network_tables
    from flowsim.kinds.network.scenario.schema import load_network_scenario

    scenario = load_network_scenario(args.scenario)
    out = _out(args, scenario)
    result = scored_run(scenario, seed=args.seed, scale=_scale(args))
    write_network_tables(result, out)
    if not getattr(args, "no_figures", False):
        from flowsim.kinds.network.figures.camps import write_network_figures

        write_network_figures(out)
    if not getattr(args, "quiet", False):
        _print_score(result, out)
    return 0


def validate(args: argparse.Namespace) -> int:
    """Several runs: camp series with bands, ARD mean and sd, and the forecast ARD after fit_until."""
    from flowsim.kinds.network.analysis.validation import validation_runs
    from flowsim.kinds.network.figures.camps import write_network_figures
    from flowsim.kinds.network.run.results import write_network_tables
    from flowsim.kinds.network.scenario.schema import load_network_scenario

    scenario = load_network_scenario(args.scenario)
    out = _out(args, scenario, "validation")
    result = validation_runs(scenario, args.runs, seed=args.seed, scale=_scale(args), workers=args.workers or 1,
                             scheduler=getattr(args, "scheduler", None))
    write_network_tables(result, out)
    write_network_figures(out)
    if not getattr(args, "quiet", False):
        _print_score(result, out)
    return 0


def calibrate(args: argparse.Namespace) -> int:
    """ABC-SMC fit of the rule parameters on the series up to --fit-until."""
    from flowsim.kinds.network.analysis.calibration import calibrate_network, write_network_calibration
    from flowsim.kinds.network.scenario.schema import load_network_scenario

    scenario = load_network_scenario(args.scenario)
    fit_until = getattr(args, "fit_until", None)
    if fit_until is not None:
        scenario = scenario.with_overrides({"fit_until": fit_until.isoformat() if isinstance(fit_until, dt.date) else fit_until})
    out = _out(args, scenario, "calibration")
    budget = args.budget if isinstance(args.budget, dt.timedelta) else dt.timedelta(minutes=10)
    result = calibrate_network(
        scenario, budget=budget, out_dir=out, population_size=getattr(args, "population_size", 30) or 30,
        max_populations=getattr(args, "max_populations", None) or 8, scale=_scale(args), seed=args.seed,
        workers=getattr(args, "workers", 1) or 1, scheduler=getattr(args, "scheduler", None),
    )
    calibrated = getattr(args, "calibrated_file", None)
    if calibrated is None:
        target = scenario.calibration.calibrated_file or "calibrated.yaml"
        calibrated = (scenario.source_path.parent / target) if scenario.source_path else out / "calibrated.yaml"
    write_network_calibration(result, scenario, out, Path(calibrated))
    if not getattr(args, "quiet", False):
        print(f"{scenario.name}: {result.populations} populations, {result.simulations} simulations; "
              f"ARD on the fit period (to {result.fit_until or 'the end'}): {result.fit_ard:.3f} at the calibrated values "
              f"({result.chosen}), {result.start_ard:.3f} at the starting values (means over the same seeds)")
        for name, value in result.values.items():
            print(f"  {name} = {value:.4g}")
        print(f"calibrated values written to {calibrated}; `flowsim validate {args.scenario}` reports the forecast ARD")
    return 0


def _print_score(result, out: Path) -> None:
    score = result.score
    line = f"{result.meta['scenario']} (rules: {result.meta['rules']}, {result.meta['scale']} people per agent): ARD {score['ard']:.3f}"
    if "ard_sd" in score:
        line += f" ± {score['ard_sd']:.3f} over {score['runs']} runs"
    line += f", rescaled {score['ard_rescaled']:.3f}"
    if "ard_forecast" in score:
        line += f"; fit (to {score['fit_until']}) {score['ard_fit']:.3f}, forecast {score['ard_forecast']:.3f}"
    print(line)
    print(f"tables written to {out}/")
