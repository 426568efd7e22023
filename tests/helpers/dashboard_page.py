"""The dashboard page rendered by Solara without a browser, and what a test reads and clicks on it."""

from __future__ import annotations

from pathlib import Path

import ipyvuetify as v
import ipywidgets as widgets
import solara

from flowsim.dashboard import app
from flowsim.dashboard.model import DashboardModel, model_params, scenario_choices

from helpers.paths import BASELINE

SCALE = 200  # people per agent in the page's tests: a day takes milliseconds


def render(scenario_file: str | Path = BASELINE, *, scale: float = SCALE):
    """The page on ``scenario_file``, its reactive model and its render context.

    The page sits in Solara's ``AppLayout``, as the server puts it, so that the sidebar (the
    controls) and the title bar are rendered too.
    """
    params = model_params(str(scenario_file), scenario_choices(str(scenario_file)))
    params["scale"] = {**params["scale"], "value": scale, "values": sorted({*params["scale"]["values"], scale})}
    model = solara.reactive(DashboardModel(**app.initial_arguments(params)))

    @solara.component
    def Served():
        with solara.AppLayout():
            app.Dashboard(model, params)

    _box, rc = solara.render(Served(), handle_error=False)
    return model, rc


def page_text(rc) -> str:
    """Every piece of text the page shows (texts, markdown, alerts), as one string."""
    parts, seen, todo = [], set(), [rc.container]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, (list, tuple)):
            todo += item
        elif isinstance(item, dict):
            todo += item.values()
        elif isinstance(item, str):
            parts.append(item)
        elif isinstance(item, widgets.Widget):
            for name in item.keys:
                value = getattr(item, name)
                if isinstance(value, (widgets.Widget, list, tuple, dict)) or name in ("template", "label", "unsafe_innerHTML"):
                    todo.append(value)
    return "\n".join(parts)


def button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def show_page(rc, index: int) -> None:
    """Switch the tabs of panels to page ``index``."""
    rc.find(v.Tabs).widget.v_model = index
