"""V3IO emulator: the Iguazio web-API (containers, objects, KV items with the expression
language, streams) on loopback, with access-key authentication, persistence and fault
injection. The official ``v3io`` Python SDK works against it unchanged.

    from storewire.emulators.v3io import V3IOEmulator

    with V3IOEmulator() as emulator:
        client = v3io.dataplane.Client(endpoint=emulator.endpoint,
                                       access_key=emulator.access_key)
"""

from __future__ import annotations

from .emulator import DEFAULT_CONTAINERS, V3IOEmulator
from .faults import Faults

__all__ = ["DEFAULT_CONTAINERS", "Faults", "V3IOEmulator"]
