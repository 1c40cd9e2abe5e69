"""What an :class:`s3.Client` reads from its arguments and the environment.

The variables are the AWS SDKs' own. ``S3Connection`` (the connector's drop-in) passes
its arguments explicitly, so the environment only fills what it leaves unset.
"""

from __future__ import annotations

from dataclasses import dataclass

from storewire.config import ClientConfig, Secret, setting

__all__ = ["DEFAULT_MAX_CONCURRENCY", "Config"]

# Requests one S3 client runs at once (parts of a transfer, batch calls): S3's own default.
DEFAULT_MAX_CONCURRENCY = 16


@dataclass(frozen=True, kw_only=True)
class Config(ClientConfig):
    """S3 settings; the connection fields are :class:`ClientConfig`'s."""

    endpoint: str | None = setting(
        "s3.amazonaws.com", env="AWS_ENDPOINT_URL", doc="host[:port] (scheme from tls) or a URL"
    )
    # RUF009 does not know that setting() is dataclasses.field(); the default is None.
    access_key: Secret | None = setting(  # noqa: RUF009
        None, env="AWS_ACCESS_KEY_ID", doc="Access key id"
    )
    secret_key: Secret | None = setting(  # noqa: RUF009
        None, env="AWS_SECRET_ACCESS_KEY", doc="Secret access key used to sign requests"
    )
    session_token: Secret | None = setting(  # noqa: RUF009
        None, env="AWS_SESSION_TOKEN", doc="Session token of temporary credentials"
    )
    region: str = setting(
        "us-east-1", env=("AWS_REGION", "AWS_DEFAULT_REGION"), doc="Region for SigV4 signing"
    )
    max_in_flight: int = setting(
        DEFAULT_MAX_CONCURRENCY,
        env="STOREWIRE_MAX_IN_FLIGHT",
        doc="Requests in flight, the client's max_concurrency (parts of one transfer too)",
    )
