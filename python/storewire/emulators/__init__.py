"""Local emulators of the storage systems storewire speaks to.

Each emulator is a real server on loopback (real authentication, real wire protocol,
path-traversal-proof storage) so that official clients work against it unchanged.
``storewire serve`` starts them through the registry in :mod:`storewire.emulators.serve`.

Emulators are imported lazily (``from storewire.emulators.ds3 import DS3Emulator``) so that
importing this package costs nothing.
"""

from __future__ import annotations

__all__: list[str] = []
