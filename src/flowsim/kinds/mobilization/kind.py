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

    from flowsim.analysis.target_observations import TargetObservations
    from flowsim.kinds.mobilization.run.day_by_day import DayByDay
    from flowsim.kinds.mobilization.run.results import RunResult
    from flowsim.scenario.spec import CalibrationParameter


class MobilizationKind:
    """The 2022 exodus after Russia's mobilization: regions, crossings, destinations."""

    name = "mobilization"
    run_tables = ("daily", "crossings", "flows", "profile", "population", "summary")
    band_keys = {"daily": ("date", "country"), "crossings": ("date", "crossing")}
    dashboard_pages = "flowsim.kinds.mobilization.dashboard.pages"

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

    def day_by_day(self, scenario: Scenario, *, seed: int, scale: float) -> DayByDay:
        from flowsim.kinds.mobilization.run.day_by_day import DayByDay

        return DayByDay(scenario, seed=seed, scale=scale)

    def default_seed(self, scenario: Scenario) -> int:
        return scenario.calendar.seed

    def default_scale(self, scenario: Scenario) -> float:
        return scenario.behaviour.agent_scale

    def run(self, scenario: Scenario, *, seed: int, scale: float | None, progress: bool = False,
            agents: bool = False) -> RunResult:
        from flowsim.kinds.mobilization.run.simulate import simulate_mobilization

        return simulate_mobilization(scenario, seed=seed, scale=scale, progress=progress, agents=agents)

    def key_outputs(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        from flowsim.kinds.mobilization.analysis.key_outputs import key_outputs

        return key_outputs(tables["daily"], tables["crossings"], tables["flows"])

    def output_names(self, scenario: Scenario) -> list[str]:
        from flowsim.kinds.mobilization.analysis.key_outputs import output_names

        return output_names(scenario)

    def headline_outputs(self, scenario: Scenario) -> list[str]:
        from flowsim.kinds.mobilization.analysis.key_outputs import HEADLINE_OUTPUTS

        return list(HEADLINE_OUTPUTS)

    def calibration_parameters(self, scenario: Scenario) -> list[CalibrationParameter]:
        return list(scenario.calibration.parameters) if scenario.calibration else []

    def observations(self, scenario: Scenario) -> TargetObservations:
        """The figures of the scenario's targets file (a TargetsError if it names none)."""
        from flowsim.analysis.target_observations import TargetObservations
        from flowsim.analysis.validation import scenario_targets

        return TargetObservations(scenario_targets(scenario))

    # ----------------------------------------------------------------------- commands

    def run_command(self, scenario: Scenario, request: RunRequest) -> str:
        from flowsim.kinds.mobilization import commands

        return commands.run(scenario, request)

    def validate_command(self, scenario: Scenario, request: ValidateRequest) -> tuple[str, int]:
        from flowsim.kinds.mobilization import commands

        return commands.validate(scenario, request)

    def calibrate_command(self, scenario: Scenario, request: CalibrateRequest) -> str:
        from flowsim.kinds.mobilization import commands

        return commands.calibrate(scenario, request)

    def plot_folder(self, folder: Path, *, report: bool = True) -> list[Path] | None:
        from flowsim.figures.report import write_report
        from flowsim.figures.run_figures import plot_run

        folder = Path(folder)
        if not ((folder / "crossings.csv").exists() or (folder / "crossings_bands.csv").exists()):
            return None
        pngs = plot_run(folder)
        return [*pngs, write_report(folder, figures=pngs)] if report else pngs


KIND: Any = MobilizationKind()
