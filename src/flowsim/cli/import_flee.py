"""``flowsim import-flee CASE_DIR``: write a flowsim scenario for a Flee case folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "import-flee", help="write a flowsim scenario for a Flee case (input_csv/, source_data/)",
        description="Read a Flee case exactly as Flee 3.1 does and write a flowsim network scenario that "
                    "refers to its files; run it with `flowsim run`, `validate` and `calibrate`.")
    parser.add_argument("case", type=Path, help="Flee case folder (holding input_csv/ and source_data/)")
    parser.add_argument("--settings", type=Path, default=None,
                        help="Flee's simsetting.yml (default: the case's, else its parent folder's)")
    parser.add_argument("--out", type=Path, default=None, help="scenario YAML to write (default scenarios/flee/<case>.yaml)")
    parser.add_argument("--rules", choices=("flee", "flowsim"), default="flee",
                        help="flee: Flee 3.1's movement and spawning (default); flowsim: flowsim's choice model")
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace) -> int:
    from flowsim.kinds.network.scenario.flee_import import import_flee, scenario_name
    from flowsim.kinds.network.scenario.schema import load_network_scenario

    out = args.out or Path("scenarios") / "flee" / f"{scenario_name(args.case)}.yaml"
    path = import_flee(args.case, out, args.settings, rules=args.rules)
    scenario = load_network_scenario(path)
    case = scenario.network_case
    print(f"{path}: {len(case.locations)} locations, {len(case.camp_names)} camps, {len(case.routes)} routes, "
          f"{case.start_date} + {scenario.days} days; run it with: flowsim run {path}")
    for note in case.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
