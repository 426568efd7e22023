"""A scenario document as plain data: dotted paths into it, where each value came from, error text.

The reader (:mod:`flowsim.scenario.reader`) turns YAML into nested dicts and lists whose
mappings carry a ``__lines__`` record of the file and line of every key. This module
walks such documents (:func:`get_path`, :func:`set_path`: list items are addressed by their
``id``) and turns a pydantic validation error into one paragraph naming the file, the
line, the key and what is allowed (:func:`explain`). It knows nothing of the schema itself:
the model to explain against is passed in.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError


class Located:
    """Where each value of a parsed YAML document came from (file and line)."""

    def __init__(self, lines: dict[tuple, tuple[str, int]], default_file: str) -> None:
        self.lines = lines
        self.default_file = default_file

    @classmethod
    def empty(cls, file: str) -> Located:
        return cls({}, file)

    def where(self, path: tuple) -> tuple[str, int | None]:
        for cut in range(len(path), -1, -1):
            hit = self.lines.get(tuple(path[:cut]))
            if hit:
                return hit
        return self.default_file, None


def strip_lines(data: Any) -> Any:
    """The document without its ``__lines__`` records."""
    if isinstance(data, dict):
        return {k: strip_lines(v) for k, v in data.items() if k != "__lines__"}
    if isinstance(data, list):
        return [strip_lines(v) for v in data]
    return data


def line_text(line: int | None) -> str:
    return f"line {line}" if line else "line unknown"


def index_path(loc: tuple, data: Any) -> tuple:
    """Turn ('crossings', 'kz_uralsk', 'x') style paths into list indices where needed."""
    out: list = []
    node = data
    for part in loc:
        if isinstance(node, list) and isinstance(part, str):
            index = next((i for i, item in enumerate(node) if isinstance(item, dict) and item.get("id") == part), None)
            if index is None:
                break
            part = index
        out.append(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return tuple(out)


def dotted_key(loc: tuple, data: Any) -> str:
    """Human path: list items by their id when they have one."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            item = node[part]
            parts.append(str(item["id"]) if isinstance(item, dict) and "id" in item else str(part))
            node = item
            continue
        parts.append(str(part))
        node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts)


def explain(err: ValidationError, located: Located, data: dict, model: type[BaseModel]) -> str:
    """One paragraph for the first problem of ``err``: file, line, key, and what is allowed.

    ``model`` is the root model ``data`` was validated against (for the allowed keys).
    """
    # a typo shows up twice (an unknown key and a missing one): name the typo
    ranked = sorted(err.errors(), key=lambda e: {"extra_forbidden": 0, "too_long": 0, "missing": 2}.get(e["type"], 1))
    first = ranked[0]
    loc = tuple(p for p in first["loc"] if not _is_union_tag(p))
    message = first["msg"].removeprefix("Value error, ")
    keyed = re.match(r"\[(\w+)\] (.*)", message, flags=re.S)  # a rule of the model names the key it is about
    if keyed:
        loc, message = (*loc, keyed.group(1)), keyed.group(2)
    file, line = located.where(loc)
    key = dotted_key(loc, data) or "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        guess = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f" Did you mean '{guess[0]}'?" if guess else ""
        name = str(loc[-1]) if len(str(loc[-1])) <= 60 else str(loc[-1])[:59] + "…"
        text = f"unknown key '{name}'.{hint} Allowed here: {', '.join(allowed)}."
    elif kind == "missing":
        text = "this required key is missing."
    elif kind == "literal_error":
        text = f"'{first.get('input')}' is not allowed; {first['msg'][0].lower()}{first['msg'][1:]}."
    elif kind == "too_long" and isinstance(first.get("ctx", {}).get("actual_length"), int):
        text = f"at most {first['ctx']['max_length']:,} entries are allowed; found {first['ctx']['actual_length']:,}."
    elif first["type"] == "value_error":
        text = message if message.endswith(".") else message + "."
    else:
        found = repr(first.get("input"))
        found = found if len(found) <= 80 else found[:60] + f"… ({len(found):,} characters)"
        text = f"{message} (found {found})."
    extra = f" ({len(err.errors()) - 1} more problem(s) after this one.)" if len(err.errors()) > 1 else ""
    return f"{file}, {line_text(line)}, key '{key}': {text}{extra}"


def _is_union_tag(part: Any) -> bool:
    """Pydantic adds the member type of a union (or a validator's name) to an error's location."""
    return isinstance(part, str) and (part in ("str", "int", "float", "none", "constrained-int")
                                      or part.startswith(("list[", "function-")))


def _allowed_keys(root: type[BaseModel], loc: tuple) -> list[str]:
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return []
        model = _inner_model(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or name for name, f in model.model_fields.items()]
    return []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    if get_origin(annotation) is None:
        return None
    return None


def _step(node: Any, part: str) -> Any:
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and item.get("id") == part:
                return item
        if part.isdigit() and int(part) < len(node):
            return node[int(part)]
        raise KeyError(f"no item with id '{part}'")
    if isinstance(node, dict):
        if part in node:
            return node[part]
        raise KeyError(f"no key '{part}'")
    raise KeyError(f"'{part}' is below a plain value")


def get_path(data: Any, parts: list[str]) -> Any:
    node = data
    for part in parts:
        node = _step(node, part)
    return node


def set_path(data: Any, parts: list[str], value: Any, *,
             may_add: Callable[[list[str]], bool] = lambda parts: False) -> None:
    """Set the value at a dotted path (as parts); a key not there yet only where ``may_add(parts)``."""
    parent = get_path(data, parts[:-1])
    last = parts[-1]
    if isinstance(parent, dict):
        if last not in parent and not may_add(parts):
            raise KeyError(f"no key '{last}'")
        parent[last] = value
    elif isinstance(parent, list):
        target = _step(parent, last)
        parent[parent.index(target)] = value
    else:
        raise KeyError(f"'{last}' is below a plain value")


def path_tuple(data: Any, parts: list[str]) -> tuple:
    out: list = []
    node = data
    for part in parts:
        if isinstance(node, list):
            index = next((i for i, item in enumerate(node) if isinstance(item, dict) and item.get("id") == part), None)
            out.append(index if index is not None else part)
            node = node[index] if index is not None else None
        else:
            out.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return tuple(out)


def kind_of(value: Any) -> str:
    """What a YAML value is, in the words of the file (never an internal class name)."""
    if value is None:
        return "nothing (an empty document or value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "true/false"
    return "a number" if isinstance(value, (int, float)) else "a value of another kind"
