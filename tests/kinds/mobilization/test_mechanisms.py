"""The mechanisms that shape the exodus day by day, each shown in a tiny hand-built world.

Border posts reinforced behind a queue, the pool of the willing drained by the exodus, a
closure that turns away the documents already queued, transit passengers, the Law of
Return, fares by load factor, staying at home and a region's own ties abroad.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.worlds import build, one_road_world
from flowsim.kinds.mobilization.engine import FlowModel, rules
from flowsim.kinds.mobilization.engine.people import DOC_BITS, State, StopReason
from flowsim.run import simulate


def road_world(*, people: int, capacity: int) -> dict:
    """Everyone leaves on the day of the shock by the one road into Kazakhstan."""
    world = one_road_world(people=people, capacity=0)
    world["crossings"][0]["open"] = False
    world["crossings"][1].update(open=True, daily_capacity=capacity)
    return world


def processed(result, crossing: str) -> list[float]:
    rows = result.crossings[result.crossings["crossing"] == crossing]
    return rows["processed"].tolist()


# ---------------------------------------------------------------- staffing behind a queue

def test_a_post_reinforced_behind_its_queue_doubles_its_throughput_within_days():
    # KZ-02: 22,500 entries on 29 Sep, a third above the posts' ordinary throughput
    world = road_world(people=3000, capacity=100)
    world["destinations"][1].update(border_surge_factor=2.0, border_surge_days=2)
    served = [n for n in processed(simulate(build(world), seed=1), "kz_road") if n]
    assert served[0] == 100                     # the first day at the ordinary rate
    assert served[1] == 150                     # half-way to double after a day of queue
    assert max(served) <= 200 and served[6] >= 195
    assert sum(served) == 3000                  # everyone crosses in the end


def test_a_reinforcement_decided_after_days_of_queue_steps_throughput_up_late():
    # KZ-10: about 14,000 entries a day in the first week, under the posts' ordinary throughput
    # behind queues of hours (KZ-13); KZ-02: 22,500 on 29 Sep, the eighth day
    world = road_world(people=3000, capacity=100)
    world["destinations"][1].update(border_surge_factor=2.0, border_surge_days=1, border_surge_delay_days=4)
    served = [n for n in processed(simulate(build(world), seed=1), "kz_road") if n]
    assert served[:4] == [100] * 4              # four days at the ordinary rate behind the queue
    assert served[4] == 200                     # then the whole reinforcement at once
    assert sum(served) == 3000
    undelayed = road_world(people=3000, capacity=100)
    undelayed["destinations"][1].update(border_surge_factor=2.0, border_surge_days=1)
    assert [n for n in processed(simulate(build(undelayed), seed=1), "kz_road") if n][1] == 200


def test_a_post_without_reinforcement_keeps_its_ordinary_throughput():
    world = road_world(people=3000, capacity=100)
    served = [n for n in processed(simulate(build(world), seed=1), "kz_road") if n]
    assert set(served) == {100} and len(served) >= 25


def test_reinforcement_eases_back_once_the_queue_is_gone():
    surge = np.array([2.0])
    for _ in range(20):
        surge = rules.staffing_surge(surge, np.array([0.0]), np.array([2.0]), np.array([2.0]))
    assert surge[0] == pytest.approx(1.0, abs=1e-4)


# ---------------------------------------------------------------- the pool of the willing

def steady_pressure_world(*, willing_share: float, shock: float) -> dict:
    world = road_world(people=20_000, capacity=100_000)
    world["behaviour"]["leaving"].update(
        shock_hazard=shock, willing_share=willing_share,
        pressure=[{"id": "announcement", "after_days": 0, "level": 1.0}])
    return world


def leavers_by_day(world: dict) -> np.ndarray:
    model = FlowModel(build(world), rng=3)
    model.run()
    decided = model.people.decided_day
    return np.bincount(decided - decided.min())


def test_at_constant_pressure_the_willing_drain_and_the_leavers_halve_day_by_day():
    # a hazard of 0.05 over everyone is 0.5 among the willing tenth: the pool halves each day
    leavers = leavers_by_day(steady_pressure_world(willing_share=0.1, shock=0.05))
    assert leavers[0] == pytest.approx(1000, rel=0.1)
    assert leavers[1] == pytest.approx(500, rel=0.15)
    assert leavers[2] == pytest.approx(250, rel=0.25)
    assert leavers.sum() == pytest.approx(2000, abs=5)  # nobody outside the pool leaves


def test_without_a_pool_the_same_hazard_keeps_taking_men_day_after_day():
    leavers = leavers_by_day(steady_pressure_world(willing_share=1.0, shock=0.05))
    assert leavers[0] == pytest.approx(1000, rel=0.1)
    assert leavers[2] == pytest.approx(1000 * 0.95 ** 2, rel=0.1)
    assert leavers.sum() > 10_000


def test_the_pool_is_larger_in_cohorts_readier_to_leave_and_never_more_than_the_cohort():
    fraction = rules.willing_fraction(np.array([0.5, 1.0, 10.0, 1000.0]), 0.01)
    assert fraction.tolist() == pytest.approx([0.005, 0.01, 0.1, 1.0])


# ---------------------------------------------------------------- a closure at the post

def test_a_closure_to_tourist_visas_turns_away_those_already_queued():
    # FI-11: from 30 Sep Finland admits no Schengen tourist visas, whoever is at the post
    world = road_world(people=2000, capacity=100)
    world["destinations"][1]["entry_documents"] = ["foreign_passport", "schengen_visa"]
    world["origins"][0]["schengen_visa_share"] = 1.0
    world["events"].append({"id": "close_to_tourists", "date": "2022-09-25", "kind": "set_documents",
                            "label": "Closed to tourists", "crossing": "kz_road",
                            "documents": ["foreign_passport", "eu_residence"]})
    result = simulate(build(world), seed=2)
    rows = result.crossings[result.crossings["crossing"] == "kz_road"].set_index("date")
    assert rows.loc[:"2022-09-24", "processed"].sum() == 300  # three days at 100 after a day's drive
    assert rows.loc["2022-09-25":, "processed"].sum() == 0
    assert rows.loc["2022-09-25", "queue"] == 0
    gone = rows.loc["2022-09-25", ["gave_up", "switched_away"]].sum()
    assert gone == 1700  # the queue balances: everyone left in it went home or elsewhere


# ---------------------------------------------------------------- transit

def transit_world(share: float) -> dict:
    world = road_world(people=4000, capacity=100_000)
    world["destinations"][1]["transit_share"] = share
    world["behaviour"]["after_arrival"]["transit_stay_days"] = 2
    world["onward_links"] = [{"id": "kz_tr", "from": "kazakhstan", "to": "turkey", "mode": "air",
                              "travel_days": 1, "cost_usd": 300}]
    return world


def test_transit_passengers_move_on_within_days_and_the_rest_stay():
    # GE-11: "more than 60 percent of Russian visitors were leaving the country shortly after"
    result = simulate(build(transit_world(0.6)), seed=4)
    kz = result.daily[result.daily["country"] == "kazakhstan"].set_index("date")
    entered = kz["wave_entries"].sum()
    moved_on = kz["wave_exits_onward"].sum()
    assert moved_on / entered == pytest.approx(0.6, abs=0.03)  # nobody else moves on (no onward hazard)
    assert kz.loc[:"2022-09-28", "wave_exits_onward"].sum() > 0.95 * moved_on  # within days


def test_transit_passengers_do_not_register_where_they_only_pass_through():
    result = simulate(build(transit_world(1.0)), seed=4)
    kz = result.daily[result.daily["country"] == "kazakhstan"]
    assert kz["wave_registrations"].sum() == 0


# ---------------------------------------------------------------- the Law of Return

def test_only_men_eligible_under_the_law_of_return_settle_in_israel():
    # IL-01: about 6,500 arrivals in 12 days, more than 900 with immigration visas
    world = road_world(people=5000, capacity=100_000)
    world["destinations"][1]["entry_documents"] = ["internal_passport", "law_of_return"]
    world["origins"][0]["law_of_return_share"] = 0.1
    model = FlowModel(build(world), rng=6)
    model.run()
    p = model.people
    eligible = (p.documents & DOC_BITS["law_of_return"]) > 0
    assert eligible.mean() == pytest.approx(0.1, abs=0.015)
    crossed = p.crossed_day >= 0
    assert crossed.sum() == eligible.sum() and not (crossed & ~eligible).any()


# ---------------------------------------------------------------- fares

def test_fares_stay_ordinary_below_the_knee_and_reach_the_sold_out_multiple_at_full_load():
    multiple = rules.yield_fare_multiple(np.array([0.5, 0.8, 0.9, 1.0, 3.0]), 0.8, 5.0)
    assert multiple.tolist() == pytest.approx([1.0, 1.0, 5 ** 0.5, 5.0, 5.0])


def test_a_sold_out_flight_costs_the_sold_out_multiple_on_the_day_of_the_announcement():
    # TR-02: Moscow-Istanbul at four to nine times the usual fare on 21 September
    world = one_road_world(people=1000, capacity=100)
    world["behaviour"]["choice"].update(sold_out_fare_multiple=5.0, fare_knee_load_factor=0.8)
    result = simulate(build(world), seed=1)
    rows = result.crossings[result.crossings["crossing"] == "air_istanbul"].set_index("date")
    assert rows.loc["2022-09-20", "fare_index"] == 1.0
    assert rows.loc["2022-09-21", "fare_index"] >= 5.0


# ---------------------------------------------------------------- staying at home

def test_where_every_way_out_is_a_long_queue_more_men_stay_at_home():
    def stayed(capacity: int) -> float:
        world = road_world(people=4000, capacity=capacity)
        world["behaviour"]["leaving"].update(panic_share=0.0, deliberation_days_max=10)
        world["behaviour"]["choice"]["stay_home"] = 1.0
        model = FlowModel(build(world), rng=8)
        model.run()
        return float((model.people.stopped_reason == StopReason.STAYED_HOME).mean())

    assert stayed(100) > stayed(100_000) + 0.1


def test_staying_home_is_one_more_option_always_open():
    utility, allowed = rules.with_staying_home(np.zeros((2, 3), np.float32), np.zeros((2, 3), bool), 1.5)
    assert utility[:, 3].tolist() == [1.5, 1.5] and allowed[:, 3].all() and not allowed[:, :3].any()


# ---------------------------------------------------------------- a region's own ties

def test_a_regions_ties_abroad_go_where_the_region_says():
    # Buryats' kin and trade across the Mongolian border (DEM-01)
    world = road_world(people=3000, capacity=100_000)
    world["origins"][0].update(ties_abroad_share=1.0, ties_destinations={"kazakhstan": 1.0})
    model = FlowModel(build(world), rng=2)
    model.run()
    kazakhstan = model.destination_ids.index("kazakhstan")
    assert (model.people.tie_destination == kazakhstan).all()
    assert (model.people.state == State.ABROAD).any()


# ---------------------------------------------------------------- re-choosing, and the calm after the rumours

def seatless_world(stay_home: float | None) -> dict:
    """Flights with a tenth of the seats wanted and an open road: men without a seat re-choose daily."""
    world = one_road_world(people=2000, capacity=100)
    world["crossings"][1].update(open=True, daily_capacity=100_000)
    world["behaviour"]["queueing"].update(seat_patience_days=1, seat_rechoose_probability=1.0)
    # the flight is the better way out when seats are free: every man tries it first
    world["behaviour"]["choice"]["appeal"] = {"turkey": 30.0}
    if stay_home is not None:
        world["behaviour"]["choice"]["stay_home"] = stay_home
    return world


def test_a_man_without_a_seat_may_go_home_instead_of_taking_the_next_border():
    # 002: "overbooked flights ... pushed many to ... car or foot", but not everyone: KZ-02..04
    # show the pulse into Kazakhstan over within days
    def gone_home_from_the_airport(stay_home: float | None) -> float:
        result = simulate(build(seatless_world(stay_home)), seed=5)
        rows = result.crossings[result.crossings["crossing"] == "air_istanbul"]
        return float(rows["gave_up"].sum())

    assert gone_home_from_the_airport(None) == 0           # without the option everyone drives on
    assert gone_home_from_the_airport(29.0) > 100          # with it, many of those re-choosing go home


def test_staying_gains_weight_as_the_pressure_passes():
    assert rules.staying_utility(1.5, 3.0, pressure=1.0) == 1.5
    assert rules.staying_utility(1.5, 3.0, pressure=2.5) == 1.5     # a second peak adds nothing
    assert rules.staying_utility(1.5, 3.0, pressure=0.5) == 3.0
    assert rules.staying_utility(1.5, 3.0, pressure=0.0) == 4.5
    assert rules.staying_utility(1.5, 0.0, pressure=0.0) == 1.5


def test_men_setting_off_after_the_rumours_ended_mostly_stay():
    # the rumours' end (29 Sep): those still deliberating weigh staying more than the first night's
    def stayed_after_the_calm(when_calm: float) -> float:
        world = road_world(people=6000, capacity=100_000)
        world["behaviour"]["leaving"].update(
            panic_share=0.0, deliberation_days_max=6,
            pressure=[{"id": "announcement", "after_days": 0, "level": 1.0},
                      {"id": "rumours_end", "after_days": 2, "level": 0.0}])
        world["behaviour"]["choice"].update(stay_home=-1.0, stay_home_when_calm=when_calm)
        model = FlowModel(build(world), rng=9)
        model.run()
        p = model.people
        late = p.act_day >= model.announced_day + 3
        return float((p.stopped_reason[late] == 4).mean())

    assert stayed_after_the_calm(0.0) < 0.2
    assert stayed_after_the_calm(4.0) > stayed_after_the_calm(0.0) + 0.5


# ---------------------------------------------------------------- choosing in turns through the day

def two_posts_world(turns: int) -> dict:
    """2,000 men set off on one day towards two posts: a near one that takes 100 a day, a far one that takes 1,000."""
    world = road_world(people=2000, capacity=100)
    far = dict(world["crossings"][1], id="kz_far", name="Far road to Kazakhstan", travel_days=2.0,
               daily_capacity=1000)
    world["crossings"].append(far)
    world["behaviour"]["choice"].update(choice_turns_per_day=turns, queue_days=-0.3)
    return world


def arrivals(result, crossing: str) -> float:
    rows = result.crossings[result.crossings["crossing"] == crossing]
    return float(rows["arrivals"].sum())


def test_men_who_choose_later_in_the_day_see_the_cars_sent_before_them_and_spread_out():
    # KZ-14: about 500 cars at Vishnyovka, not the thousands that yesterday's empty queue would draw
    at_once, in_turns = (simulate(build(two_posts_world(t)), seed=2) for t in (1, 8))
    near_at_once, near_in_turns = arrivals(at_once, "kz_road"), arrivals(in_turns, "kz_road")
    assert near_at_once > 0.6 * 2000            # yesterday's queue was empty: the near post wins
    assert near_in_turns < 0.6 * near_at_once   # later turns see 20 days of cars on the near road
    assert arrivals(in_turns, "kz_road") + arrivals(in_turns, "kz_far") == 2000


def test_registrations_are_completed_the_processing_days_after_the_application():
    from flowsim.kinds.mobilization.run.results import registered_after
    applications = np.array([[5.0], [3.0], [0.0], [2.0]])
    assert registered_after(applications, 2)[:, 0].tolist() == [0.0, 0.0, 5.0, 3.0]
    assert registered_after(applications, 0)[:, 0].tolist() == [5.0, 3.0, 0.0, 2.0]
    assert registered_after(applications, 9).sum() == 0.0


# ---------------------------------------------------------------- the call-up's own leavers

def callup_world(*, willing_share: float, shock: float = 0.0) -> dict:
    """The call-up's summonses go out evenly over ten days; each man they reach leaves that day."""
    world = road_world(people=20_000, capacity=100_000)
    world["behaviour"]["leaving"].update(
        shock_hazard=shock, willing_share=0.1,
        pressure=[{"id": "announcement", "after_days": 0, "level": 1.0}],
        callup={"willing_share": willing_share, "daily_hazard": 1.0,
                "delivered": [{"id": "announced", "after_days": 0, "share": 0.0},
                              {"id": "all_out", "after_days": 10, "share": 1.0}]})
    return world


