"""Network scenarios (imported Flee cases) as a kind of scenario (:class:`~flowsim.kinds.protocol.ScenarioKind`).

A run's tables are ``camps`` (date, camp, simulated, observed) and ``daily`` (spawned, on the
roads, in camps); its score is Flee's ARD against the observed camp series, split at
``fit_until`` into fit and forecast. The commands' work for a network scenario lives here, so
the command line only picks the kind and prints what it returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowsim.errors import UserError
from flowsim.kinds.network.scenario.schema import NetworkScenario, load_network_scenario
from flowsim.kinds.protocol import CalibrateRequest, RunRequest, ValidateRequest

if TYPE_CHECKING:
    import pandas as pd

    from flowsim.kinds.network.analysis.validation import CampSeries
    from flowsim.kinds.network.run.day_by_day import NetworkDayByDay
    from flowsim.kinds.network.run.results import NetworkResult
    from flowsim.scenario.spec import CalibrationParameter


class NetworkKind:
    """Any Flee-format case: locations, routes, closures, camps and their observed series."""

    name = "network"
    run_tables = ("camps", "daily")
    band_keys = {"camps": ("date", "camp"), "daily": ("date",)}
    dashboard_pages = "flowsim.kinds.network.dashboard.pages"

    def day_by_day(self, scenario: NetworkScenario, *, seed: int, scale: float) -> NetworkDayByDay:
        from flowsim.kinds.network.run.day_by_day import NetworkDayByDay

        return NetworkDayByDay(scenario, seed=seed, scale=scale)

    def load(self, path: str | Path) -> NetworkScenario:
        return load_network_scenario(path)

    def describe(self, scenario: NetworkScenario) -> str:
        from flowsim.kinds.network.run.results import check_memory

        case = scenario.network_case
        agents = check_memory(scenario)
        return (f"network scenario '{scenario.name}' (rules: {scenario.rules}), case {scenario.case_dir}: "
                f"{len(case.locations)} locations, {len(case.camp_names)} camps, {len(case.routes)} routes, "
                f"{len(case.closures)} closures, from {case.start_date} for {scenario.days} days; a run at "
                f"{scenario.scale:,} people per agent makes {agents:,} agents.")

    def check_run(self, scenario: NetworkScenario, scale: float | None) -> None:
        from flowsim.kinds.network.run.results import check_memory

        if scale is not None and (scale < 1 or scale != int(scale)):
            raise UserError(f"--scale {scale:g}: a network scenario runs a whole number of people per agent "
                            "(1 or more, as Flee's hasten).")
        check_memory(scenario, None if scale is None else int(scale))

    def default_seed(self, scenario: NetworkScenario) -> int:
        return scenario.calendar.seed

    def default_scale(self, scenario: NetworkScenario) -> float:
        return scenario.scale

    def run(self, scenario: NetworkScenario, *, seed: int, scale: float | None, progress: bool = False,
            agents: bool = False) -> NetworkResult:
        from flowsim.kinds.network.analysis.validation import scored_run

        return scored_run(scenario, seed=seed, scale=None if scale is None else int(scale))

    def key_outputs(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        """Per camp: the people there on the last day and at the peak; in all: spawned and in camps."""
        camps, daily = tables["camps"], tables["daily"]
        last = camps[camps["date"] == camps["date"].max()].set_index("camp")["simulated"]
        peak = camps.groupby("camp", sort=False)["simulated"].max()
        out = {"spawned_total": float(daily["spawned"].sum()),
               "in_camps_last_day": float(daily["in_camps_simulated"].iloc[-1])}
        for camp in peak.index:
            out[f"last_day_{camp}"] = float(last.get(camp, 0.0))
            out[f"peak_{camp}"] = float(peak[camp])
        return out

    def output_names(self, scenario: NetworkScenario) -> list[str]:
        camps = scenario.network_case.camp_names
        return (["spawned_total", "in_camps_last_day"] + [f"last_day_{camp}" for camp in camps]
                + [f"peak_{camp}" for camp in camps])

    def headline_outputs(self, scenario: NetworkScenario) -> list[str]:
        return ["in_camps_last_day", "spawned_total"]

    def calibration_parameters(self, scenario: NetworkScenario) -> list[CalibrationParameter]:
        return list(scenario.calibration.parameters)

    def observations(self, scenario: NetworkScenario) -> CampSeries:
        from flowsim.kinds.network.analysis.validation import CampSeries

        return CampSeries(scenario)

    # ----------------------------------------------------------------------- commands

    def run_command(self, scenario: NetworkScenario, request: RunRequest) -> str:
        from flowsim.kinds.network.run.results import write_network_tables
        from flowsim.run.simulate import simulate

        from flowsim.run.writing import record_finished

        result = simulate(scenario, seed=request.seed, scale=request.scale)
        write_network_tables(result, request.out, figures_follow=request.figures)
        if request.figures:
            written = self.plot_folder(request.out) or []
            record_finished(request.out, figures=[p for p in written if p.suffix == ".png"], report=True)
        return _score_text(result, request.out)

    def validate_command(self, scenario: NetworkScenario, request: ValidateRequest) -> tuple[str, int]:
        from flowsim.kinds.network.analysis.validation import validation_runs
        from flowsim.kinds.network.run.results import write_network_tables
        from flowsim.run.simulate import check_run

        check_run(scenario, request.scale, request.seed)
        out = request.out or Path("outputs") / scenario.name / "validation"
        result = validation_runs(scenario, request.runs, seed=request.seed,
                                 scale=None if request.scale is None else int(request.scale), workers=request.workers,
                                 scheduler=(request.options or {}).get("scheduler"))
        write_network_tables(result, out)
        self.plot_folder(out)
        return _score_text(result, out), 0

    def calibrate_command(self, scenario: NetworkScenario, request: CalibrateRequest) -> str:
        from flowsim.kinds.network.analysis.calibration import calibrate_network, write_network_calibration
        from flowsim.run.simulate import check_run

        options = dict(request.options or {})
        check_run(scenario, request.scale, request.seed)
        fit_until = options.get("fit_until")
        if fit_until is not None:
            scenario = scenario.with_overrides({"fit_until": fit_until.isoformat() if isinstance(fit_until, dt.date)
                                                else fit_until})
        out = request.out or Path("outputs") / scenario.name / "calibration"
        budget = options.get("budget") or dt.timedelta(minutes=10)
        result = calibrate_network(
            scenario, budget=budget, out_dir=out, population_size=options.get("population_size") or 30,
            max_populations=options.get("max_populations") or 8,
            scale=None if request.scale is None else int(request.scale), seed=request.seed, workers=request.workers,
            scheduler=options.get("scheduler"), progress=request.progress,
        )
        calibrated = options.get("calibrated_file")
        if calibrated is None:
            target = scenario.calibration.calibrated_file or "calibrated.yaml"
            calibrated = (scenario.source_path.parent / target) if scenario.source_path else out / "calibrated.yaml"
        write_network_calibration(result, scenario, out, Path(calibrated))
        lines = [f"{scenario.name}: {result.populations} populations, {result.simulations} simulations; "
                 f"ARD on the fit period (to {result.fit_until or 'the end'}): {result.fit_ard:.3f} at the calibrated "
                 f"values ({result.chosen}), {result.start_ard:.3f} at the starting values (means over the same seeds)"]
        lines += [f"  {name} = {value:.4g}" for name, value in result.values.items()]
        lines.append(f"calibrated values written to {calibrated}; `flowsim validate {scenario.source_path}` "
                     "reports the forecast ARD")
        return "\n".join(lines)

    def plot_folder(self, folder: Path, *, report: bool = True) -> list[Path] | None:
        from flowsim.kinds.network.figures.camps import write_network_figures

        if not (Path(folder) / "camps.csv").exists():
            return None
        return write_network_figures(Path(folder))


def _score_text(result: NetworkResult, out: Path) -> str:
    score = result.score
    line = (f"{result.meta['scenario']} (rules: {result.meta['rules']}, {result.meta['scale']} people per agent): "
            f"ARD {score['ard']:.3f}")
    if "ard_sd" in score:
        line += f" ± {score['ard_sd']:.3f} over {score['runs']} runs"
    line += f", rescaled {score['ard_rescaled']:.3f}"
    if "ard_forecast" in score:
        line += f"; fit (to {score['fit_until']}) {score['ard_fit']:.3f}, forecast {score['ard_forecast']:.3f}"
    return line + f"\ntables written to {out}/"


KIND: Any = NetworkKind()
