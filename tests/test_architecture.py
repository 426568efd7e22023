"""The package layout: imports point one way, from the command line down to the scenario.

    cli  ->  dashboard  ->  analysis  ->  kinds  ->  figures  ->  run  ->  engine  ->  scenario  ->  errors

A module may import modules of its own layer and of the layers to its right, never of a
layer to its left. Each kind of scenario (``flowsim.kinds.<kind>``) is a column through the
layers: its modules sit in subpackages named after their layer (``kinds/network/engine/`` is
in the engine layer), so the rule holds inside a kind as between the shared layers; the
kinds' own package modules are the ``kinds`` layer. Kind packages import nothing from each
other; ``analysis`` may import ``figures`` (comparisons and sensitivity
analyses draw their own charts), ``figures`` never imports ``analysis``. The dashboard
(the interactive page) sits beside the command line, which only starts it. Nothing outside
``flowsim.cli`` imports ``flowsim.cli``, and no two modules import each other, directly or
through others.

Every module of the package is found with :func:`pkgutil.walk_packages` and parsed with
:mod:`ast`; every ``import`` counts, at module level or inside a function (a lazy import
is still a dependency). The implicit import of a parent package when a submodule is
imported is not an edge.
"""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import flowsim

LAYERS = ("errors", "scenario", "kinds", "engine", "run", "figures", "analysis", "dashboard", "cli")
"""Lowest first: a module may import from its own layer and the ones before it."""
BASE = {"flowsim"}  # the root package (``__version__``) sits under every layer
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    found = {"flowsim": Path(flowsim.__file__)}
    for info in pkgutil.walk_packages(flowsim.__path__, "flowsim."):
        spec = importlib.util.find_spec(info.name)
        assert spec is not None and spec.origin, info.name
        found[info.name] = Path(spec.origin)
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The flowsim modules ``name`` imports anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            # ``from pkg import sub`` imports the submodule when there is one
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # ``import flowsim.x.y`` of an attribute: its module
                target = target.rpartition(".")[0]
            if target.startswith("flowsim") and target != name:
                out.add(target)
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}
KIND_PACKAGES = {m.split(".")[2] for m in MODULES if m.startswith("flowsim.kinds.") and MODULES[m].name == "__init__.py"
                 and m.count(".") == 2}


def kind_of(module: str) -> str | None:
    """The kind a module belongs to (``flowsim.kinds.<kind>...``), None for shared modules."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "kinds" and parts[2] in KIND_PACKAGES else None


def layer_of(module: str) -> int:
    """Index of a module's layer in :data:`LAYERS` (-1 for the root package)."""
    if module in BASE:
        return -1
    parts = module.split(".")
    top = parts[1]
    if kind_of(module):  # flowsim.kinds.<kind>.<layer>...: the layer its subpackage is named after;
        # modules directly in a kind's package (its ``kind.py``) bring its layers together: the top one
        top = next((part for part in parts[3:] if part in LAYERS), "analysis")
    if top not in LAYERS:
        raise AssertionError(
            f"{module} belongs to no layer: put it in one of the packages {', '.join(LAYERS)} "
            "(or add its layer to LAYERS in tests/test_architecture.py and to docs/design.md).")
    return LAYERS.index(top)


def test_the_walk_finds_every_layer():
    assert {LAYERS[layer_of(m)] for m in MODULES if m not in BASE} == set(LAYERS)
    assert len(MODULES) > 40


def test_kinds_import_nothing_from_each_other():
    offenders = [f"{a} imports {b}" for a, targets in sorted(GRAPH.items()) for b in sorted(targets)
                 if kind_of(a) and kind_of(b) and kind_of(a) != kind_of(b)]
    assert not offenders, "a kind of scenario uses another kind's modules:\n  " + "\n  ".join(offenders)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_belongs_to_a_layer(module):
    layer_of(module)


def test_nothing_outside_the_cli_imports_the_cli():
    offenders = [f"{a} imports {b}" for a, targets in GRAPH.items() for b in sorted(targets)
                 if b.startswith("flowsim.cli") and not a.startswith("flowsim.cli")]
    assert not offenders, "the command line is the top layer; nothing may import it:\n  " + "\n  ".join(offenders)


def test_imports_point_down_the_layers():
    offenders = [
        f"{a} ({LAYERS[layer_of(a)]}) imports {b} ({LAYERS[layer_of(b)]})"
        for a, targets in sorted(GRAPH.items()) if a not in BASE
        for b in sorted(targets) if layer_of(b) > layer_of(a)
    ]
    assert not offenders, ("a lower layer imports a higher one (order, lowest first: "
                           + " < ".join(LAYERS) + "):\n  " + "\n  ".join(offenders))


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_no_import_cycles():
    cycle = _find_cycle(GRAPH)
    assert cycle is None, "modules import each other in a circle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_cycles():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module", sorted(MODULES))
def test_long_modules_say_why(module):
    path = MODULES[module]
    text = path.read_text(encoding="utf-8")
    lines = text.count("\n")
    if lines > MAX_LINES:
        docstring = ast.get_docstring(ast.parse(text)) or ""
        assert "lines" in docstring, (
            f"{module} has {lines} lines (more than {MAX_LINES}); split it, or say in its docstring "
            "why it is one module of that many lines.")


#: Shared modules that still use the mobilization kind's modules directly, from before the kinds
#: had one interface; each is to go through the protocol (or move into kinds/mobilization/).
#: The list may only shrink: a module added to it is a new dependency of shared code on one kind.
STILL_NAMING_A_KIND = {
    "flowsim.cli.import_flee",  # `flowsim import-flee` writes a network scenario: it is that kind's own command
}


def test_nothing_outside_the_registry_names_a_kind():
    """Shared layers reach a kind through :mod:`flowsim.kinds.registry` and the protocol only."""
    naming = {a for a, targets in GRAPH.items() if not kind_of(a) and any(kind_of(b) for b in targets)}
    new = sorted(naming - STILL_NAMING_A_KIND)
    assert not new, ("shared modules import a kind's modules; go through flowsim.kinds.registry "
                     "(kind_of, kind_of_file) and the ScenarioKind protocol instead:\n  " + "\n  ".join(new))
    gone = sorted(STILL_NAMING_A_KIND - naming)
    assert not gone, "these modules no longer name a kind: remove them from STILL_NAMING_A_KIND:\n  " + "\n  ".join(gone)
    registry = (Path(flowsim.__file__).parent / "kinds" / "registry.py").read_text(encoding="utf-8")
    assert all(f"flowsim.kinds.{kind}" in registry for kind in KIND_PACKAGES), "every kind package is registered"
