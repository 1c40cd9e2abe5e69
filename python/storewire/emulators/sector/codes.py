"""Sector error codes used by the emulator."""

from __future__ import annotations

E_UNKNOWN = -1
E_ROUTING = -101
E_PERMISSION = -1001
E_EXIST = -1002
E_NOEXIST = -1003
E_BUSY = -1004
E_NOEMPTY = -1006
E_NOTDIR = -1007
E_NOREPLICA = -1009
E_NOTFILE = -1010
E_SECURITY = -2000
E_EXPIRED = -2007
E_AUTHORITY = -2008
E_RESOURCE = -4000
E_VERSION = -5000
E_INVALID = -6000


class SectorFault(Exception):
    """An operation failed with a Sector error code (sent as a type -1 reply)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code
