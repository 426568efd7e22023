"""The mobilization model as a kind of scenario (:class:`~flowsim.kinds.protocol.ScenarioKind`).

The commands' work for a mobilization scenario lives here (``flowsim run``: targets checked
on the run, figures and report; ``validate``; ``calibrate``), so the command line only picks
the kind and prints what it returns. Heavy modules are imported inside the methods: reading
a scenario does not load Mesa, pyabc or matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowsim.kinds.mobilization.scenario import Scenario, load_scenario
from flowsim.kinds.protocol import CalibrateRequest, RunRequest, ValidateRequest

if TYPE_CHECKING:
    import pandas as pd

    from flowsim.kinds.mobilization.run.results import RunResult
    from flowsim.scenario.spec import CalibrationParameter


class MobilizationKind:
    """The 2022 exodus after Russia's mobilization: regions, crossings, destinations."""

    name = "mobilization"
    run_tables = ("daily", "crossings", "flows", "profile", "population", "summary")
    band_keys = {"daily": ("date", "country"), "crossings": ("date", "crossing")}

    def load(self, path: str | Path) -> Scenario:
        return load_scenario(path)

    def describe(self, scenario: Scenario) -> str:
        from flowsim.kinds.mobilization.run.simulate import check_memory

        memory = check_memory(scenario, option="behaviour.agent_scale (or run with --scale)")
        people = sum(o.men_at_risk for o in scenario.origins)
        return (f"scenario '{scenario.name}', {scenario.calendar.start} to "
                f"{scenario.calendar.end} ({scenario.calendar.days} days), {len(scenario.origins)} origins "
                f"({people:,} men at risk), {len(scenario.destinations)} destinations, "
                f"{len(scenario.crossings)} crossings, {len(scenario.onward_links)} onward links, "
                f"{len(scenario.events)} events; a run at {scenario.behaviour.agent_scale:g} people per agent "
                f"needs at most {memory / 1e9:.1f} GB.")

    def check_run(self, scenario: Scenario, scale: float | None) -> None:
        from flowsim.kinds.mobilization.run.simulate import check_memory

        check_memory(scenario, scale)

    def default_seed(self, scenario: Scenario) -> int:
        return scenario.calendar.seed

    def default_scale(self, scenario: Scenario) -> float:
        return scenario.behaviour.agent_scale

    def run(self, scenario: Scenario, *, seed: int, scale: float | None, progress: bool = False,
            agents: bool = False) -> RunResult:
        from flowsim.kinds.mobilization.run.simulate import simulate_mobilization

        return simulate_mobilization(scenario, seed=seed, scale=scale, progress=progress, agents=agents)

    def key_outputs(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        from flowsim.analysis.key_outputs import key_outputs

        return key_outputs(tables["daily"], tables["crossings"], tables["flows"])

    def output_names(self, scenario: Scenario) -> list[str]:
        from flowsim.analysis.key_outputs import output_names

        return output_names(scenario)

    def headline_outputs(self, scenario: Scenario) -> list[str]:
        from flowsim.analysis.key_outputs import HEADLINE_OUTPUTS

        return list(HEADLINE_OUTPUTS)

    def calibration_parameters(self, scenario: Scenario) -> list[CalibrationParameter]:
        return list(scenario.calibration.parameters) if scenario.calibration else []

    # ----------------------------------------------------------------------- commands

    def run_command(self, scenario: Scenario, request: RunRequest) -> str:
        from flowsim.analysis.targets import load_targets
        from flowsim.analysis.validation import single_run_validation
        from flowsim.run.simulate import check_run, simulate
        from flowsim.run.writing import check_out_folder, lock_folder, write_run

        # everything that can be refused is refused before the run starts
        check_out_folder(request.out)
        check_run(scenario, request.scale, request.seed)
        targets = load_targets(scenario.targets_path) if scenario.targets_path is not None else None
        with lock_folder(request.out):
            result = simulate(scenario, seed=request.seed, scale=request.scale, progress=request.progress,
                              agents=request.agents)
            extra = {}
            if targets is not None:
                extra["validation"] = single_run_validation(targets, result.tables(), result.meta["seed"])
            write_run(result, request.out, extra_tables=extra)
            if request.figures:
                self.plot_folder(request.out)
        return _run_summary(result, request.out)

    def validate_command(self, scenario: Scenario, request: ValidateRequest) -> tuple[str, int]:
        from flowsim.analysis.executors import make_executor
        from flowsim.analysis.targets import load_targets
        from flowsim.analysis.validation import format_validation, scenario_targets, validate, write_validation
        from flowsim.run.writing import check_out_folder, default_out

        options = dict(request.options or {})
        targets = load_targets(options["targets"]) if options.get("targets") else scenario_targets(scenario)
        seed = scenario.calendar.seed if request.seed is None else request.seed
        out = request.out or default_out(scenario)
        check_out_folder(out)
        with make_executor("process" if request.workers > 1 else "serial", request.workers) as executor:
            frame = validate(scenario, request.runs, seed, request.scale, executor, targets=targets,
                             progress=request.progress, posterior_draws=options.get("posterior_draws"))
        written = write_validation(frame, out)
        scale = request.scale if request.scale is not None else scenario.behaviour.agent_scale
        lines = [f"\n{scenario.name}: {request.runs} runs, root seed {seed}, scale {scale:g}; "
                 f"bands: {frame.attrs['uncertainty']}", format_validation(frame)]
        ard = frame.attrs["ard"]
        if len(ard):
            lines += ["\naveraged relative difference (Flee's ARD) of the documented daily series:",
                      ard.to_string(index=False, float_format=lambda v: f"{v:.3f}")]
        lines.append(f"written to {written['validation'].parent}: {', '.join(p.name for p in written.values())}")
        status = 1 if options.get("strict") and not frame["inside"].all() else 0
        return "\n".join(lines), status

    def calibrate_command(self, scenario: Scenario, request: CalibrateRequest) -> str:
        from flowsim.analysis.calibration import calibrate, check_at_scale_one, format_result, write_calibration
        from flowsim.analysis.validation import scenario_targets
        from flowsim.errors import UserError
        from flowsim.run.writing import check_out_folder, default_out

        options = dict(request.options or {})
        if options.get("budget") is None:
            raise UserError("--budget is required: the wall time the calibration may take, e.g. --budget 30m.")
        targets = scenario_targets(scenario)
        out = request.out or default_out(scenario, "calibration")
        calibrated_file = options.get("calibrated_file") or scenario.calibrated_path or (out / "calibrated.yaml")
        check_out_folder(Path(out))
        check_out_folder(Path(calibrated_file).parent, option="calibrated file folder")
        result = calibrate(
            scenario, targets, budget=options["budget"], out_dir=out, scale=request.scale, workers=request.workers,
            population_size=options.get("population_size", 100), seed=request.seed,
            min_acceptance_rate=options.get("min_acceptance_rate", 0.01),
            max_simulations=options.get("max_simulations"), max_populations=options.get("max_populations"),
            point=options.get("point", "median"), progress=request.progress,
            prior_draws=options.get("prior_draws", 100),
        )
        check_runs = options.get("check_runs", 3)
        if check_runs > 0:
            result.record["validation_at_scale_1"] = check_at_scale_one(
                scenario, result.point, targets, runs=check_runs, seed=result.record["seed"],
                workers=request.workers, progress=request.progress)
        else:
            result.record["validation_at_scale_1"] = {"runs": 0, "holds": None, "note": "skipped (--check-runs 0)"}
        files = write_calibration(result, out_dir=out, calibrated_file=calibrated_file,
                                  command=options.get("command", ""))
        return format_result(result) + "\n" + "\n".join(f"{what:>10}: {path}" for what, path in files.items())

    def plot_folder(self, folder: Path, *, report: bool = True) -> list[Path] | None:
        from flowsim.figures.report import write_report
        from flowsim.figures.run_figures import plot_run

        folder = Path(folder)
        if not ((folder / "crossings.csv").exists() or (folder / "crossings_bands.csv").exists()):
            return None
        pngs = plot_run(folder)
        return [*pngs, write_report(folder, figures=pngs)] if report else pngs


def _run_summary(result: RunResult, out: Path) -> str:
    summary = result.summary.sort_values("leavers_first_entries", ascending=False)
    lines = [f"\n{result.meta['scenario']} (seed {result.meta['seed']}, scale {result.meta['scale']:g}): "
             f"{result.meta['people_who_left']:,} people left, run took {result.meta['runtime_s']:.1f} s",
             f"{'destination':<12} {'first entries':>14} {'peak entries/day':>17} {'peak date':>11} "
             f"{'peak queue':>11} {'moved on':>9} {'returned':>9}"]
    for row in summary.itertuples():
        lines.append(f"{row.country:<12} {row.leavers_first_entries:>14,} {row.peak_daily_entries:>17,} "
                     f"{row.peak_date:>11} {row.peak_queue:>11,} {row.moved_on_share:>9.0%} {row.returned_share:>9.0%}")
    lines.append(f"tables written to {out}/")
    return "\n".join(lines)


KIND: Any = MobilizationKind()
