"""Coverage for the atheris targets: instrument only the modules under test.

``atheris.instrument_imports()`` does not see modules loaded through the editable
install's import hook, and ``instrument_all()`` takes about a minute (thousands of
functions), which a 60 s CI run cannot afford. This walks the named packages instead.
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import Any

import atheris


def _code_holders(module: types.ModuleType) -> list[Any]:
    found: list[Any] = []
    for value in vars(module).values():
        if inspect.isfunction(value) and value.__module__ == module.__name__:
            found.append(value)
        elif inspect.isclass(value) and value.__module__ == module.__name__:
            for member in vars(value).values():
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if isinstance(member, property):
                    found.extend(f for f in (member.fget, member.fset) if f is not None)
                elif inspect.isfunction(member):
                    found.append(member)
    return found


def instrument(*packages: str) -> int:
    """Instruments every function and method of the loaded modules under ``packages``;
    returns how many."""
    count = 0
    for name, module in list(sys.modules.items()):
        if module is None or not any(name == p or name.startswith(p + ".") for p in packages):
            continue
        for fn in _code_holders(module):
            atheris.instrument_func(fn)
            count += 1
    return count