def test_the_call_up_moves_men_as_its_summonses_go_out_and_no_more():
    # RU-06: 300,000 summonses over five weeks; source 000: "a call-up notice to a relative triggers leaving"
    world = callup_world(willing_share=0.05)
    model = FlowModel(build(world), rng=3)
    reach = model.callup.reach.sum()
    model.run()
    decided = model.people.decided_day - model.announced_day
    leavers = np.bincount(decided, minlength=12)
    assert leavers[0] == 0                          # nothing is out on the day of the announcement
    assert leavers[1:11] == pytest.approx(np.full(10, reach / 10), abs=0.02 * reach)
    assert leavers[11:].sum() == 0                  # every summons is out by day 10
    assert model.people.called_up.all()             # the shock moved nobody here
    assert leavers.sum() == pytest.approx(reach, abs=len(model.callup.reach))


def test_without_a_call_up_no_man_is_marked_called_up():
    model = FlowModel(build(steady_pressure_world(willing_share=0.1, shock=0.05)), rng=3)
    model.run()
    assert model.people.n > 0 and not model.people.called_up.any()


def test_a_man_the_call_up_reached_finds_no_calm_when_the_rumours_end():
    # after the rumours' end the shock's late deciders mostly stay; a summons in the family stands
    world = callup_world(willing_share=0.05, shock=0.05)
    world["behaviour"]["leaving"].update(
        panic_share=0.0, deliberation_days_max=6,
        pressure=[{"id": "announcement", "after_days": 0, "level": 1.0},
                  {"id": "rumours_end", "after_days": 2, "level": 0.0}])
    world["behaviour"]["choice"].update(stay_home=-1.0, stay_home_when_calm=4.0)
    model = FlowModel(build(world), rng=9)
    model.run()
    p = model.people
    late = p.act_day >= model.announced_day + 3
    stayed = p.stopped_reason == StopReason.STAYED_HOME
    assert stayed[late & ~p.called_up].mean() > 0.5
    assert stayed[late & p.called_up].mean() < 0.2


