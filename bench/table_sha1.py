"""SHA-1 of every table a run writes: the proof that a refactoring changed no result.

Runs, through the ``flowsim`` command, the baseline and every what-if at their default seed
(full scale by default), and every Flee case of a folder (imported with ``flowsim import-flee``
into a temporary folder, run at ``--flee-scale`` people per agent), and prints one line per
table: ``<run> <table> <sha1>``. Run it before and after a change and ``diff`` the outputs.

    python bench/table_sha1.py > before.txt
    python bench/table_sha1.py --flee-cases ../shared/flee-cases --flee-scale 10 > before.txt

The times and the machine's name (``meta.json``, ``manifest.json``) differ from run to run and
are not hashed; the CSV tables must not.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _hash_tables(label: str, folder: Path) -> list[str]:
    return [f"{label} {table.name} {hashlib.sha1(table.read_bytes()).hexdigest()}"
            for table in sorted(folder.glob("*.csv"))]


def _run(arguments: list[str]) -> None:
    from flowsim.cli import main as flowsim

    with contextlib.redirect_stdout(sys.stderr):  # only the hashes go to stdout
        status = flowsim(arguments)
    if status != 0:
        raise SystemExit(f"flowsim {' '.join(arguments)} exited with {status}")


def mobilization_lines(scale: float) -> list[str]:
    scenarios = [ROOT / "scenarios" / "mobilization_2022.yaml", *sorted((ROOT / "scenarios" / "what_if").glob("*.yaml"))]
    lines = []
    for path in scenarios:
        with tempfile.TemporaryDirectory() as tmp:
            _run(["run", str(path), "--scale", f"{scale:g}", "--no-figures", "--quiet", "--out", tmp])
            lines += _hash_tables(path.stem, Path(tmp))
    return lines


def flee_lines(cases: Path, scale: int) -> list[str]:
    lines = []
    for case in sorted(p for p in cases.iterdir() if (p / "input_csv").is_dir()):
        with tempfile.TemporaryDirectory() as tmp:
            scenario = Path(tmp) / f"{case.name}.yaml"
            _run(["import-flee", str(case.resolve()), "--out", str(scenario)])
            _run(["run", str(scenario), "--scale", str(scale), "--no-figures", "--quiet", "--out", str(Path(tmp) / "run")])
            lines += _hash_tables(f"flee:{case.name}", Path(tmp) / "run")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="people per agent of the mobilization runs")
    parser.add_argument("--flee-cases", type=Path, default=None, help="folder of Flee cases (default: none)")
    parser.add_argument("--flee-scale", type=int, default=10, help="people per agent of the Flee runs")
    parser.add_argument("--no-mobilization", action="store_true", help="only the Flee cases")
    args = parser.parse_args()
    lines = [] if args.no_mobilization else mobilization_lines(args.scale)
    if args.flee_cases is not None:
        lines += flee_lines(args.flee_cases, args.flee_scale)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
