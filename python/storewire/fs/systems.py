"""The four filesystems: one :class:`StoreFileSystem` per store, and their fsspec names.

| class | store | fsspec protocols |
|---|---|---|
| :class:`Ds3FileSystem` | ``ds3`` | ``ds3`` |
| :class:`S3FileSystem` | ``s3`` | ``sws3`` (``s3`` stays s3fs's) |
| :class:`V3ioFileSystem` | ``v3io`` | ``v3io``, ``swv3io`` (docs/fsspec.md: v3iofs) |
| :class:`SectorFileSystem` | ``sector`` | ``sector`` |
"""

from __future__ import annotations

from typing import Any

from storewire.stores.url import parse_url

from .base import StoreFileSystem

__all__ = ["Ds3FileSystem", "S3FileSystem", "SectorFileSystem", "V3ioFileSystem"]


class Ds3FileSystem(StoreFileSystem):
    """DS3 (BlackPearl): ``ds3://bucket/key``."""

    scheme = "ds3"
    protocol = ("ds3",)


class S3FileSystem(StoreFileSystem):
    """S3 on storewire's engine: ``sws3://bucket/key`` (s3fs keeps ``s3://``)."""

    scheme = "s3"
    protocol = ("sws3",)


class V3ioFileSystem(StoreFileSystem):
    """V3IO objects: ``v3io://container/path`` or, never clashing with v3iofs,
    ``swv3io://container/path``."""

    scheme = "v3io"
    protocol = ("v3io", "swv3io")


class SectorFileSystem(StoreFileSystem):
    """Sector: ``sector://dir/path`` on the configured master, or
    ``sector://host:port/dir/path`` naming it."""

    scheme = "sector"
    protocol = ("sector",)

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        text = str(path)
        if text.startswith("sector://"):
            return parse_url(text).path
        return super()._strip_protocol(text)

    @staticmethod
    def _get_kwargs_from_urls(path: str) -> dict[str, Any]:
        url = parse_url(path) if str(path).startswith("sector://") else None
        if url is None or url.host is None:
            return {}
        return {"host": url.host, "port": url.port}
