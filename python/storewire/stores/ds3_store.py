"""The DS3 (BlackPearl) store: ``ds3.Client``; many objects move as one bulk job.

Settings: explicit options, then ``DS3_ENDPOINT``/``DS3_ACCESS_KEY``/``DS3_SECRET_KEY``
(and the common ``STOREWIRE_*`` ones), then the defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ds3
from ds3.config import Config
from storewire import errors
from storewire.verbs import ObjectMeta, parse_mtime

from .base import Entry, Store, _found, split_options

if TYPE_CHECKING:
    from storewire.verbs import PathLike

__all__ = ["Ds3Store"]


class Ds3Store(Store[Config]):
    """``ds3://bucket/key``. Options: ``endpoint``, ``access_key``, ``secret_key`` and any
    other :class:`ds3.Client` keyword argument (``proxy``, ``verify_tls``, ``workers``,
    ``checksum``, ...)."""

    scheme = "ds3"

    def __init__(self, **options: Any) -> None:
        config, rest = split_options(Config, options)
        super().__init__(config, rest)
        self.workers = int(rest.get("workers") or max(config.max_in_flight, 8))

    def _connect(self) -> ds3.Client:
        return ds3.Client(config=self.config, **self.client_options)

    def buckets(self) -> list[Entry]:
        return [Entry.directory(b.name, "") for b in self.client.get_service()]

    def make_bucket(self, bucket: str) -> None:
        self.client.put_bucket(bucket)

    def remove_bucket(self, bucket: str) -> None:
        self.client.delete_bucket(bucket)

    def ls(self, bucket: str, key: str = "") -> list[Entry]:
        prefix = f"{key.strip('/')}/" if key.strip("/") else ""
        out: list[Entry] = []
        marker = ""
        seen: set[str] = set()
        while True:
            page = self.client.get_bucket(bucket, prefix=prefix, delimiter="/", marker=marker)
            out.extend(Entry.directory(bucket, p) for p in page.common_prefixes)
            out.extend(Entry.file(bucket, ObjectMeta(c.key, c.size, c.etag.strip('"') or None,
                                                     parse_mtime(c.last_modified)))
                       for c in page.objects if c.key != prefix)
            if not page.is_truncated:
                break
            last = max([c.key for c in page.objects] + list(page.common_prefixes),
                       default="")
            following = page.next_marker or last
            if not following or following in seen:
                raise errors.ProtocolError("the listing gave no new marker to continue from",
                                           operation="ls", resource=bucket)
            seen.add(following)
            marker = following
        return _found(out, bucket, key)

    def info(self, bucket: str, key: str) -> Entry:
        if not key.strip("/"):
            if not self.client.bucket_exists(bucket):
                raise errors.NotFoundError(f"no bucket {bucket!r}", operation="info",
                                           resource=bucket)
            return Entry.directory(bucket, "")
        return super().info(bucket, key)

    def get_files(self, bucket: str, files: Mapping[str, PathLike]) -> None:
        """One bulk GET job (checksums verified)."""
        if files:
            self.client.get_files(bucket, {k: os.fspath(p) for k, p in files.items()})
