"""Calibration on a Dask cluster gives the same posterior as on a local process pool (same seed).

The budgets are counted in populations and simulations, never in seconds, so the result
does not depend on how fast the machine is.
"""

from __future__ import annotations

import datetime as dt

import pytest

from helpers.paths import TINY
from flowsim.analysis.calibration import calibrate
from flowsim.analysis.validation import scenario_targets
from flowsim.kinds.mobilization.scenario import load_scenario

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler():
    """A scheduler and two workers (threads of this process) listening on 127.0.0.1."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://",
                                       host="127.0.0.1", dashboard_address=None)
    yield cluster.scheduler_address
    cluster.close()


def small_calibration(tmp_path, label: str, **where):
    scenario = load_scenario(TINY)
    return calibrate(scenario, scenario_targets(scenario), budget=dt.timedelta(hours=1), out_dir=tmp_path / label,
                     scale=200, population_size=6, max_populations=2, seed=8, progress=False, prior_draws=4,
                     **where)


def test_a_calibration_on_a_dask_cluster_equals_one_on_a_process_pool(tmp_path, scheduler):
    assert scheduler.startswith("tcp://127.0.0.1:")
    on_pool = small_calibration(tmp_path, "pool", workers=2)
    on_cluster = small_calibration(tmp_path, "dask", scheduler=scheduler)
    assert on_cluster.record["scheduler"] == scheduler
    assert len(on_pool.populations) == 2
    assert on_cluster.populations.drop(columns="wall_time_s", errors="ignore").equals(
        on_pool.populations.drop(columns="wall_time_s", errors="ignore"))
    assert on_cluster.posterior.equals(on_pool.posterior)
    assert on_cluster.point == on_pool.point
    assert on_cluster.record["informativeness"] == on_pool.record["informativeness"]
    # and the same as on one worker: the batches' seeds do not depend on the workers
    assert small_calibration(tmp_path, "serial", workers=1).posterior.equals(on_pool.posterior)


def test_validate_runs_on_a_dask_cluster_with_the_results_of_a_process_pool(tmp_path, scheduler):
    from flowsim.cli import main

    for label, where in (("pool", ["--workers", "2"]), ("dask", ["--scheduler", scheduler])):
        assert main(["validate", str(TINY), "--runs", "3", "--scale", "200", "--seed", "4", *where,
                     "--out", str(tmp_path / label), "--quiet"]) == 0
    assert (tmp_path / "dask" / "validation.csv").read_bytes() == (tmp_path / "pool" / "validation.csv").read_bytes()
