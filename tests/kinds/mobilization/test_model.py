"""Tiny hand-built worlds: capacity, closures, documents, events, conservation, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.paths import BASELINE, SHIPPED, TINY
from helpers.worlds import build, one_road_world
from flowsim.kinds.mobilization.engine import FlowModel
from flowsim.kinds.mobilization.engine.places import CrossingPlace, DestinationPlace
from flowsim.run import simulate, write_run
from flowsim.kinds.mobilization.scenario import load_scenario


def crossing_series(result, crossing: str, column: str) -> list[int]:
    rows = result.crossings[result.crossings["crossing"] == crossing]
    return rows[column].tolist()


def test_a_crossing_of_capacity_100_with_1000_arrivals_drains_in_10_days():
    result = simulate(build(one_road_world(people=1000, capacity=100)), seed=3)
    processed = [n for n in crossing_series(result, "air_istanbul", "processed") if n]
    assert processed == [100] * 10
    queue = crossing_series(result, "air_istanbul", "queue")
    assert max(queue) == 900 and queue[-1] == 0


def test_people_wait_in_arrival_order_so_the_last_served_waited_nine_days():
    result = simulate(build(one_road_world(people=1000, capacity=100)), seed=3)
    waits = [w for w, n in zip(crossing_series(result, "air_istanbul", "mean_wait_days"),
                               crossing_series(result, "air_istanbul", "processed")) if n]
    assert waits == [float(d) for d in range(10)]


def test_a_closed_crossing_carries_nobody():
    world = one_road_world()
    world["origins"][0]["foreign_passport_share"] = 0.5
    result = simulate(build(world), seed=1)
    assert sum(crossing_series(result, "kz_road", "processed")) == 0
    assert sum(crossing_series(result, "kz_road", "arrivals")) == 0


def test_nobody_without_a_foreign_passport_flies_to_istanbul():
    world = one_road_world(foreign_passport_share=0.5)
    world["crossings"][1]["open"] = True
    world["crossings"][1]["daily_capacity"] = 10_000
    scenario = build(world)
    model = FlowModel(scenario, rng=5)
    model.run()
    p = model.people
    flew = p.crossing == scenario.crossings.index(next(c for c in scenario.crossings if c.id == "air_istanbul"))
    internal_only = (p.documents & 2) == 0
    assert internal_only.sum() > 300
    assert not (flew & internal_only).any()


def test_a_crossing_closed_by_an_event_stops_and_its_queue_goes_elsewhere():
    world = one_road_world(people=2000, capacity=100)
    world["crossings"][1].update(open=True, daily_capacity=50)
    world["events"].append({"id": "close_air", "date": "2022-09-24", "kind": "close_crossing",
                            "label": "Flights stop", "crossing": "air_istanbul"})
    result = simulate(build(world), seed=2)
    rows = result.crossings[result.crossings["crossing"] == "air_istanbul"]
    after = rows[rows["date"] >= "2022-09-24"]
    assert after["processed"].sum() == 0
    assert set(after["status"]) == {"closed"}
    assert after["queue"].iloc[-1] == 0


def test_a_draft_office_turns_back_its_share():
    world = one_road_world(people=20_000, capacity=20_000)
    world["events"].append({"id": "draft_office", "date": "2022-09-20", "kind": "draft_office",
                            "label": "Draft office", "crossing": "air_istanbul", "turn_back_share": 0.25})
    result = simulate(build(world), seed=4)
    turned = sum(crossing_series(result, "air_istanbul", "turned_back"))
    crossed = sum(crossing_series(result, "air_istanbul", "processed"))
    assert turned / (turned + crossed) == pytest.approx(0.25, abs=0.02)


def test_nobody_leaves_before_the_mobilization_is_announced_when_there_is_no_baseline_emigration():
    result = simulate(build(one_road_world()), seed=1)
    first_day = result.crossings.loc[result.crossings["arrivals"] > 0, "date"].min()
    assert first_day == "2022-09-21"


def test_places_are_mesa_agents_and_events_are_on_the_mesa_event_list():
    model = FlowModel(load_scenario(TINY), rng=1)
    assert len(model.agents_by_type[DestinationPlace]) == 3
    assert len(model.agents_by_type[CrossingPlace]) == 5
    assert model.announced_day is None
    model.run_for(11)  # the shock is dated 2022-09-11, day 10
    assert model.announced_day == 10


def test_a_person_can_be_inspected_with_his_history():
    model = FlowModel(load_scenario(TINY), rng=1)
    model.run()
    crossed = int(np.flatnonzero(model.people.first_destination >= 0)[0])
    person = model.person(crossed)
    assert person.first_destination in ("kazakhstan", "georgia", "turkey")
    assert person.crossed_on >= person.decided_on >= "2022-09-01"
    assert 18 <= person.age <= 50


def test_returns_rise_once_mobilization_is_declared_complete():
    scenario = load_scenario(TINY)
    result = simulate(scenario, seed=1)
    returns = result.daily.groupby("date")["wave_exits_return"].sum()
    stock = result.daily.groupby("date")["wave_stock"].sum()
    rate_before = (returns["2022-10-05":"2022-10-14"] / stock["2022-10-05":"2022-10-14"]).mean()
    rate_after = (returns["2022-10-16":"2022-10-25"] / stock["2022-10-16":"2022-10-25"]).mean()
    assert rate_after > 2 * rate_before


def test_kazakhstan_is_a_first_stop_people_move_on_from():
    result = simulate(load_scenario(TINY), seed=1)
    kz = result.daily[result.daily["country"] == "kazakhstan"]
    assert kz["wave_exits_onward"].sum() > 0.1 * kz["wave_entries"].sum()


def test_rents_rise_where_newcomers_crowd_the_housing():
    result = simulate(load_scenario(TINY), seed=1)
    peak = result.daily.groupby("country")["rent_index"].max()
    assert peak["kazakhstan"] > 1.5
    assert result.daily.loc[result.daily["date"] < "2022-09-11", "rent_index"].max() < 1.01


@pytest.mark.parametrize("path", [TINY, *SHIPPED], ids=lambda p: p.stem)
def test_nobody_is_lost_on_any_day_in_any_origin(path):
    scenario = load_scenario(path)
    scale = 50 if path == BASELINE or "what_if" in path.parts else 1
    result = simulate(scenario, seed=11, scale=scale)
    population = result.population
    start = population[population["date"] == population["date"].min()].set_index("origin")["total"]
    for origin, rows in population.groupby("origin"):
        parts = rows[["at_home", "queued", "in_transit", "abroad", "returned"]].sum(axis=1)
        assert (parts == rows["total"]).all()
        assert (rows["total"] == start[origin]).all()
    expected = sum(round(o.men_at_risk / scale) for o in scenario.origins) * scale
    assert population.groupby("date")["total"].sum().eq(expected).all()


def test_the_state_sets_hold_exactly_whom_a_scan_of_everyone_finds_on_every_day():
    from flowsim.kinds.mobilization.engine.people import State

    model = FlowModel(load_scenario(BASELINE), rng=5, scale=50)
    sets = {
        (State.DELIBERATING, State.TO_BORDER): model._setting_out,
        (State.QUEUED,): model._queued,
        (State.TRAVELLING, State.GOING_HOME): model._in_transit,
    }
    checked = 0
    while model.running:
        model.step()
        state = model.people.state
        for states, members in sets.items():
            scanned = np.flatnonzero(np.isin(state, states))
            assert np.array_equal(members.read(state), scanned)
            checked += scanned.size
        unregistered = np.flatnonzero((state == State.ABROAD) & ~model.people.registered)
        assert np.array_equal(model._unregistered.read(state, unless=model.people.registered), unregistered)
    assert checked > 10_000  # the sets were not trivially empty


def test_wave_stock_equals_entries_minus_exits_of_the_exodus():
    result = simulate(load_scenario(TINY), seed=2)
    for country, rows in result.daily.groupby("country"):
        balance = (rows["wave_entries"] - rows["wave_exits_onward"] - rows["wave_exits_return"]).cumsum()
        assert (balance == rows["wave_stock"]).all(), country


def test_the_same_seed_gives_byte_identical_tables(tmp_path):
    scenario = load_scenario(TINY)
    for run in ("a", "b"):
        write_run(simulate(scenario, seed=42, agents=True), tmp_path / run)
    for name in ("daily.csv", "crossings.csv", "flows.csv", "profile.csv", "population.csv",
                 "summary.csv", "agents.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_different_seed_gives_a_different_run():
    scenario = load_scenario(TINY)
    a = simulate(scenario, seed=1).daily
    b = simulate(scenario, seed=2).daily
    assert not a.equals(b)


def test_agent_scale_changes_resolution_not_the_story():
    scenario = load_scenario(TINY)
    fine = simulate(scenario, seed=1, scale=1).summary.set_index("country")["leavers_first_entries"]
    coarse = simulate(scenario, seed=1, scale=10).summary.set_index("country")["leavers_first_entries"]
    assert coarse["kazakhstan"] == pytest.approx(fine["kazakhstan"], rel=0.1)


def test_ordinary_travellers_keep_crossing_both_ways_throughout():
    result = simulate(load_scenario(TINY), seed=1)
    kz = result.daily[result.daily["country"] == "kazakhstan"]
    assert (kz["ordinary_entries"] > 200).all() and (kz["ordinary_exits"] > 200).all()
    assert (kz["entries_total"] == kz["ordinary_entries"] + kz["wave_entries"]).all()