# ---------------------------------------------------------------- the rush before a rumoured closure

def rumour_world(*, willing_share: float, ends_after_days: float | None) -> dict:
    """Nobody leaves on the announcement; rumours of a closure reach a pool over days 4-7."""
    world = road_world(people=20_000, capacity=100_000)
    world["behaviour"]["leaving"].update(
        shock_hazard=0.0, willing_share=0.1, panic_share=0.0, deliberation_days_max=3,
        pressure=[{"id": "announcement", "after_days": 0, "level": 1.0}],
        closure_rumours={"willing_share": willing_share, "daily_hazard": 0.5,
                         "heard": [{"id": "first_reports", "after_days": 4, "share": 0.0},
                                   {"id": "rumoured_closure", "after_days": 7, "share": 1.0}],
                         "ends_after_days": ends_after_days})
    return world


def rumour_leavers(world: dict) -> tuple[np.ndarray, FlowModel]:
    model = FlowModel(build(world), rng=5)
    model.run()
    decided = model.people.decided_day - model.announced_day
    return np.bincount(decided, minlength=20), model


def test_men_the_rumours_move_set_off_at_once_and_stop_when_the_rumours_end():
    # Meduza, 25 Sep 2022: the borders would close on 28 Sep; they stayed open after 30 Sep
    leavers, model = rumour_leavers(rumour_world(willing_share=0.05, ends_after_days=9))
    reach = model.rumoured.reach.sum()
    assert leavers[:5].sum() == 0                   # nobody before the first reports
    assert leavers[5:9].sum() > 0.6 * reach         # the rush, at half the pool a day
    assert leavers[9:].sum() == 0                   # the borders stayed open: the rest stay
    p = model.people
    # a man racing a closure does not take the 1-3 days to deliberate: the road alone delays him
    assert (p.crossed_day - p.decided_day).max() <= 2
    assert not p.called_up.any()


