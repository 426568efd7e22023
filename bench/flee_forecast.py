"""Calibrate each Flee case on its first half and forecast the second: flowsim against Flee's defaults.

For every case: ``flowsim import-flee`` (rules: flee), ``fit_until`` set to the last day of
the first half of the period, ``flowsim validate`` at Flee's default settings (what Flee 3.1
itself scores: flowsim's ``rules: flee`` agrees with Flee's ARD within 0.011 on every case,
see docs/flee.md), then ``flowsim calibrate --fit-until`` and ``flowsim validate`` again with
the calibrated values. The table gives the ARD (mean over runs) on the fit period, on the
forecast period (data the calibration never saw) and over all days, before and after.

    python bench/flee_forecast.py ../shared/flee-cases --budget 4m --workers 2 --runs 10

It prints figures; it asserts nothing (a benchmark, like the others in bench/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from flowsim.cli import main as flowsim  # noqa: E402

# people per agent: the hasten at which bench_flee.py races Flee on each case
SCALES = {"mali2012": 10, "burundi2015": 20, "tigray2020": 20, "nigeria2022_adm2": 20, "ssudan2013": 50,
          "mali2017_adm1": 20, "syria2013": 500, "ukraine2022": 1000}


def first_half_end(case: Path) -> dt.date:
    """Last day of the first half of the case's period (sim_period.csv or conflict_period.csv)."""
    for name in ("sim_period.csv", "conflict_period.csv"):
        path = case / "input_csv" / name
        if path.exists():
            rows = dict(line.strip().split(",")[:2] for line in path.read_text().splitlines() if "," in line)
            start = dt.date.fromisoformat(rows["StartDate"].strip())
            return start + dt.timedelta(days=int(rows["Length"]) // 2 - 1)
    raise SystemExit(f"{case}: no sim_period.csv")


def scores(out: Path) -> dict:
    return json.loads((out / "flee_score.json").read_text())


def one_case(case: Path, work: Path, args: argparse.Namespace) -> dict:
    name, scale = case.name, str(SCALES.get(case.name, 20))
    scenario = work / f"{name}.yaml"
    flowsim(["import-flee", str(case), "--out", str(scenario)])
    fit_until = first_half_end(case)
    scenario.write_text(scenario.read_text() + f"fit_until: {fit_until}\n")
    common = ["--scale", scale, "--workers", str(args.workers), "--seed", "1"]
    flowsim(["validate", str(scenario), "--runs", str(args.runs), *common, "--out", str(work / f"{name}_default")])
    start = time.perf_counter()
    flowsim(["calibrate", str(scenario), "--fit-until", fit_until.isoformat(), "--budget", args.budget,
             "--population-size", str(args.population_size), *common, "--out", str(work / f"{name}_calibration")])
    minutes = (time.perf_counter() - start) / 60
    flowsim(["validate", str(scenario), "--runs", str(args.runs), *common, "--out", str(work / f"{name}_calibrated")])
    calibrated = (work / "calibrated" / f"{name}.yaml").read_text()
    return {"case": name, "scale": int(scale), "fit_until": fit_until.isoformat(), "minutes": minutes,
            "default": scores(work / f"{name}_default"), "calibrated": scores(work / f"{name}_calibrated"),
            "values": calibrated}


def print_table(rows: list[dict]) -> None:
    print("| case | fit until | Flee's defaults: fit / forecast / all days | flowsim calibrated: fit / forecast / all days | calibration |")
    print("|---|---|---|---|---|")
    for r in rows:
        d, c = r["default"], r["calibrated"]

        def triple(s: dict) -> str:
            return f"{s['ard_fit']:.3f} / {s['ard_forecast']:.3f} / {s['ard']:.3f} ± {s['ard_sd']:.3f}"

        print(f"| {r['case']} | {r['fit_until']} | {triple(d)} | {triple(c)} | {r['minutes']:.1f} min, scale {r['scale']} |")
    better = sum(r["calibrated"]["ard"] < r["default"]["ard"] for r in rows)
    better_forecast = sum(r["calibrated"]["ard_forecast"] < r["default"]["ard_forecast"] for r in rows)
    print(f"calibrated ARD lower than Flee's defaults over all days on {better} of {len(rows)} cases; "
          f"on the forecast period alone on {better_forecast} of {len(rows)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path, help="folder of Flee cases (../shared/flee-cases)")
    parser.add_argument("--cases", dest="names", nargs="*", default=None, help="case names (default: all in the folder)")
    parser.add_argument("--budget", default="4m", help="calibration wall time per case")
    parser.add_argument("--population-size", type=int, default=40)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("outputs/flee_forecast"))
    args = parser.parse_args()
    names = args.names or sorted(p.name for p in args.cases.iterdir() if (p / "input_csv").is_dir())
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in names:
        rows.append(one_case(args.cases / name, args.work, args))
        (args.work / "results.json").write_text(json.dumps(rows, indent=1))
        print_table(rows)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
