"""The ``flowsim`` command line: wires scenario loading, runs, outputs and reports together."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from flowsim.argtypes import positive_float
from flowsim.scenario import Scenario, ScenarioError, load_scenario

EXIT_USAGE = 2


class UserError(Exception):
    """A problem the user can fix; printed as one paragraph, exit code 2."""


def default_out(scenario: Scenario, *parts: str) -> Path:
    """Where a command writes unless ``--out`` says otherwise: outputs/<scenario name>/..."""
    return Path("outputs") / scenario.name / Path(*parts) if parts else Path("outputs") / scenario.name


def load_or_fail(path: str) -> Scenario:
    """Load a scenario or raise :class:`UserError` with its message."""
    try:
        return load_scenario(path)
    except ScenarioError as err:
        raise UserError(err.message) from None


def add_run_options(parser: argparse.ArgumentParser, *, seed_help: str = "seed (default: the scenario's)") -> None:
    """Options every command that runs a scenario shares."""
    parser.add_argument("--seed", type=int, default=None, help=seed_help)
    parser.add_argument("--scale", type=positive_float, default=None,
                        help="people per agent (default: the scenario's behaviour.agent_scale)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: outputs/<scenario name>/)")


def cmd_check(args: argparse.Namespace) -> int:
    scenario = load_or_fail(args.scenario)
    people = sum(o.men_at_risk for o in scenario.origins)
    print(f"{args.scenario}: OK — scenario '{scenario.name}', {scenario.calendar.start} to "
          f"{scenario.calendar.end} ({scenario.calendar.days} days), {len(scenario.origins)} origins "
          f"({people:,} men at risk), {len(scenario.destinations)} destinations, "
          f"{len(scenario.crossings)} crossings, {len(scenario.onward_links)} onward links, "
          f"{len(scenario.events)} events.")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from flowsim.outputs import write_run
    from flowsim.runner import simulate

    scenario = load_or_fail(args.scenario)
    out = args.out or default_out(scenario)
    _check_writable(out)
    targets = _targets_of(scenario)
    result = simulate(scenario, seed=args.seed, scale=args.scale, progress=not args.quiet, agents=args.agents)
    write_run(result, out)
    if targets is not None:
        from flowsim.outputs import write_csv
        from flowsim.validation import single_run_validation

        write_csv(single_run_validation(targets, result.tables(), result.meta["seed"]), out / "validation.csv")
    if not args.no_figures:
        from flowsim.plotting import plot_run
        from flowsim.report import write_report

        plot_run(out)
        write_report(out)
    if not args.quiet:
        _print_summary(result, out)
    return 0


def _targets_of(scenario: Scenario):
    """The scenario's calibration targets, checked before anything runs (None if it declares none)."""
    if scenario.targets_path is None:
        return None
    from flowsim.targets import TargetsError, load_targets

    try:
        return load_targets(scenario.targets_path)
    except TargetsError as err:
        raise UserError(err.message) from None


def _check_writable(out: Path) -> None:
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UserError(f"--out {out}: '{probe}' is a file, not a folder. Give a folder for the run's tables.")


def _print_summary(result, out: Path) -> None:
    summary = result.summary.sort_values("leavers_first_entries", ascending=False)
    print(f"\n{result.meta['scenario']} (seed {result.meta['seed']}, scale {result.meta['scale']:g}): "
          f"{result.meta['people_who_left']:,} people left, run took {result.meta['runtime_s']:.1f} s")
    print(f"{'destination':<12} {'first entries':>14} {'peak entries/day':>17} {'peak date':>11} "
          f"{'peak queue':>11} {'moved on':>9} {'returned':>9}")
    for row in summary.itertuples():
        print(f"{row.country:<12} {row.leavers_first_entries:>14,} {row.peak_daily_entries:>17,} "
              f"{row.peak_date:>11} {row.peak_queue:>11,} {row.moved_on_share:>9.0%} {row.returned_share:>9.0%}")
    print(f"tables written to {out}/")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowsim", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a scenario and write its tables, figures and report")
    run.add_argument("scenario", help="scenario YAML")
    add_run_options(run)
    run.add_argument("--agents", action="store_true", help="also write agents.parquet (one row per person)")
    run.add_argument("--no-figures", action="store_true", help="write the tables only")
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    run.set_defaults(handler=cmd_run)

    check = commands.add_parser("check", help="validate a scenario without running it")
    check.add_argument("scenario", help="scenario YAML")
    check.set_defaults(handler=cmd_check)

    for adder in _command_modules():
        adder(commands)
    return parser


def _command_modules():
    """Parsers of the commands that live in their own modules."""
    from flowsim.calibration import add_calibrate_parser
    from flowsim.compare import add_compare_parser
    from flowsim.ensemble import add_ensemble_parser
    from flowsim.plotting import add_plot_parser
    from flowsim.sensitivity import add_sensitivity_parser
    from flowsim.validation import add_validate_parser

    return (add_plot_parser, add_validate_parser, add_calibrate_parser, add_ensemble_parser,
            add_compare_parser, add_sensitivity_parser)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``flowsim`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (UserError, ScenarioError) as err:
        message = err.message if isinstance(err, ScenarioError) else str(err)
        print(f"flowsim {args.command}: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"flowsim {args.command}: interrupted; files already written are complete, "
              "nothing half-written was left.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