def test_rumours_that_never_end_move_their_whole_pool():
    leavers, model = rumour_leavers(rumour_world(willing_share=0.05, ends_after_days=None))
    assert leavers.sum() == pytest.approx(model.rumoured.reach.sum(), abs=len(model.rumoured.reach))


def test_without_rumours_nobody_leaves_in_that_world():
    leavers, _ = rumour_leavers(rumour_world(willing_share=0.0, ends_after_days=9))
    assert leavers.sum() == 0


# ---------------------------------------------------------------- registrations outside the exodus

def test_men_passing_through_register_at_their_share_when_they_stay_long_enough():
    # 002: the IIN is needed "for setting up a phone number and a bank account"
    def registered_share(share: float) -> float:
        world = transit_world(1.0)
        world["behaviour"]["after_arrival"].update(registration_after_days=0, transit_registration_share=share)
        kz = simulate(build(world), seed=4).daily.query("country == 'kazakhstan'")
        return kz["wave_registrations"].sum() / kz["wave_entries"].sum()

    assert registered_share(0.0) == 0.0
    assert registered_share(0.5) == pytest.approx(0.5, abs=0.05)
    assert registered_share(1.0) == pytest.approx(1.0, abs=0.01)


def test_russians_outside_the_exodus_register_at_the_scenarios_daily_rate():
    # KZ-N4: 93,000 IINs to Russians from early April to 27 Sep, about 520 a day
    world = road_world(people=2000, capacity=100)
    world["destinations"][1]["ordinary_daily_registrations"] = 520
    daily = simulate(build(world), seed=1).daily
    assert set(daily.query("country == 'kazakhstan'")["ordinary_registrations"]) == {520}
    assert set(daily.query("country != 'kazakhstan'")["ordinary_registrations"]) == {0}


