"""The one place that names the kinds of scenario, and picks one for a file or a scenario.

A scenario file says its kind with ``kind:`` (no ``kind:`` means mobilization, flowsim's
first). A kind's implementation (:class:`~flowsim.kinds.protocol.ScenarioKind`) is imported
on first use from the module named here, so shared layers reach a kind through the protocol
only, and reading one kind of scenario does not load the others' engines.
"""

from __future__ import annotations

import importlib
import os
import re
import stat
from pathlib import Path
from typing import Any

from flowsim.errors import ScenarioError
from flowsim.kinds.protocol import ScenarioKind

KINDS = {
    "mobilization": "flowsim.kinds.mobilization.kind",
    "network": "flowsim.kinds.network.kind",
}
"""kind name -> the module whose ``KIND`` implements it."""
DEFAULT_KIND = "mobilization"
_KIND_LINE = re.compile(r"^kind:[ \t]*['\"]?([^'\"#\s]*)['\"]?[ \t]*(#.*)?$")


def kind_named(name: str) -> ScenarioKind:
    """The implementation of a kind by its name."""
    if name not in KINDS:
        raise ScenarioError(f"kind '{name}' is not a kind of scenario; allowed: {', '.join(KINDS)}.")
    return importlib.import_module(KINDS[name]).KIND


def all_kinds() -> list[ScenarioKind]:
    return [kind_named(name) for name in KINDS]


def kind_name_of_file(path: str | Path) -> str:
    """The ``kind:`` a scenario file declares at its top level (default: mobilization), read cheaply.

    Only a regular file is opened (a FIFO or a device would block), only its first megabyte
    read; anything odd is left to the kind's loader (the bounded reader), which explains it.
    An unknown kind is refused naming the file and line.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return DEFAULT_KIND
        with open(path, "rb") as handle:
            head = handle.read(1 << 20).decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return DEFAULT_KIND
    for number, line in enumerate(head.splitlines(), 1):
        match = _KIND_LINE.match(line.rstrip("\r"))
        if match:
            name = match.group(1)
            if name not in KINDS:
                raise ScenarioError(f"{path}, line {number}, key 'kind': '{name[:60]}' is not a kind of scenario; "
                                    f"allowed: {', '.join(KINDS)} (no kind: means {DEFAULT_KIND}).")
            return name
    return DEFAULT_KIND


def kind_of_file(path: str | Path) -> ScenarioKind:
    """The implementation of the kind a scenario file declares."""
    return kind_named(kind_name_of_file(path))


def load_any_scenario(path: str | Path) -> Any:
    """The scenario in a YAML file, of whatever kind it declares."""
    return kind_of_file(path).load(path)


def kind_of(scenario: Any) -> ScenarioKind:
    """The implementation of the kind a scenario object belongs to (its class's ``KIND``)."""
    name = getattr(type(scenario), "KIND", None)
    if name not in KINDS:
        raise TypeError(f"{type(scenario).__name__} is not a scenario of any kind ({', '.join(KINDS)})")
    return kind_named(name)
