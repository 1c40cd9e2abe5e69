"""One thin adapter per system over the public clients, shared by the ``storewire``
command line and the fsspec filesystems (docs/stores.md).

    from storewire.stores import open_store, parse_url

    url = parse_url("ds3://books/a/hello.txt")
    with open_store(url.scheme, endpoint="http://127.0.0.1:8080") as store:
        store.write(url.bucket, url.key, b"hello")
        [e.path for e in store.ls(url.bucket, "a")]      # ["books/a/hello.txt"]
"""

from __future__ import annotations

from typing import Any

from storewire import errors

from .base import Entry, Range, Store
from .url import SCHEMES, StoreURL, parse_url, split_path

__all__ = [
    "SCHEMES",
    "Entry",
    "Range",
    "Store",
    "StoreURL",
    "open_store",
    "open_url",
    "parse_url",
    "split_path",
    "store_class",
]


def store_class(scheme: str) -> type[Store[Any]]:
    """The :class:`Store` subclass of ``scheme`` (imported on demand: each pulls in its
    client only)."""
    if scheme == "ds3":
        from .ds3_store import Ds3Store

        return Ds3Store
    if scheme == "s3":
        from .s3_store import S3Store

        return S3Store
    if scheme == "v3io":
        from .v3io_store import V3ioStore

        return V3ioStore
    if scheme == "sector":
        from .sector_store import SectorStore

        return SectorStore
    raise errors.InvalidRequestError(
        f"unknown store scheme {scheme!r} (expected one of {', '.join(SCHEMES)})",
        operation="open_store", resource=scheme)


def open_store(scheme: str, **options: Any) -> Store[Any]:
    """The store of ``scheme`` with ``options`` (None = not given: the environment's);
    the client is built on first use."""
    return store_class(scheme)(**options)


def open_url(url: str | StoreURL, **options: Any) -> tuple[Store[Any], StoreURL]:
    """The store a URL names (a Sector URL's ``host:port`` goes before ``options``) and
    the parsed URL."""
    parsed = parse_url(url) if isinstance(url, str) else url
    if parsed.host is not None:
        options = {"host": parsed.host, "port": parsed.port, **options}
    return open_store(parsed.scheme, **options), parsed

