"""``flowsim calibrate SCENARIO``: fit of the scenario's free parameters (emulator posterior or ABC-SMC)."""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
from pathlib import Path

from flowsim.cli.options import (
    SCENARIO_HELP, add_scheduler_option, duration, positive_int, rate, scale_value, scenario_file, seed_value,
    whole_number)


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "calibrate", help="fit the scenario's free parameters to the documented figures (emulator posterior or ABC-SMC)",
        description="Calibration of the parameters in the scenario's 'calibration:' section against its targets "
                    "file. Writes the posterior, the calibrated parameter file and its record.")
    parser.add_argument("scenario", type=scenario_file, help=SCENARIO_HELP)
    parser.add_argument("--method", choices=METHODS, default=None,
                        help="emulator: history-matching waves, Gaussian-process emulators of the fitted figures and "
                             "their emulated likelihood sampled by importance sampling, checked by simulation-based "
                             "calibration (--sbc); abc: ABC-SMC (pyABC), which needs --budget or --max-populations. "
                             "Default: emulator, because at the engine's speed (a few runs a second on 2 cores) it "
                             "reaches an effective sample of 200 and more, with its coverage checked, in well under an "
                             "hour, where ABC-SMC stops at a few dozen; abc when an ABC-only option (--budget, "
                             "--population-size, --max-populations, --max-simulations, --min-acceptance-rate) is given. "
                             "Network (Flee) scenarios always use ABC-SMC. search: no posterior, a point: CMA-ES on "
                             "runs for --max-simulations runs (default 1500) from the scenario's values (or "
                             "--design-around FILE's), minimising how far each figure lies from the middle of its band; "
                             "writes point.yaml for --design-around and the figures still outside there")
    parser.add_argument("--waves", type=whole_number(1, 20), default=4,
                        help="emulator: history-matching waves (default 4)")
    parser.add_argument("--runs-per-wave", type=whole_number(10, 100_000), default=150,
                        help="emulator: runs in each wave (default 150)")
    parser.add_argument("--candidates", type=whole_number(1_000, 10_000_000), default=100_000,
                        help="emulator: parameter sets of the final importance sample (default 100000)")
    parser.add_argument("--smc-particles", type=whole_number(0, 100_000), default=1_000, metavar="N",
                        help="emulator: particles of the sequential Monte Carlo that tempers the prior into the "
                             "emulated posterior on the last wave's emulators (default 1000); 0 samples it by "
                             "importance sampling from the last wave's proposal instead (--candidates)")
    parser.add_argument("--design-around", type=Path, default=None, metavar="FILE",
                        help="emulator: place half the first wave's runs near the point in FILE (a calibrated file: "
                             "'parameters:' of dotted names to values; parameters it leaves out keep the scenario's), "
                             "the rest across the prior. It moves where the emulators are good, not the posterior: "
                             "use it to continue from a previous calibration or a point found by hand")
    parser.add_argument("--particles", type=whole_number(10, 1_000_000), default=1_000,
                        help="emulator: draws from the posterior written to posterior.csv (default 1000)")
    parser.add_argument("--sbc", type=whole_number(0, 100_000), default=200, metavar="N",
                        help="emulator: simulation-based calibration on N simulated data sets, one run each "
                             "(default 200; 0 skips); writes sbc_ranks.csv and figures/sbc_ranks.png")
    parser.add_argument("--sbc-from", choices=("posterior", "prior"), default="posterior",
                        help="emulator: draw the SBC's true values from the fitted posterior and condition each data "
                             "set's posterior on the documented figures too (default; posterior SBC, Säilynoja et al. "
                             "2025: coverage where the posterior lies), or from the prior (Talts et al. 2018). With many "
                             "parameters the posterior is a tiny corner of the prior, and no affordable candidate set "
                             "holds the posteriors of data sets from anywhere in the prior: their effective samples "
                             "fall to a few candidates and the ranks then test the candidate set, not the posterior")
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
    parser.add_argument("--population-size", type=positive_int, default=None,
                        help="abc: accepted particles per population (default 100)")
    parser.add_argument("--seed", type=seed_value, default=None, help="root seed of the model runs (default: the scenario's)")
    parser.add_argument("--min-acceptance-rate", type=rate, default=None,
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


METHODS = ("emulator", "abc", "search")
ABC_OPTIONS = ("budget", "population_size", "max_populations", "max_simulations", "min_acceptance_rate")
"""Options only ABC-SMC reads: giving one without --method picks it."""


def handle(args: argparse.Namespace) -> int:
    """Run ``flowsim calibrate``; returns the exit status."""
    from flowsim.kinds.protocol import CalibrateRequest
    from flowsim.kinds.registry import kind_of_file

    kind = kind_of_file(args.scenario)
    args.method = resolve_method(args, kind.name)
    scenario = kind.load(args.scenario)
    request = CalibrateRequest(out=args.out, seed=args.seed, scale=args.scale, workers=args.workers,
                               progress=not args.quiet, options={**vars(args), "command": command_text(args)})
    report = kind.calibrate_command(scenario, request)
    if not args.quiet and report:
        print(report)
    return 0


def resolve_method(args: argparse.Namespace, kind: str) -> str:
    """The method asked for, or the default: emulator for a mobilization scenario unless an ABC-only
    option is given; the ABC-only options left out take their defaults."""
    from flowsim.errors import UserError

    if args.method in ("emulator", "search") and kind != "mobilization":
        raise UserError(f"--method {args.method} calibrates mobilization scenarios; {args.scenario} is a {kind} "
                        "scenario, which calibrates by ABC-SMC: leave --method out or give --method abc.")
    method = args.method
    if method is None:
        abc_option = any(getattr(args, option) is not None for option in ABC_OPTIONS)
        method = "abc" if abc_option or kind != "mobilization" else "emulator"
    for option, default in (("population_size", 100), ("min_acceptance_rate", 0.01)):
        if getattr(args, option) is None:
            setattr(args, option, default)
    return method


def command_text(args: argparse.Namespace) -> str:
    """The command line that reproduces a calibration (options left at their defaults omitted)."""
    parts = ["flowsim", "calibrate", args.scenario, "--method", getattr(args, "method", None) or "abc"]
    if args.budget is not None:
        parts += ["--budget", _budget_text(args.budget)]
    for option, default in (("scale", None), ("workers", 1), ("scheduler", None), ("population_size", 100), ("seed", None),
                            ("min_acceptance_rate", 0.01), ("max_simulations", None), ("max_populations", None),
                            ("point", "median"), ("check_runs", 3), ("prior_draws", 100), ("out", None), ("calibrated_file", None),
                            ("fit_until", None), ("history_match_runs", 40), ("history_match_waves", 2),
                            ("waves", 4), ("runs_per_wave", 150), ("candidates", 100_000), ("smc_particles", 1_000), ("particles", 1_000),
                            ("sbc", 200), ("sbc_from", "posterior"), ("design_around", None)):
        value = getattr(args, option, default)
        if value != default:
            parts += [f"--{option.replace('_', '-')}", f"{value:g}" if isinstance(value, float) else str(value)]
    return " ".join(shlex.quote(part) for part in parts)


def _budget_text(budget: dt.timedelta) -> str:
    seconds = budget.total_seconds()
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    return f"{seconds / 60:g}m" if seconds % 60 == 0 else f"{seconds:g}s"
