"""The kinds of dated policy change: what each needs in a scenario and what it changes in a run.

One table, :data:`EVENT_KINDS`, feeds both sides: the schema allows exactly its kinds and
checks the keys each needs (:mod:`flowsim.kinds.mobilization.scenario.schema`), and the model
applies an event through its kind's handler (:meth:`FlowModel.apply_event
<flowsim.kinds.mobilization.engine.model.FlowModel.apply_event>`). A new kind of event is one
entry here.

A handler changes the model's policy arrays for the crossings the event names (their indices,
every crossing for ``all``); it reads only the attributes of :class:`PolicyState`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import datetime as dt
from typing import Literal, Protocol

import numpy as np

from flowsim.kinds.mobilization.scenario.behaviour import document_mask

EVENT_THROUGHPUT_FIELDS = ("daily_capacity", "vehicles_per_day", "pedestrians_per_day", "seats_per_day")
"""The throughput a ``set_capacity`` event may set (people, vehicles, people on foot, seats a day)."""


class Event(Protocol):
    """The fields of a scenario's event that the handlers read
    (:class:`~flowsim.kinds.mobilization.scenario.schema.Event`, which is built from this table)."""

    date: dt.date
    destination: str | None
    origins: list[str] | None
    turn_back_share: float | None
    documents: list[str] | None
    factor: float | None
    safety: float | None


class PolicyState(Protocol):
    """What an event may change: the model's state of the rules of the day."""

    start: dt.date
    announced_day: int | None
    complete: bool
    origin_ids: list[str]
    destination_ids: list[str]
    n_origins: int
    crossing_open: np.ndarray
    crossing_throughput: dict[str, np.ndarray]
    crossing_turn_back: np.ndarray
    crossing_documents: np.ndarray
    approach_allowed: np.ndarray
    approach_default: np.ndarray
    dest_ordinary_factor: np.ndarray
    dest_safety: np.ndarray

    def refresh_capacity(self, crossings: np.ndarray) -> None: ...


Handler = Callable[[PolicyState, Event, np.ndarray], None]


@dataclass(frozen=True)
class EventKind:
    """One kind of event.

    Attributes:
        needs: keys an event of this kind must give.
        needs_one_of: keys of which it must give at least one (none: no such rule).
        apply: the change, given the model, the event and the indices of its crossings.
    """

    needs: tuple[str, ...]
    apply: Handler
    needs_one_of: tuple[str, ...] = ()


def _announce(model: PolicyState, event: Event, crossings: np.ndarray) -> None:
    model.announced_day = (event.date - model.start).days


def _complete(model: PolicyState, event: Event, crossings: np.ndarray) -> None:
    model.complete = True


def _close(model: PolicyState, event: Event, crossings: np.ndarray) -> None:
    model.crossing_open[crossings] = False


def _open(model: PolicyState, event: Event, crossings: np.ndarray) -> None:
    model.crossing_open[crossings] = True


def _set_capacity(model: PolicyState, event: Event, crossings: np.ndarray) -> None:
    for field in EVENT_THROUGHPUT_FIELDS:
        if getattr(event, field) is not None:
            model.crossing_throughput[field][crossings] = getattr(event, field)
    model.refresh_capacity(crossings)


def _restrict_approach(model: PolicyState, event: Event, crossings: np.ndarray) -> None:
    allowed = np.isin(np.arange(model.n_origins), [model.origin_ids.index(o) for o in event.origins or []])
    model.approach_allowed[:, crossings] = allowed[:, None]


def _lift_restriction(model: PolicyState, event: Event, crossings: np.ndarray) -> None:
    model.approach_allowed[:, crossings] = model.approach_default[:, crossings]


def _draft_office(model: PolicyState, event: Event, crossings: np.ndarray) -> None:
    model.crossing_turn_back[crossings] = event.turn_back_share


def _remove_draft_office(model: PolicyState, event: Event, crossings: np.ndarray) -> None:
    model.crossing_turn_back[crossings] = 0.0


def _set_documents(model: PolicyState, event: Event, crossings: np.ndarray) -> None:
    model.crossing_documents[crossings] = document_mask(event.documents or [])


def _ordinary_traffic(model: PolicyState, event: Event, crossings: np.ndarray) -> None:
    model.dest_ordinary_factor[model.destination_ids.index(event.destination)] = event.factor


def _set_safety(model: PolicyState, event: Event, crossings: np.ndarray) -> None:
    model.dest_safety[model.destination_ids.index(event.destination)] = event.safety


EVENT_KINDS: dict[str, EventKind] = {
    "mobilization_announced": EventKind((), _announce),
    "mobilization_complete": EventKind((), _complete),
    "close_crossing": EventKind(("crossing",), _close),
    "open_crossing": EventKind(("crossing",), _open),
    "set_capacity": EventKind(("crossing",), _set_capacity, needs_one_of=EVENT_THROUGHPUT_FIELDS),
    "draft_office": EventKind(("crossing", "turn_back_share"), _draft_office),
    "remove_draft_office": EventKind(("crossing",), _remove_draft_office),
    "set_documents": EventKind(("crossing", "documents"), _set_documents),
    "ordinary_traffic": EventKind(("destination", "factor"), _ordinary_traffic),
    "set_safety": EventKind(("destination", "safety"), _set_safety),
    "restrict_approach": EventKind(("crossing", "origins"), _restrict_approach),
    "lift_restriction": EventKind(("crossing",), _lift_restriction),
}
"""Every kind of event, in the order the schema's error message lists them."""

EventKindName = Literal[tuple(EVENT_KINDS)]  # type: ignore[valid-type]  # the schema's allowed kinds
