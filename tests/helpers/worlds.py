"""Tiny hand-built mobilization worlds (in the spirit of Flee's toy escape tests)."""

from __future__ import annotations

import copy

from flowsim.kinds.mobilization.scenario import Scenario, scenario_from_dict


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
