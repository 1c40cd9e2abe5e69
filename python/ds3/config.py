"""What a DS3 client reads from its arguments and the environment.

:class:`Config` is the modern :class:`ds3.Client`'s; :class:`SdkConfig` is what the 1.x
``ds3.ds3.createClientFromEnv`` reads, which also takes ``http_proxy`` as the proxy for
every request, as the 1.x SDK does.
"""

from __future__ import annotations

from dataclasses import dataclass

from storewire.config import ClientConfig, Secret, setting

__all__ = ["Config", "SdkConfig"]


@dataclass(frozen=True, kw_only=True)
class Config(ClientConfig):
    """DS3 (BlackPearl) settings; the connection fields are :class:`ClientConfig`'s."""

    endpoint: str | None = setting(
        None, env="DS3_ENDPOINT", doc="DS3 endpoint, http[s]://host:port (bare host:port: http)"
    )
    # RUF009 does not know that setting() is dataclasses.field(); the default is None.
    access_key: Secret | None = setting(  # noqa: RUF009
        None, env="DS3_ACCESS_KEY", doc="DS3 access key id"
    )
    secret_key: Secret | None = setting(  # noqa: RUF009
        None, env="DS3_SECRET_KEY", doc="DS3 secret key used to sign requests"
    )


@dataclass(frozen=True, kw_only=True)
class SdkConfig(Config):
    """What ``ds3.ds3.createClientFromEnv`` reads (the 1.x SDK's variables)."""

    proxy: str | None = setting(
        None, env="http_proxy", doc="Proxy URL for every request (the 1.x SDK reads http_proxy)"
    )
