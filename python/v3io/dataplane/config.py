"""What a :class:`v3io.dataplane.Client` reads from its arguments and the environment.

The variables are the official SDK's (``V3IO_API``, ``V3IO_ACCESS_KEY``).
"""

from __future__ import annotations

from dataclasses import dataclass

from storewire.config import ClientConfig, Secret, setting

__all__ = ["ACCESS_KEY_VARIABLE", "DEFAULT_MAX_CONNECTIONS", "ENDPOINT_VARIABLE", "Config"]

ENDPOINT_VARIABLE = "V3IO_API"
ACCESS_KEY_VARIABLE = "V3IO_ACCESS_KEY"
# The official SDK's default: a batch runs this many requests at once.
DEFAULT_MAX_CONNECTIONS = 8


@dataclass(frozen=True, kw_only=True)
class Config(ClientConfig):
    """V3IO settings; the connection fields are :class:`ClientConfig`'s."""

    endpoint: str | None = setting(
        None,
        env=ENDPOINT_VARIABLE,
        doc="Web API URL (http:// is added when it has no scheme); user:password@ in it "
        "is sent as Basic authorization",
    )
    # RUF009 does not know that setting() is dataclasses.field(); the default is None.
    access_key: Secret | None = setting(  # noqa: RUF009
        None, env=ACCESS_KEY_VARIABLE, doc="Access key (session key) sent with every request"
    )
    max_in_flight: int = setting(
        DEFAULT_MAX_CONNECTIONS,
        env="STOREWIRE_MAX_IN_FLIGHT",
        doc="Requests in flight, the SDK's max_connections (a batch runs that many at once)",
    )
