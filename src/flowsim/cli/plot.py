"""``flowsim plot RUN_DIR``: redraw the figures and report.html of a run or ensemble folder from its tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from flowsim.errors import UserError


def add_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "plot", help="redraw the figures and report.html of a run folder from its tables",
        description="Redraw all figures (PNG and SVG, in RUN_DIR/figures/) and RUN_DIR/report.html from the "
        "tables in a run folder written by 'flowsim run' or 'flowsim ensemble'.")
    parser.add_argument("run_dir", metavar="RUN_DIR", type=Path, help="run folder holding daily.csv etc.")
    parser.add_argument("--no-report", action="store_true", help="write the figures only, not report.html")
    parser.set_defaults(handler=handle)
    return parser


def handle(args: argparse.Namespace) -> int:
    """Figures, then the report."""
    from flowsim.kinds.registry import all_kinds
    from flowsim.run.writing import check_out_folder, record_finished

    if Path(args.run_dir).exists() and not Path(args.run_dir).is_dir():
        raise UserError(f"RUN_DIR {args.run_dir} is a file, not a folder: give the folder 'flowsim run' or "
                        "'flowsim ensemble' wrote (it holds daily.csv and the other tables).")
    if Path(args.run_dir).is_dir():
        check_out_folder(Path(args.run_dir), option="RUN_DIR")
    try:
        written = next((found for kind in all_kinds()
                        if (found := kind.plot_folder(Path(args.run_dir), report=not args.no_report)) is not None), None)
        if written is None:
            raise UserError(f"'{args.run_dir}' holds no run of any kind of scenario (its tables are missing); "
                            "give a folder written by 'flowsim run' or 'flowsim ensemble'.")
        figures = [p for p in written if p.suffix == ".png"]
        record_finished(Path(args.run_dir), figures=figures, report=not args.no_report)  # the folder is complete
    except (KeyError, ValueError) as exc:
        raise UserError(
            f"the tables in '{args.run_dir}' do not have the columns the figures need ({exc}). Were they "
            "written by this version of flowsim? Re-run 'flowsim run' to regenerate them.") from None
    print(f"wrote {len(figures)} figures to {Path(args.run_dir) / 'figures'}")
    print("\n".join(f"wrote {p}" for p in written if p.suffix != ".png"))
    return 0
