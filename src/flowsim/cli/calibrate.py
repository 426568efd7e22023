"""``flowsim calibrate SCENARIO --budget 30m``: ABC-SMC fit of the scenario's free parameters."""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from flowsim.cli.options import (
    SCENARIO_HELP, add_scheduler_option, duration, positive_int, rate, scale_value, scenario_file, seed_value,
    whole_number)
from flowsim.errors import UserError

if TYPE_CHECKING:
    from flowsim.analysis.calibration import CalibrationResult


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "calibrate", help="fit the scenario's free parameters to the documented figures (ABC-SMC)",
        description="ABC-SMC calibration of the parameters in the scenario's 'calibration:' section against "
                    "its targets file. Writes the posterior, the calibrated parameter file and its record.")
    parser.add_argument("scenario", type=scenario_file, help=SCENARIO_HELP)
    parser.add_argument("--budget", type=duration, default=None,
                        help="wall-time budget, e.g. 30m, 90s, 1h (required unless --max-populations or "
                             "--max-simulations is given, which make the result independent of the machine's "
                             "speed; network scenarios: 10m)")
    parser.add_argument("--fit-until", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                        help="fit only the figures that end by this date (network scenarios: the camp series up to "
                             "it); flowsim validate --forecast-from of the result scores the later ones")
    parser.add_argument("--scale", type=scale_value, default=None,
                        help="people per agent during calibration (default: the scenario's calibration.scale)")
    parser.add_argument("--workers", type=positive_int, default=1, help="parallel sampling processes (default 1)")
    add_scheduler_option(parser)
    parser.add_argument("--population-size", type=positive_int, default=100,
                        help="accepted particles per population (default 100)")
    parser.add_argument("--seed", type=seed_value, default=None, help="root seed of the model runs (default: the scenario's)")
    parser.add_argument("--min-acceptance-rate", type=rate, default=0.01,
                        help="stop when a population's acceptance rate falls below this (default 0.01)")
    parser.add_argument("--max-simulations", type=positive_int, default=None, help="stop after this many simulations")
    parser.add_argument("--max-populations", type=positive_int, default=None, help="stop after this many populations")
    parser.add_argument("--point", choices=("median", "best"), default="median",
                        help="calibrated value: posterior weighted median (default) or best particle")
    parser.add_argument("--check-runs", type=whole_number(0, 1000), default=3,
                        help="runs at scale 1 to check the calibrated values (default 3; 0 skips)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for posterior.csv and abc.db (default outputs/<scenario>/calibration/)")
    parser.add_argument("--calibrated-file", type=Path, default=None,
                        help="where to write the calibrated values (default: the scenario's calibration.calibrated_file)")
    parser.add_argument("--prior-draws", type=int, default=100,
                        help="runs drawn from the priors first, to report how informative each target is "
                             "(default 100; 0 skips)")
    parser.add_argument("--history-match-runs", type=whole_number(0, 100_000), default=40, metavar="N",
                        help="history matching before the fit: N runs a wave drawn from the priors, then from what "
                             "is not ruled out; writes discrepancy.csv and figures/discrepancy.png (default 40; 0 skips)")
    parser.add_argument("--history-match-waves", type=whole_number(1, 20), default=2, metavar="W",
                        help="waves of history matching (default 2)")
    parser.add_argument("--history-match-only", action="store_true",
                        help="run the history matching alone (no ABC fit, no --budget needed)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace) -> int:
    """Run ``flowsim calibrate``; returns the exit status."""
    from flowsim.cli import network

    if network.is_network(args.scenario):  # an imported Flee case (kind: network)
        return network.calibrate(args)
    if args.budget is None and not (args.max_populations or args.max_simulations or args.history_match_only):
        raise UserError("--budget is required unless --max-populations or --max-simulations is given: the wall "
                        "time the calibration may take, e.g. --budget 30m.")
    from flowsim.analysis.calibration import calibrate, check_at_scale_one, write_calibration
    from flowsim.analysis.validation import scenario_targets
    from flowsim.run.writing import check_out_folder, default_out
    from flowsim.kinds.mobilization.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    targets = scenario_targets(scenario)
    if args.fit_until is not None:
        targets = targets.until(args.fit_until)
    out = args.out or default_out(scenario, "calibration")
    calibrated_file = args.calibrated_file or scenario.calibrated_path or (out / "calibrated.yaml")
    check_out_folder(Path(out))
    check_out_folder(Path(calibrated_file).parent, option="calibrated file folder")
    if args.history_match_runs > 0 or args.history_match_only:
        history_match(args, scenario, targets, Path(out))
    if args.history_match_only:
        return 0
    command = command_text(args)
    result = calibrate(
        scenario, targets, budget=args.budget, out_dir=out, scale=args.scale, workers=args.workers,
        scheduler=args.scheduler,
        population_size=args.population_size, seed=args.seed, min_acceptance_rate=args.min_acceptance_rate,
        max_simulations=args.max_simulations, max_populations=args.max_populations, point=args.point,
        progress=not args.quiet, prior_draws=args.prior_draws,
    )
    if args.check_runs > 0:
        result.record["validation_at_scale_1"] = check_at_scale_one(
            scenario, result.point, targets, runs=args.check_runs, seed=result.record["seed"],
            workers=args.workers, progress=not args.quiet, scheduler=args.scheduler)
    else:
        result.record["validation_at_scale_1"] = {"runs": 0, "holds": None, "note": "skipped (--check-runs 0)"}
    if args.fit_until is not None:
        result.record["fit_until"] = args.fit_until.isoformat()
        result.record["fitted_targets"] = targets.ids
    files = write_calibration(result, out_dir=out, calibrated_file=calibrated_file, command=command)
    if not args.quiet:
        print(format_result(result))
        for kind, path in files.items():
            print(f"{kind:>10}: {path}")
    return 0


def history_match(args: argparse.Namespace, scenario, targets, out: Path) -> None:
    """History matching before the fit: which targets no parameter set reaches, alone or jointly."""
    from flowsim.analysis.history_matching import format_discrepancy, scenario_history_match, write_discrepancy

    runs = args.history_match_runs or 40
    result, table = scenario_history_match(scenario, targets, waves=args.history_match_waves, runs_per_wave=runs,
                                           scale=args.scale, seed=args.seed, workers=args.workers)
    files = write_discrepancy(result, table, out, f"History matching of '{scenario.name}': "
                                                   f"{len(result.inputs)} runs in {len(result.waves)} waves")
    if not args.quiet:
        print(format_discrepancy(result, table))
        for kind, path in files.items():
            print(f"{kind:>10}: {path}")


def command_text(args: argparse.Namespace) -> str:
    """The command line that reproduces a calibration (options left at their defaults omitted)."""
    parts = ["flowsim", "calibrate", args.scenario]
    if args.budget is not None:
        parts += ["--budget", _budget_text(args.budget)]
    for option, default in (("scale", None), ("workers", 1), ("scheduler", None), ("population_size", 100), ("seed", None),
                            ("min_acceptance_rate", 0.01), ("max_simulations", None), ("max_populations", None),
                            ("point", "median"), ("check_runs", 3), ("prior_draws", 100), ("out", None), ("calibrated_file", None),
                            ("fit_until", None), ("history_match_runs", 40), ("history_match_waves", 2)):
        value = getattr(args, option, default)
        if value != default:
            parts += [f"--{option.replace('_', '-')}", f"{value:g}" if isinstance(value, float) else str(value)]
    return " ".join(shlex.quote(part) for part in parts)


def _budget_text(budget: dt.timedelta) -> str:
    seconds = budget.total_seconds()
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    return f"{seconds / 60:g}m" if seconds % 60 == 0 else f"{seconds:g}s"


def format_result(result: CalibrationResult) -> str:
    """The posterior summary as text for a terminal."""
    record = result.record
    lines = [f"\n{record['scenario']}: {record['simulations']:,} simulations in {record['wall_time_s']:.0f} s, "
             f"{len(result.populations)} populations, final threshold {record['final_epsilon']:.3g}, "
             f"effective sample {record.get('effective_sample_size', float('nan')):.0f} of {len(result.posterior)}; "
             f"stopped: {record['stopped_because']}.",
             f"{'parameter':<48} {'prior':>21} {'median':>11} {'5-95 %':>23}"]
    for prior in result.priors:
        s = result.summary[prior.name]
        lines.append(f"{prior.name:<48} {f'[{prior.low:.4g}, {prior.high:.4g}]':>21} {s['median']:>11.4g} "
                     f"{f'[{s['p05']:.4g}, {s['p95']:.4g}]':>23}")
    ess = [f"{row['effective_sample_size']:.0f}" for row in record.get("populations", [])
           if "effective_sample_size" in row]
    if ess:
        lines.append(f"effective sample (Kish) per population: {', '.join(ess)} of {record['population_size']}")
    info = record.get("informativeness")
    if info:
        lines.append(f"\ninformativeness ({info['prior_draws']} prior draws; share of draws inside each interval):")
        for row in info["targets"]:
            flag = "" if row["verdict"] == "informative" else f"  <- {row['verdict']}"
            lines.append(f"  {row['id']:<11} {row['role']:<11} {row['prior_share_inside']:>6.0%}{flag}")
    lines.append("\nidentifiability (posterior 5-95 % width / prior width):")
    for row in record.get("identifiability", []):
        bound = f"  <- pressed against its {row['at_bound']} bound" if row["at_bound"] else ""
        lines.append(f"  {row['parameter']:<52} {row['width_ratio']:>5.2f}{bound}")
    for pair in record.get("correlated_pairs", []):
        lines.append(f"  correlated: {pair['a']} ~ {pair['b']} (r = {pair['r']:+.2f})")
    check = record.get("validation_at_scale_1")
    if check and check.get("runs"):
        lines.append(f"at scale 1 ({check['runs']} runs): {check['targets_inside']} targets hold"
                     + (f"; outside: {', '.join(check['failing'])}" if check["failing"] else ""))
    return "\n".join(lines)
