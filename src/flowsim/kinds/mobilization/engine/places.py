"""Places as Mesa agents: the destinations and the border crossings.

The model keeps each place's numbers in arrays (so the day's rules run on all places at
once); a place agent is the named, inspectable face of one slot in those arrays. Each day's
figures of every place are kept in a :class:`DayLog` (one copy of a few arrays a day), from
which the run's tables are made once at the end: reading each place's figures one by one
every day (Mesa's ``DataCollector``) was a third of a run at calibration scale.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import mesa
import numpy as np


class PlaceModel(Protocol):
    """What a place reads from its model (a :class:`mesa.Model`, in flowsim the ``FlowModel``).

    Places are views of one slot in the model's arrays; naming the arrays here, rather than
    importing the model, keeps the model the only module that knows the whole day.
    """

    @property
    def today(self) -> dt.date: ...

    day: int
    destination_today: dict[str, np.ndarray]
    destination_counts: np.ndarray
    crossing_counts: np.ndarray
    queue_vehicles: np.ndarray
    fare_index: np.ndarray

    def table_numbers(self, kind: str, column: str) -> list[int | float]: ...
    crossing_today: dict[str, np.ndarray]
    rent_index: np.ndarray
    crossing_open: np.ndarray
    crossing_turn_back: np.ndarray


class DayLog:
    """Every place's figures at the end of each day, in (day × …) arrays filled as the days pass.

    Args:
        days: days of the calendar (rows).
        destination_counts: shape of the model's (counters × destinations) array of today's counts.
        crossing_counts: shape of the model's (counters × crossings) array.
    """

    def __init__(self, days: int, destination_counts: tuple[int, int], crossing_counts: tuple[int, int]) -> None:
        n_destinations, n_crossings = destination_counts[1], crossing_counts[1]
        self.days = 0  # days recorded so far
        self.destination_counts = np.zeros((days, *destination_counts))
        self.crossing_counts = np.zeros((days, *crossing_counts))
        self.rent_index = np.zeros((days, n_destinations))
        self.queue_vehicles = np.zeros((days, n_crossings))
        self.fare_index = np.zeros((days, n_crossings))
        self.crossing_open = np.zeros((days, n_crossings), dtype=bool)

    def record(self, model: PlaceModel) -> None:
        """Keep the figures of the model's day that has just ended."""
        day = model.day
        self.destination_counts[day] = model.destination_counts
        self.crossing_counts[day] = model.crossing_counts
        self.rent_index[day] = model.rent_index
        self.queue_vehicles[day] = model.queue_vehicles
        self.fare_index[day] = model.fare_index
        self.crossing_open[day] = model.crossing_open
        self.days = day + 1


class DestinationPlace(mesa.Agent):
    """A destination country and today's traffic into and out of it."""

    model: PlaceModel

    def __init__(self, model: PlaceModel, index: int, place_id: str, name: str) -> None:
        super().__init__(model)  # type: ignore[arg-type]  # a mesa.Model at run time
        self.index = index
        self.place_id = place_id
        self.name = name

    def _today(self, column: str) -> int | float:
        return self.model.table_numbers("destination", column)[self.index]

    @property
    def date(self) -> str:
        return self.model.today.isoformat()

    @property
    def entries_total(self) -> int:
        return self._today("ordinary_entries") + self._today("wave_entries")

    @property
    def exits_total(self) -> int:
        return (self._today("ordinary_exits") + self._today("wave_exits_onward")
                + self._today("wave_exits_return"))

    @property
    def ordinary_entries(self) -> int:
        return self._today("ordinary_entries")

    @property
    def ordinary_exits(self) -> int:
        return self._today("ordinary_exits")

    @property
    def wave_entries(self) -> int:
        return self._today("wave_entries")

    @property
    def wave_exits_onward(self) -> int:
        return self._today("wave_exits_onward")

    @property
    def wave_exits_return(self) -> int:
        return self._today("wave_exits_return")

    @property
    def wave_stock(self) -> int:
        return self._today("wave_stock")

    @property
    def wave_registrations(self) -> int:
        return self._today("wave_registrations")

    @property
    def rent_index(self) -> float:
        return round(float(self.model.rent_index[self.index]), 6)


class CrossingPlace(mesa.Agent):
    """A land checkpoint or air link, its queue and today's throughput."""

    model: PlaceModel

    def __init__(self, model: PlaceModel, index: int, place_id: str, country: str, mode: str) -> None:
        super().__init__(model)  # type: ignore[arg-type]  # a mesa.Model at run time
        self.index = index
        self.place_id = place_id
        self.country = country
        self.mode = mode

    def _today(self, column: str) -> int | float:
        return self.model.table_numbers("crossing", column)[self.index]

    @property
    def date(self) -> str:
        return self.model.today.isoformat()

    @property
    def arrivals(self) -> int:
        return self._today("arrivals")

    @property
    def processed(self) -> int:
        return self._today("processed")

    @property
    def ordinary_entries(self) -> int:
        """Ordinary travellers (not the exodus) who passed here today, in people."""
        return self._today("ordinary_entries")

    @property
    def turned_back(self) -> int:
        return self._today("turned_back")

    @property
    def gave_up(self) -> int:
        return self._today("gave_up")

    @property
    def switched_away(self) -> int:
        """People who left this queue for another crossing today."""
        return self._today("switched_away")

    @property
    def queue(self) -> int:
        return self._today("queue")

    @property
    def queue_vehicles(self) -> float:
        """Vehicles waiting tonight (land borders; people not on foot over car occupancy)."""
        return round(float(self.model.queue_vehicles[self.index]), 1)

    @property
    def queue_km(self) -> float:
        """Length of the queue of vehicles in kilometres, as queue reports give it."""
        from_model = self.model.queue_vehicles[self.index] * self.model.metres_per_queued_vehicle / 1000.0
        return round(float(from_model), 2)

    @property
    def fare_index(self) -> float:
        """Fare as a multiple of the ordinary fare tonight (air links; 1 elsewhere)."""
        return round(float(self.model.fare_index[self.index]), 4)

    @property
    def mean_wait_days(self) -> float:
        crossed = self.model.crossing_today["crossed_agents"][self.index]
        wait = self.model.crossing_today["wait_days_sum"][self.index]
        return round(float(wait / crossed), 4) if crossed else 0.0

    @property
    def capacity(self) -> int:
        return self._today("capacity")

    @property
    def status(self) -> str:
        return "open" if self.model.crossing_open[self.index] else "closed"

    @property
    def draft_office(self) -> bool:
        return bool(self.model.crossing_turn_back[self.index] > 0)
