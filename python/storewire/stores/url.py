"""Store URLs: ``ds3://bucket/key``, ``s3://bucket/key``, ``v3io://container/path`` and
``sector://[host:port]/path`` (the first segment of a Sector path is its top-level
directory, which plays the bucket's part). A Sector URL names its master only as
``host:port`` (with the port): ``sector://data/a.bin`` is the file ``/data/a.bin`` on the
configured master, so that the fsspec names ``bucket/key`` round-trip.

Only the text is checked here; whether the bucket or key exists is the server's answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from storewire import errors

__all__ = ["SCHEMES", "StoreURL", "parse_url", "split_path"]

#: The schemes a :class:`StoreURL` may carry.
SCHEMES = ("ds3", "s3", "v3io", "sector")


@dataclass(frozen=True)
class StoreURL:
    """A parsed store URL. ``key`` is ``""`` for a whole bucket, ``bucket`` is ``""`` for
    the store's root (its list of buckets). ``host``/``port`` are set only for Sector URLs
    that name their master (``sector://host:port/...``)."""

    scheme: str
    bucket: str
    key: str = ""
    host: str | None = None
    port: int | None = None

    @property
    def path(self) -> str:
        """``bucket/key`` (or just ``bucket``), as the fsspec filesystems name it."""
        return f"{self.bucket}/{self.key}" if self.key else self.bucket

    def __str__(self) -> str:
        if self.host is not None:
            host = f"[{self.host}]" if ":" in self.host else self.host
            return f"{self.scheme}://{host}:{self.port}/{self.path}"
        return f"{self.scheme}://{self.path}"


def split_path(path: str) -> tuple[str, str]:
    """``"bucket/a/b"`` -> ``("bucket", "a/b")``; leading and trailing slashes are dropped
    (a trailing slash names the same directory)."""
    text = path.strip("/")
    bucket, _, key = text.partition("/")
    return bucket, key


def parse_url(url: str) -> StoreURL:
    """A store URL as a :class:`StoreURL`; ``InvalidRequestError`` when it is not one."""
    if not isinstance(url, str):
        raise errors.InvalidRequestError(f"a store URL is a str, not {type(url).__name__}")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SCHEMES:
        raise errors.InvalidRequestError(
            f"not a store URL (expected one of {', '.join(s + '://' for s in SCHEMES)}): "
            f"{url!r}", operation="parse_url", resource=url)
    if any(c in rest for c in "?#"):
        raise errors.InvalidRequestError(
            f"a store URL takes no query or fragment: {url!r}", operation="parse_url",
            resource=url)
    rest = unquote(rest)
    if scheme != "sector":
        bucket, key = split_path(rest)
        return StoreURL(scheme, bucket, key)
    netloc, _, path = rest.partition("/")
    if ":" not in netloc:  # no master named: the whole text is the path
        bucket, key = split_path(rest)
        return StoreURL(scheme, bucket, key)
    host, port = _host_port(netloc, url)
    bucket, key = split_path(path)
    return StoreURL(scheme, bucket, key, host, port)


def _host_port(netloc: str, url: str) -> tuple[str, int]:
    host, _, port_text = netloc.rpartition(":")
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise errors.InvalidRequestError(
            f"sector URL master must be host:port with a port 1-65535: {url!r}",
            operation="parse_url", resource=url)
    return host.strip("[]"), int(port_text)
