"""Tables of a finished run, as data frames (no file I/O here).

Column meanings are documented in docs/outputs.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from flowsim.kinds.mobilization.engine import rules
from flowsim.kinds.mobilization.engine.model import (
    CROSSING_COUNTERS,
    DESTINATION_COUNTERS,
    POPULATION_STATES,
    FlowModel,
)
from flowsim.kinds.mobilization.engine.people import DOC_BITS, STOP_REASONS, State
from flowsim.kinds.mobilization.scenario import AGE_BANDS, OCCUPATIONS, WEALTH_BANDS

DAILY_COLUMNS = [
    "date", "country", "entries_total", "exits_total", "ordinary_entries", "ordinary_exits",
    "wave_entries", "wave_exits_onward", "wave_exits_return", "wave_stock", "wave_registrations",
    "wave_registered", "ordinary_registrations", "rent_index",
]
CROSSING_COLUMNS = [
    "date", "crossing", "country", "mode", "arrivals", "processed", "ordinary_entries", "turned_back", "gave_up",
    "switched_away", "queue", "queue_vehicles", "queue_km", "mean_wait_days", "capacity", "fare_index",
    "status",
]


@dataclass
class RunResult:
    """Everything one run produced."""

    daily: pd.DataFrame
    crossings: pd.DataFrame
    flows: pd.DataFrame
    profile: pd.DataFrame
    population: pd.DataFrame
    summary: pd.DataFrame
    places: pd.DataFrame
    events: pd.DataFrame
    agents: pd.DataFrame | None = None
    meta: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by file stem, in the order they are written."""
        out = {
            "daily": self.daily, "crossings": self.crossings, "flows": self.flows,
            "profile": self.profile, "population": self.population, "summary": self.summary,
            "places": self.places, "events": self.events,
        }
        return out


def collect_results(model: FlowModel, *, agents: bool = False) -> RunResult:
    """Build all tables from a model that has run."""
    daily, crossings = place_tables(model)
    return RunResult(
        daily=daily,
        crossings=crossings,
        flows=flows_table(model),
        profile=profile_table(model),
        population=population_table(model),
        summary=summary_table(model, daily, crossings),
        places=places_table(model),
        events=events_table(model),
        agents=agents_table(model) if agents else None,
    )


def rounded(values: np.ndarray, digits: int) -> np.ndarray:
    """Python's ``round(v, digits)`` of every value, computed on the whole array at once.

    ``np.round`` scales, rounds and scales back, which is Python's correctly rounded result
    except next to a tie (x·10^digits within its rounding error of a half), where the product's
    error can tip the rounding; those few values, and any too large to scale, are rounded by
    Python, so the tables are what rounding figure by figure gave.
    """
    values = np.asarray(values, dtype=float)
    factor = 10.0 ** digits
    scaled = values * factor
    out = np.rint(scaled) / factor
    with np.errstate(invalid="ignore"):
        doubtful = ~(np.abs(scaled) < 2.0**52) | (
            np.abs(scaled - np.floor(scaled) - 0.5) <= 1e-9 + 4e-16 * np.abs(scaled))
    flat, source = out.reshape(-1), values.reshape(-1)
    for i in np.flatnonzero(doubtful):
        flat[i] = round(float(source[i]), digits)
    return out


def _people_numbers(model: FlowModel, values: np.ndarray) -> np.ndarray:
    """Counts of people as the tables show them (``FlowModel.as_table_number`` on every value)."""
    return np.rint(values).astype(np.int64) if model.whole_people else rounded(values, 6)


def _by_day_and_place(dates: list[str], ids: list[str], id_column: str,
                      columns: dict[str, np.ndarray], by_id: bool) -> pd.DataFrame:
    """One row per day and place, days in order and places by id (or as listed) within a day."""
    order = sorted(range(len(ids)), key=ids.__getitem__) if by_id else list(range(len(ids)))
    frame = {"date": np.repeat(np.array(dates, dtype=object), len(ids)),
             id_column: np.tile(np.array([ids[i] for i in order], dtype=object), len(dates))}
    for name, values in columns.items():
        if values.ndim == 1:  # one value per place
            values = np.broadcast_to(values, (len(dates), len(ids)))
        frame[name] = values[:, order].reshape(-1)
    return pd.DataFrame(frame)


