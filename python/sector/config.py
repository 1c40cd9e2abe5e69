"""What a :class:`sector.Client` reads from its arguments and the environment.

Sector speaks GMP over UDP and UDT, not HTTP: of :class:`ClientConfig`'s fields it uses
only ``timeout_s``; the rest are its own, read from the ``SECTOR_*`` variables (those
``storewire serve`` writes to its env file).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from storewire.config import ClientConfig, Secret, setting

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "Config"]

# Where a Sector master listens unless told otherwise (the stock client's defaults).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 6000


@dataclass(frozen=True, kw_only=True)
class Config(ClientConfig):
    """Sector settings: the master's address, the login, the request timing."""

    # Sector does not speak HTTP: of the common fields only timeout_s applies.
    unused_fields: ClassVar[frozenset[str]] = frozenset(
        f.name for f in dataclasses.fields(ClientConfig) if f.name != "timeout_s"
    )

    host: str = setting(DEFAULT_HOST, env="SECTOR_HOST", doc="Host of the Sector master")
    port: int = setting(DEFAULT_PORT, env="SECTOR_PORT", doc="Port of the Sector master")
    user: str | None = setting(None, env="SECTOR_USER", doc="User to log in as (None: no login)")
    # RUF009 does not know that setting() is dataclasses.field(); the default is None.
    password: Secret | None = setting(  # noqa: RUF009
        None, env="SECTOR_PASSWORD", doc="Password of user"
    )
    cert: str | None = setting(
        None,
        env="SECTOR_CERT",
        doc=("The master's certificate (master_node.cert); None fetches it from the master "
             "into a private temporary folder kept until close()"),
    )
    # None: the native defaults (cpp/sector), which Python does not repeat.
    timeout_s: float | None = setting(  # type: ignore[assignment]
        None, doc="Seconds each request may take (None: native default)"
    )
    retransmit_s: float | None = setting(
        None, doc="GMP resend interval (None: native default)"
    )
    bind_ip: str | None = setting(
        None, doc="Local address of the UDP ports (None: native default, any)"
    )
