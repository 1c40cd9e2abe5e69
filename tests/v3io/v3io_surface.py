"""Prints the public surface of the ``v3io`` package importable by the running interpreter
as JSON: every module, and in each the public classes, functions and constants defined in
``v3io`` (names, parameters with their kinds and defaults, whether a method is async).

Run under the official SDK's venv and under ours (stdlib only, no storewire imports), so
``test_v3io_official_surface.py`` compares the two without committing a copy of either.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from pathlib import Path
from typing import Any

_CONSTANTS = (str, int, float, bytes, bool)


def _params(func: Any) -> Any:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    params = []
    for param in signature.parameters.values():
        default = None if param.default is inspect.Parameter.empty else repr(param.default)
        params.append([param.name, param.kind.name, default])
    return {"params": params, "async": inspect.iscoroutinefunction(func)
            or inspect.isasyncgenfunction(func)}


def _ours(obj: Any) -> bool:
    return str(getattr(obj, "__module__", "") or "").split(".")[0] == "v3io"


def _class(cls: type) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for name in dir(cls):
        if name.startswith("_") and name != "__init__":
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not _ours(owner):
            continue
        raw = vars(owner)[name]
        if isinstance(raw, (staticmethod, classmethod)):
            members[name] = {"kind": "method", **(_params(getattr(cls, name)) or {})}
        elif isinstance(raw, property):
            members[name] = {"kind": "property"}
        elif inspect.isfunction(raw):
            members[name] = {"kind": "method", **(_params(raw) or {})}
        elif isinstance(raw, _CONSTANTS):
            members[name] = {"kind": "constant", "value": repr(raw)}
        elif inspect.isfunction(getattr(cls, name, None)):  # a descriptor giving a function
            members[name] = {"kind": "method", **(_params(getattr(cls, name)) or {})}
        else:
            members[name] = {"kind": "attribute"}
    return {"kind": "class", "members": members}


def _module(module: Any) -> dict[str, Any]:
    names: dict[str, Any] = {}
    for name, obj in vars(module).items():
        if name.startswith("_") or inspect.ismodule(obj):
            continue
        if inspect.isclass(obj) and _ours(obj):
            names[name] = _class(obj)
        elif inspect.isfunction(obj) and _ours(obj):
            names[name] = {"kind": "function", **(_params(obj) or {})}
        elif isinstance(obj, _CONSTANTS):
            names[name] = {"kind": "constant", "value": repr(obj)}
    return names


def surface(root: str = "v3io") -> dict[str, Any]:
    package = importlib.import_module(root)
    modules: dict[str, Any] = {}
    # every .py file: the official ``v3io.aio`` has no __init__.py, so pkgutil skips it
    for base in package.__path__:
        for path in sorted(Path(base).rglob("*.py")):
            parts = path.relative_to(base).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join((root, *parts))
            try:
                module = importlib.import_module(name)
            except Exception as exc:  # e.g. the official aio transport without aiohttp
                modules[name] = {"__import_error__": type(exc).__name__}
                continue
            modules[name] = _module(module)
    return modules


if __name__ == "__main__":
    json.dump(surface(), sys.stdout, indent=1, sort_keys=True)