def registered_after(applications: np.ndarray, processing_days: int) -> np.ndarray:
    """Registrations completed each day (rows: days): the applications of ``processing_days`` earlier."""
    done = np.zeros_like(applications)
    if processing_days < applications.shape[0]:
        done[processing_days:] = applications[:applications.shape[0] - processing_days]
    return done


def place_tables(model: FlowModel, *, by_id: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The daily table (per destination) and the crossings table of the days run so far.

    Made once, from the model's :class:`~flowsim.engine.places.DayLog`, with each figure
    rounded as a place agent shows it. Within a day the places are sorted by id, or with
    ``by_id=False`` in the scenario's order.
    """
    log, days = model.day_log, model.day_log.days
    dates = [(model.start + dt.timedelta(days=d)).isoformat() for d in range(days)]
    dest = {name: _people_numbers(model, log.destination_counts[:days, k])
            for k, name in enumerate(DESTINATION_COUNTERS)}
    dest["entries_total"] = dest["ordinary_entries"] + dest["wave_entries"]
    dest["exits_total"] = dest["ordinary_exits"] + dest["wave_exits_onward"] + dest["wave_exits_return"]
    dest["wave_registered"] = registered_after(dest["wave_registrations"],
                                               model.behaviour.after_arrival.registration_processing_days)
    ordinary = np.array([d.ordinary_daily_registrations for d in model.config.destinations])
    # KZ-N4's steady rate, taken on the days the offices open; ids in the scenario's order, as
    # the day log's columns
    dest["ordinary_registrations"] = _people_numbers(model, rules.office_day_applications(
        np.tile(ordinary, (days, 1)).astype(float), model.registration_open_share[:days]))
    dest["rent_index"] = rounded(log.rent_index[:days], 6)
    daily = _by_day_and_place(dates, model.destination_ids, "country", {c: dest[c] for c in DAILY_COLUMNS[2:]},
                              by_id)

    counts = {name: log.crossing_counts[:days, k] for k, name in enumerate(CROSSING_COUNTERS)}
    crossed, wait = counts["crossed_agents"], counts["wait_days_sum"]
    mean_wait = rounded(np.divide(wait, crossed, out=np.zeros_like(wait), where=crossed != 0), 4)
    sc = model.config
    columns = {
        "country": np.array([c.destination for c in sc.crossings], dtype=object),
        "mode": np.array([c.mode for c in sc.crossings], dtype=object),
        **{name: _people_numbers(model, counts[name]) for name in (
            "arrivals", "processed", "ordinary_entries", "turned_back", "gave_up", "switched_away", "queue")},
        "queue_vehicles": rounded(log.queue_vehicles[:days], 1),
        "queue_km": rounded(log.queue_vehicles[:days] * model.metres_per_queued_vehicle / 1000.0, 2),
        "mean_wait_days": np.where(crossed != 0, mean_wait, 0.0),
        "capacity": _people_numbers(model, counts["capacity"]),
        "fare_index": rounded(log.fare_index[:days], 4),
        "status": np.where(log.crossing_open[:days], "open", "closed").astype(object),
    }
    crossings = _by_day_and_place(dates, model.crossing_ids, "crossing", columns, by_id)[CROSSING_COLUMNS]
    return daily, crossings


def _crossed(model: FlowModel) -> np.ndarray:
    return np.flatnonzero(model.people.first_destination >= 0)


def flows_table(model: FlowModel) -> pd.DataFrame:
    """People per origin → first destination → later destination (only people who crossed)."""
    p = model.people
    idx = _crossed(model)
    n_dest = model.n_destinations
    later_names = [*model.destination_ids, "stayed", "home"]
    # counted on integer codes (origin, first, later), then named: the strings only for the
    # few combinations that occur, not for every person who crossed
    later = np.where(p.moves[idx] == 0, n_dest, p.location[idx].astype(np.int64))
    later = np.where(np.isin(p.state[idx], (State.GOING_HOME, State.RETURNED)), n_dest + 1, later)
    k = len(later_names)
    code = (p.origin[idx].astype(np.int64) * n_dest + p.first_destination[idx]) * k + later
    counts = np.bincount(code, minlength=len(model.origin_ids) * n_dest * k)
    found = np.flatnonzero(counts)
    out = pd.DataFrame({
        "origin": np.array(model.origin_ids, dtype=object)[found // (n_dest * k)],
        "first_destination": np.array(model.destination_ids, dtype=object)[found // k % n_dest],
        "later_destination": np.array(later_names, dtype=object)[found % k],
        "count": model._people(counts[found]),
    })
    return out.sort_values(["origin", "first_destination", "later_destination"], kind="stable").reset_index(drop=True)


def profile_table(model: FlowModel) -> pd.DataFrame:
    """First entries per country by age band, occupation, wealth band and passport."""
    p = model.people
    idx = _crossed(model)
    dest = p.first_destination[idx].astype(np.int64)
    foreign = (p.documents[idx] & DOC_BITS["foreign_passport"]) > 0
    dimensions = {
        "age_band": (AGE_BANDS, p.age_band[idx]),
        "occupation": (OCCUPATIONS, p.occupation[idx]),
        "wealth_band": (WEALTH_BANDS, p.wealth_band[idx]),
        "passport": (("foreign", "internal_only"), np.where(foreign, 0, 1)),
    }
    n_dest = model.n_destinations
    # rows by country id, then dimension name, then category (the order a stable sort of the
    # dimensions' tables by country and dimension gives), made at once
    countries = sorted(range(n_dest), key=model.destination_ids.__getitem__)
    names, categories, counts = [], [], []
    for dimension in sorted(dimensions):
        labels, codes = dimensions[dimension]
        k = len(labels)
        names.append(np.full(k, dimension, dtype=object))
        categories.append(np.array(labels, dtype=object))
        counts.append(np.bincount(dest * k + codes, minlength=n_dest * k).reshape(n_dest, k))
    width = sum(len(c) for c in categories)
    return pd.DataFrame({
        "country": np.repeat(np.array([model.destination_ids[d] for d in countries], dtype=object), width),
        "dimension": np.tile(np.concatenate(names), n_dest),
        "category": np.tile(np.concatenate(categories), n_dest),
        "first_entries": model._people(np.concatenate(counts, axis=1)[countries].reshape(-1)),
    })


def population_table(model: FlowModel) -> pd.DataFrame:
    """Per day and origin: people at home, queued, in transit, abroad, returned, and their total."""
    log = model.population_log[:model.day_log.days]  # days × origins × POPULATION_STATES
    days, origins, _ = log.shape
    frame = pd.DataFrame(model._people(log.reshape(days * origins, len(POPULATION_STATES))), columns=list(POPULATION_STATES))
    frame.insert(0, "origin", np.tile(model.origin_ids, days))
    frame.insert(0, "date", np.repeat([(model.start + dt.timedelta(days=d)).isoformat() for d in range(days)],
                                      origins))
    frame["total"] = model._people(log.sum(axis=2).reshape(-1))
    return frame


def summary_table(model: FlowModel, daily: pd.DataFrame, crossings: pd.DataFrame) -> pd.DataFrame:
    """Headline figures per destination."""
    p = model.people
    idx = _crossed(model)
    first = p.first_destination[idx]
    moved = p.moves[idx] > 0
    home = np.isin(p.state[idx], (State.GOING_HOME, State.RETURNED))
    # the tables' columns as arrays: a data frame filtered per country cost more than the run's day
    country, dates = daily["country"].to_numpy(), daily["date"].to_numpy()
    entries, wave_entries, stock = (daily[c].to_numpy() for c in ("entries_total", "wave_entries", "wave_stock"))
    crossing_country, queues = crossings["country"].to_numpy(), crossings["queue"].to_numpy()
    rows = []
    for d, name in enumerate(model.destination_ids):
        mine = country == name
        peak = int(np.argmax(entries[mine]))  # the first day of the highest count, as idxmax
        of_country = first == d
        n_first = int(of_country.sum())
        queue = queues[crossing_country == name]
        rows.append({
            "country": name,
            "leavers_first_entries": int(model._people(np.array([n_first]))[0]),
            "wave_entries": int(wave_entries[mine].sum()),
            "peak_daily_entries": int(entries[mine][peak]),
            "peak_date": dates[mine][peak],
            "peak_queue": int(queue.max()) if len(queue) else 0,
            "moved_on_share": round(float(moved[of_country].mean()), 4) if n_first else 0.0,
            "returned_share": round(float(home[of_country].mean()), 4) if n_first else 0.0,
            "stock_end": int(stock[mine][-1]),
        })
    return pd.DataFrame(rows)


def places_table(model: FlowModel) -> pd.DataFrame:
    """Where every place is, for maps."""
    sc = model.config
    rows = [("origin", o.id, o.name, "russia", o.lon, o.lat) for o in sc.origins]
    rows += [("destination", d.id, d.name, d.id, d.lon, d.lat) for d in sc.destinations]
    rows += [("crossing", c.id, c.name, c.destination, c.lon, c.lat) for c in sc.crossings]
    return pd.DataFrame(rows, columns=["kind", "id", "name", "country", "lon", "lat"])


def events_table(model: FlowModel) -> pd.DataFrame:
    """The scenario's dated policy events."""
    rows = [(e.date.isoformat(), e.id, e.kind, e.label, ";".join(e.crossings), e.destination or "")
            for e in model.config.events]
    columns = ["date", "id", "kind", "label", "crossing", "destination"]
    return pd.DataFrame(rows, columns=columns).sort_values("date", kind="stable")


def agents_table(model: FlowModel) -> pd.DataFrame:
    """One row per person of the exodus: attributes and trajectory (dates ISO, blank if none)."""
    p = model.people
    n = p.n
    start = np.datetime64(model.start.isoformat(), "D")

    def dates(days: np.ndarray) -> pd.Series:
        values = start + days.astype("timedelta64[D]")
        return pd.Series(np.where(days >= 0, values.astype(str), None), dtype="string")

    def named(names: list[str], index: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(index.astype(np.int64).clip(-1), categories=list(names))

    documents = p.documents
    return pd.DataFrame({
        "person": np.arange(n),
        "origin": named(model.origin_ids, p.origin),
        "age": p.age.copy(),
        "age_band": named(list(AGE_BANDS), p.age_band),
        "occupation": named(list(OCCUPATIONS), p.occupation),
        "wealth_band": named(list(WEALTH_BANDS), p.wealth_band),
        "savings_usd": p.savings_usd.round(0),
        "foreign_passport": (documents & DOC_BITS["foreign_passport"]) > 0,
        "schengen_visa": (documents & DOC_BITS["schengen_visa"]) > 0,
        "ties_abroad": named(model.destination_ids, p.tie_destination),
        "state": pd.Categorical.from_codes(p.state.astype(np.int64), categories=[s.name.lower() for s in State]),
        "decided_on": dates(p.decided_day),
        "crossing": named(model.crossing_ids, p.crossing),
        "queued_on": dates(p.queued_day),
        "crossed_on": dates(p.crossed_day),
        "first_destination": named(model.destination_ids, p.first_destination),
        "location": named(model.destination_ids, p.location),
        "moves": p.moves.copy(),
        "arrived_on": dates(p.arrived_day),
        "returned_on": dates(p.returned_day),
        "stopped": pd.Categorical.from_codes(p.stopped_reason.astype(np.int64), categories=list(STOP_REASONS)),
    })
