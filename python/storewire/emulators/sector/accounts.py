"""Users and login sessions of the emulated security server and masters."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .metadata import normalize


@dataclass
class UserAccount:
    """A user: password, read/write path prefixes (``/`` = everything), root flag."""

    name: str
    password: str = field(repr=False)  # never in a repr (issue 19)
    read: tuple[str, ...] = ("/",)
    write: tuple[str, ...] = ("/",)
    root: bool = False

    def may(self, path: str, *, write: bool) -> bool:
        for prefix in self.write if write else self.read:
            p = normalize(prefix)
            if p == "/" or path == p or path.startswith(p + "/"):
                return True
        return False


@dataclass
class Session:
    """One login at one master (a client logged in to two masters has two, same key)."""

    key: int
    user: UserAccount
    ip: str
    gmp_port: int
    data_port: int
    crypto_key: bytes
    crypto_iv: bytes
    master: int = 0  # index of the master holding this session
    last_seen: float = field(default_factory=time.monotonic)