# ---------------------------------------------------------------- whom a trigger moves

def test_a_rumour_that_weighs_a_passport_less_moves_men_without_one_to_where_their_papers_admit():
    # a foreign passport takes weeks to get: the men the rumours moved without one could go only
    # where the internal passport admits them (Kazakhstan), not to Turkey
    def rushed(foreign_passport: float | None) -> tuple[float, float]:
        world = rumour_world(willing_share=0.05, ends_after_days=None)
        world["origins"][0]["foreign_passport_share"] = 0.5
        world["behaviour"]["leaving"]["foreign_passport"] = 4.0
        world["behaviour"]["leaving"]["closure_rumours"]["foreign_passport"] = foreign_passport
        world["crossings"][0].update(open=True, daily_capacity=100_000)   # flights to Istanbul too
        model = FlowModel(build(world), rng=5)
        model.run()
        p = model.people
        holders = (p.documents[:p.n] & DOC_BITS["foreign_passport"]) > 0
        to_kazakhstan = p.first_destination[:p.n] == model.destination_ids.index("kazakhstan")
        assert to_kazakhstan[~holders].all()              # without a passport, Kazakhstan or nowhere
        return holders.mean(), to_kazakhstan.mean()

    holders_as_announced, kazakhstan_as_announced = rushed(None)
    holders_unweighted, kazakhstan_unweighted = rushed(1.0)
    assert holders_as_announced == pytest.approx(4 / 5, abs=0.03)    # 4 : 1 among equal halves
    assert holders_unweighted == pytest.approx(1 / 2, abs=0.03)      # the passport weighs nothing
    assert kazakhstan_unweighted > kazakhstan_as_announced + 0.05


