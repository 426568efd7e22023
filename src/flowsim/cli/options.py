"""Options and argument types the ``flowsim`` subcommands share (argparse ``type=`` callables)."""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path

from flowsim.analysis.executors import EXECUTOR_KINDS


def scenario_file(text: str) -> str:
    """A scenario: a YAML file, or the name of a shipped scenario (``flowsim scenarios`` lists them)."""
    from flowsim.errors import ScenarioError
    from flowsim.scenario.catalogue import scenario_path

    try:
        return str(scenario_path(text))
    except ScenarioError as err:
        raise argparse.ArgumentTypeError(err.message) from None


SCENARIO_HELP = "scenario YAML, or the name of a shipped scenario (see 'flowsim scenarios')"


def seed_value(text: str) -> int:
    """A seed: a whole number from 0 to 2**63 - 1."""
    from flowsim.scenario.spec import SEED_MAX

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 2**63 - 1, got {text}")
    return value


def scale_value(text: str) -> float:
    """People per agent: a finite number within the scenario schema's bounds for agent_scale."""
    from flowsim.scenario.spec import AGENT_SCALE_MAX, AGENT_SCALE_MIN

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value) or not AGENT_SCALE_MIN <= value <= AGENT_SCALE_MAX:
        raise argparse.ArgumentTypeError(
            f"must be a number of people per agent from {AGENT_SCALE_MIN:g} to {AGENT_SCALE_MAX:g}, got {text}")
    return value


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def whole_number(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high`` (counts of runs, samples, levels)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low:,} to {high:,}, got {text}")
        return value

    parse.__name__ = f"whole number from {low} to {high}"
    return parse


RUNS = whole_number(1, 100_000)


def positive_float(text: str) -> float:
    """A number greater than 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def rate(text: str) -> float:
    """A number in (0, 1]."""
    value = positive_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be at most 1, got {text}")
    return value


def duration(text: str) -> dt.timedelta:
    """A wall-time budget such as 30m, 90s, 1h or 1h30m."""
    from flowsim.analysis.calibration import parse_duration

    try:
        return parse_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_run_options(parser: argparse.ArgumentParser, *, seed_help: str = "seed (default: the scenario's)") -> None:
    """Options every command that runs a scenario shares."""
    parser.add_argument("--seed", type=seed_value, default=None, help=seed_help)
    parser.add_argument("--scale", type=scale_value, default=None,
                        help="people per agent (default: the scenario's behaviour.agent_scale)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: outputs/<scenario name>/)")


def add_execution_options(parser: argparse.ArgumentParser, *,
                          scale_help: str = "the scenario's behaviour.agent_scale") -> None:
    """The options shared by `flowsim ensemble`, `compare` and `sensitivity`."""
    group = parser.add_argument_group("execution")
    group.add_argument("--workers", type=positive_int, default=None,
                       help="worker processes (default: the CPUs available)")
    group.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="address of a running Dask scheduler, e.g. tcp://host:8786 (implies --executor dask)")
    group.add_argument("--executor", choices=EXECUTOR_KINDS, default=None,
                       help="serial, process (local pool) or dask; default: process, or dask with --scheduler")
    group.add_argument("--seed", type=seed_value, default=None,
                       help="master seed; each run gets a child seed (default: the scenario's calendar seed)")
    group.add_argument("--scale", type=scale_value, default=None,
                       help=f"people per agent (default: {scale_help})")
    group.add_argument("--out", default=None, metavar="DIR", help="output folder")


def add_scheduler_option(parser: argparse.ArgumentParser) -> None:
    """``--scheduler``: run the simulations on a Dask cluster (`flowsim calibrate`, `validate`)."""
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="address of a running Dask scheduler, e.g. tcp://host:8786: the simulations run on its "
                             "workers (same results as on --workers local processes); --workers is then ignored")


def add_uncertainty_options(parser: argparse.ArgumentParser) -> None:
    """What the runs' bands carry: posterior parameter draws (the default) or seed noise only."""
    group = parser.add_argument_group("uncertainty")
    choice = group.add_mutually_exclusive_group()
    choice.add_argument("--posterior-draws", type=positive_int, default=None, metavar="N",
                        help="parameter sets drawn from the scenario's committed calibration posterior; "
                             "run i takes draw i mod N (default: one per run)")
    choice.add_argument("--no-posterior", action="store_true",
                        help="keep the calibrated point values: bands show seed noise only")


def posterior_draws(args: argparse.Namespace) -> int | None:
    """The ``posterior_draws`` argument of the analysis functions from the parsed options."""
    return 0 if args.no_posterior else args.posterior_draws
