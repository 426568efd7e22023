"""Shared fixtures: tiny hand-built worlds (in the spirit of Flee's toy escape tests)."""

from __future__ import annotations

import copy
import os
import traceback
from pathlib import Path

import pytest

from flowsim.kinds.mobilization.scenario import Scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "scenarios" / "tiny.yaml"  # the shipped tiny.yaml (tests/scenarios leads to the package data)
BASELINE = ROOT / "scenarios" / "mobilization_2022.yaml"
SHIPPED = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml")  # the mobilization scenarios; flee/ is a network case
                 if not {"targets", "calibrated", "data", "flee"} & set(p.relative_to(ROOT / "scenarios").parts))


def with_absolute_targets(text: str) -> str:
    """tiny.yaml's text for a copy written elsewhere: its ``targets:`` path (beside it) made absolute."""
    return text.replace("targets: targets/", f"targets: {(TINY.parent / 'targets').resolve()}/")


# --------------------------------------------------------------------------- no fork() with threads
# CPython warns (DeprecationWarning) when a process with threads forks, because the child can
# deadlock on a lock another thread held, but it clears the warning at once, so a filterwarnings
# "error" entry cannot make it fail a test. This check does: before every fork() of this process
# it counts the OS threads (as CPython does, from /proc/self/stat) and the test that forked with
# threads fails. Process pools and pyABC's sampler use forkserver (issue 22).
FORKS_WITH_THREADS: list[str] = []


def _os_threads() -> int:
    try:
        with open("/proc/self/stat", "rb") as stat:
            return int(stat.read().rsplit(b")", 1)[1].split()[17])
    except (OSError, ValueError, IndexError):  # not Linux: nothing to check
        return 1


def _before_fork() -> None:
    if _os_threads() > 1:
        FORKS_WITH_THREADS.append("".join(traceback.format_stack(limit=8)[:-1]))


os.register_at_fork(before=_before_fork)


@pytest.fixture(autouse=True)
def no_fork_with_threads():
    """Fails a test during which this process forked while it had threads."""
    FORKS_WITH_THREADS.clear()
    yield
    if FORKS_WITH_THREADS:
        pytest.fail("fork() while the process had threads (use forkserver), from:\n" + FORKS_WITH_THREADS[0],
                    pytrace=False)


def _leaving(**changes) -> dict:
    rules = {
        "baseline_daily_hazard": 0.0, "shock_hazard": 1.0,
        "pressure": [{"id": "announcement", "after_days": 0, "level": 1.0},
                     {"id": "next_day", "after_days": 1, "level": 0.0}],
        "panic_share": 1.0, "deliberation_days_max": 0, "complete_multiplier": 0.0,
        "age": {"18-28": 1.0, "29-39": 1.0, "40+": 1.0},
        "occupation": {"it": 1.0, "arts": 1.0, "medical": 1.0, "other_skilled": 1.0, "low_skilled": 1.0},
        "wealth": {"low": 1.0, "mid": 1.0, "high": 1.0}, "foreign_passport": 1.0, "ties_abroad": 1.0,
    }
    rules.update(changes)
    return rules