def test_a_passport_weight_equal_to_the_announcements_changes_nothing():
    world = rumour_world(willing_share=0.05, ends_after_days=9)
    world["behaviour"]["leaving"]["foreign_passport"] = 3.0
    same = FlowModel(build(world), rng=1)
    world["behaviour"]["leaving"]["closure_rumours"]["foreign_passport"] = 3.0
    again = FlowModel(build(world), rng=1)
    assert np.array_equal(same.rumoured.reach, again.rumoured.reach)


# ---------------------------------------------------------------- registration offices shut at the weekend

def test_offices_shut_on_sunday_take_sundays_applicants_on_monday():
    # KZ-11: "more than 13,000" applications in one day, Monday 26 Sep after the weekend
    wanting = np.full((8, 1), 100.0)                     # Wed 21 Sep .. Wed 28 Sep
    open_share = np.array([1, 1, 1, 0.5, 0.0, 1, 1, 1.0])  # Saturday half, Sunday shut
    taken = rules.office_day_applications(wanting, open_share)[:, 0]
    assert taken.tolist() == [100, 100, 100, 50, 0, 250, 100, 100]
    assert taken.sum() == wanting.sum()                  # nobody is lost, only delayed


def test_men_due_to_register_at_the_weekend_apply_on_monday():
    world = road_world(people=3000, capacity=300)        # arrivals every day for ten days
    world["behaviour"]["after_arrival"].update(registration_after_days=0)

    def registrations(weekday_share: dict) -> pd.Series:
        world["behaviour"]["after_arrival"]["registration_weekday_share"] = weekday_share
        daily = simulate(build(world), seed=2).daily.query("country == 'kazakhstan'")
        return daily.set_index(pd.to_datetime(daily["date"]))["wave_registrations"]

    every_day, shut_sunday = registrations({}), registrations({"sunday": 0.0})
    sundays = shut_sunday.index.day_of_week == 6
    assert every_day[sundays].sum() > 0 and shut_sunday[sundays].sum() == 0
    mondays = shut_sunday.index.day_of_week == 0
    assert shut_sunday[mondays].sum() > 1.5 * every_day[mondays].sum()   # Sunday's men come on Monday
    assert shut_sunday.sum() == every_day.sum()          # all register in the end


def test_russians_outside_the_exodus_apply_on_the_days_the_offices_open():
    world = road_world(people=2000, capacity=100)
    world["destinations"][1]["ordinary_daily_registrations"] = 520
    world["behaviour"]["after_arrival"]["registration_weekday_share"] = {"sunday": 0.0}
    daily = simulate(build(world), seed=1).daily.query("country == 'kazakhstan'")
    weekday = pd.to_datetime(daily["date"]).dt.day_of_week
    assert set(daily.loc[weekday == 6, "ordinary_registrations"]) == {0}
    assert set(daily.loc[weekday == 0, "ordinary_registrations"]) <= {520, 1040}

