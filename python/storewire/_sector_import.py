"""Makes ``import storewire._native.sector`` work although ``_native`` is no package.

The Sector bindings and UDT live in their own extension, ``storewire._native_sector``, so
that only Sector users pay UDT's static initialiser (a 100 ms sleep that times the CPU
clock). ``storewire._native.sector`` stays their name: ``_native`` has an empty
``__path__`` (so the import system looks its submodules up) and a module ``__getattr__``
(PEP 562) that imports that name on first use; this finder, installed when ``storewire``
is imported, resolves it to the extension.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

NAME = "storewire._native.sector"
EXTENSION = "storewire._native_sector"


class _SectorLoader:
    """Loads the extension under its own name; the import system files it under NAME."""

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        return importlib.import_module(EXTENSION)

    def exec_module(self, module: ModuleType) -> None:
        pass  # the extension initialised itself when it was imported


class SectorFinder:
    """A meta path finder that knows only ``storewire._native.sector``."""

    @classmethod
    def find_spec(cls, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if fullname != NAME:
            return None
        return ModuleSpec(NAME, _SectorLoader())  # type: ignore[arg-type]


def install() -> None:
    """Adds the finder once (importing storewire again must not add a second)."""
    if SectorFinder not in sys.meta_path:
        sys.meta_path.append(SectorFinder)  # type: ignore[arg-type]