def one_road_world(*, people: int = 1000, capacity: int = 100, foreign_passport_share: float = 1.0) -> dict:
    """Everyone at risk leaves on the day of the shock, by one crossing, to one country.

    No ordinary traffic, no onward moves, no returns, nobody gives up: what happens at the
    border is the queue alone.
    """
    return {
        "name": "one_road",
        "calendar": {"start": "2022-09-20", "end": "2022-10-20", "seed": 1},
        "behaviour": {
            "agent_scale": 1,
            "leaving": _leaving(),
            "choice": {"travel_days": -0.3, "cost_share_of_savings": -1.0, "living_cost": -1.0, "language": 1.0,
                       "network": 0.3, "safety": 1.0, "ties": 1.0, "queue_days": -0.3, "draft_office": -2.0,
                       "queue_information_delay_days": 1},
            "queueing": {"patience_days": 1000, "switch_probability": 0.0, "give_up_probability": 0.0},
            "after_arrival": {"onward_daily_hazard": 0.0, "onward_decay_days": 10, "return_daily_hazard": 0.0,
                              "return_complete_multiplier": 1.0, "registration_after_days": 3},
            "prices": {"rent_elasticity": 1.0, "rent_adjust_rate": 0.5},
        },
        "origins": [{
            "id": "moscow", "name": "Moscow", "lon": 37.6, "lat": 55.75, "men_at_risk": people,
            "age_shares": {"18-28": 0.4, "29-39": 0.4, "40+": 0.2},
            "occupation_shares": {"it": 0.2, "arts": 0.2, "medical": 0.2, "other_skilled": 0.2, "low_skilled": 0.2},
            "wealth_shares": {"low": 0.3, "mid": 0.4, "high": 0.3},
            "savings_usd": {"low": 1000, "mid": 3000, "high": 10000},
            "foreign_passport_share": foreign_passport_share, "schengen_visa_share": 0.0, "ties_abroad_share": 0.0,
        }],
        "destinations": [
            _destination("turkey", ["foreign_passport"], lon=28.98, lat=41.01),
            _destination("kazakhstan", ["internal_passport"], lon=71.4, lat=51.1),
        ],
        "crossings": [
            {"id": "air_istanbul", "name": "Flights to Istanbul", "destination": "turkey", "mode": "air",
             "lon": 37.4, "lat": 55.97, "travel_days": 0.3, "cost_usd": 300, "daily_capacity": capacity},
            {"id": "kz_road", "name": "Road to Kazakhstan", "destination": "kazakhstan", "mode": "road",
             "lon": 49.7, "lat": 51.2, "travel_days": 0.3, "cost_usd": 60, "daily_capacity": 0, "open": False},
        ],
        "onward_links": [],
        "events": [{"id": "mobilization", "date": "2022-09-21", "kind": "mobilization_announced",
                    "label": "Mobilization announced"}],
    }


def _destination(dest_id: str, documents: list[str], *, lon: float, lat: float) -> dict:
    return {"id": dest_id, "name": dest_id.title(), "lon": lon, "lat": lat, "russian_spoken": 0.5,
            "living_cost_usd_month": 600, "housing_stock": 1000, "russians_resident": 10000, "safety": 0.8,
            "entry_documents": documents, "ordinary_daily_entries": 0, "ordinary_daily_exits": 0,
            "onward_propensity": 1.0}


def build(data: dict) -> Scenario:
    return scenario_from_dict(copy.deepcopy(data))


@pytest.fixture
def tiny_path() -> Path:
    return TINY


# --------------------------------------------------------------------------- a small Flee case

#: the files of a three-location Flee case (conflict zone A, town B, camp C), as Flee 3.1 reads them
FLEE_CASE_FILES = {
    "input_csv/locations.csv": (
        "#name,region,country,latitude,longitude,location_type,conflict_date,population\n"
        "A,R,Home,1.0,2.0,conflict_zone,0,1000\n"
        "B,R,Home,1.5,2.5,town,,500\n"
        "C,R2,Abroad,2.0,3.0,camp,,\n"
    ),
    "input_csv/routes.csv": "#name1,name2,distance,forced_redirection\nA,B,100,0\nB,C,200,\n",
    "input_csv/closures.csv": "#closure_type,name1,name2,closure_start,closure_end\n",
    "input_csv/conflicts.csv": "#Day,A\n0,1\n1,1\n2,1\n3,1\n4,1\n",
    "input_csv/sim_period.csv": "StartDate,2020-01-01\nLength,5\n",
    "input_csv/registration_corrections.csv": "",
    "source_data/data_layout.csv": "total,refugees.csv\nC,c.csv\n",
    "source_data/refugees.csv": "2020-01-01,0\n2020-01-05,400\n",
    "source_data/c.csv": "2020-01-01,0\n2020-01-05,400\n",
}


def make_flee_case(tmp_path: Path, changes: dict[str, str | None] | None = None, *, crlf: bool = False) -> Path:
    """A small Flee case folder (``tmp_path/case``): files of :data:`FLEE_CASE_FILES`, ``changes`` applied
    (None removes a file), optionally with Windows line ends."""
    files = dict(FLEE_CASE_FILES)
    files.update(changes or {})
    for name, text in files.items():
        if text is None:
            continue
        path = tmp_path / "case" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if crlf:
            text = text.replace("\n", "\r\n")
        path.write_bytes(text.encode("utf-8"))
    return tmp_path / "case"
