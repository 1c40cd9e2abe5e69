"""Compares two public surfaces printed by ``v3io_surface.py``: every official module,
name, method, parameter (position, name, default), constant and async-ness must be
present in ours. Extra names and keyword-only parameters of ours are fine."""

from __future__ import annotations

from typing import Any

_POSITIONAL = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")
_VARIADIC = ("VAR_POSITIONAL", "VAR_KEYWORD")


def compare_callable(where: str, official: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    if "params" not in official:
        return []
    if "params" not in ours:
        return [f"{where}: no signature"]
    diffs = []
    if official["async"] != ours["async"]:
        diffs.append(f"{where}: async is {ours['async']}, official {official['async']}")
    mine = ours["params"]
    takes_any_keyword = any(kind == "VAR_KEYWORD" for _, kind, _ in mine)
    positional = [p for p in mine if p[1] in _POSITIONAL]
    by_name = {p[0]: p for p in mine}
    for index, (name, kind, default) in enumerate(official["params"]):
        if kind in _VARIADIC:
            if not any(k == kind for _, k, _ in mine):
                diffs.append(f"{where}: no {kind} parameter")
            continue
        if kind in _POSITIONAL and (index >= len(positional) or positional[index][0] != name):
            diffs.append(f"{where}: positional parameter {index} is not {name!r}")
            continue
        param = by_name.get(name)
        if param is None:
            if not takes_any_keyword:
                diffs.append(f"{where}: no parameter {name!r}")
        elif default is not None and param[2] != default:
            diffs.append(f"{where}: {name!r} defaults to {param[2]}, official {default}")
    official_names = {p[0] for p in official["params"]}
    for name, kind, default in mine:
        if name not in official_names and kind in _POSITIONAL and default is None:
            diffs.append(f"{where}: extra required parameter {name!r}")
    return diffs


def _compare_class(where: str, official: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    diffs = []
    for name, member in official["members"].items():
        mine = ours["members"].get(name)
        if mine is None:
            diffs.append(f"{where}.{name}: missing")
        elif member["kind"] == "method":
            if mine["kind"] != "method":
                diffs.append(f"{where}.{name}: a {mine['kind']}, official a method")
            else:
                diffs += compare_callable(f"{where}.{name}", member, mine)
        elif member["kind"] == "constant" and member != mine:
            diffs.append(f"{where}.{name}: {mine}, official {member}")
    return diffs


def compare(official: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    """Every way ``ours`` falls short of ``official``, one line each."""
    diffs: list[str] = []
    for module, names in official.items():
        if "__import_error__" in names:
            diffs.append(f"{module}: the official module does not import")
            continue
        mine_module = ours.get(module)
        if mine_module is None or "__import_error__" in mine_module:
            diffs.append(f"{module}: missing module")
            continue
        for name, entry in names.items():
            where = f"{module}.{name}"
            mine = mine_module.get(name)
            if mine is None:
                diffs.append(f"{where}: missing")
            elif entry["kind"] != mine["kind"]:
                diffs.append(f"{where}: a {mine['kind']}, official a {entry['kind']}")
            elif entry["kind"] == "function":
                diffs += compare_callable(where, entry, mine)
            elif entry["kind"] == "constant" and entry["value"] != mine["value"]:
                diffs.append(f"{where}: {mine['value']}, official {entry['value']}")
            elif entry["kind"] == "class":
                diffs += _compare_class(where, entry, mine)
    return diffs
