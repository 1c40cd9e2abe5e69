"""The Sector store: ``sector.Client``; a bucket is a top-level directory.

Sector moves file data over one UDT data channel per open file, so many files move as
parallel channels (the native client is thread-safe and releases the GIL).

Settings: explicit options, then ``SECTOR_HOST``/``SECTOR_PORT``/``SECTOR_USER``/
``SECTOR_PASSWORD``/``SECTOR_CERT``, then the defaults.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import sector
from sector.config import Config
from storewire import errors
from storewire.verbs import join_key, key_list

from .base import Entry, Store, parallel, split_options

if TYPE_CHECKING:
    from typing_extensions import Buffer

    from storewire.verbs import PathLike

__all__ = ["SectorStore"]


def _entry(bucket: str, key: str, info: sector.FileInfo) -> Entry:
    if info.is_dir:
        return Entry.directory(bucket, key)
    return Entry(bucket, key, "file", info.size, None,
                 datetime.fromtimestamp(info.mtime, timezone.utc))


class SectorStore(Store[Config]):
    """``sector://[host:port]/dir/path``. Options: ``host``, ``port``, ``user``,
    ``password``, ``cert``, ``timeout_s``, ``retransmit_s``, ``bind_ip``."""

    scheme = "sector"

    def __init__(self, **options: Any) -> None:
        config, rest = split_options(Config, options)
        if rest:
            raise errors.InvalidRequestError(
                f"unknown Sector option(s): {', '.join(sorted(rest))}")
        super().__init__(config, rest)

    def _connect(self) -> sector.Client:
        return sector.Client(config=self.config)

    def _path(self, bucket: str, key: str, operation: str) -> str:
        if not bucket or "/" in bucket or bucket in (".", ".."):
            raise errors.InvalidRequestError(
                f"bucket {bucket!r} must be one top-level directory name",
                operation=operation, resource=bucket)
        key = key.strip("/")
        return join_key(f"/{bucket}", key, operation) if key else f"/{bucket}"

    # --- namespace ----------------------------------------------------------------------

    def buckets(self) -> list[Entry]:
        return sorted((Entry.directory(f.name, "") for f in self.client.list("/") if f.is_dir),
                      key=lambda e: e.bucket)

    def make_bucket(self, bucket: str) -> None:
        self.client.mkdir(self._path(bucket, "", "make_bucket"))

    def remove_bucket(self, bucket: str) -> None:
        self.client.remove(self._path(bucket, "", "remove_bucket"))

    def ls(self, bucket: str, key: str = "") -> list[Entry]:
        path = self._path(bucket, key, "ls")
        base = key.strip("/")
        try:
            listed = self.client.list(path)
        except errors.InvalidRequestError as exc:  # E_NOTDIR: a file, no directory
            raise errors.NotFoundError(f"{path} is not a directory", operation="ls",
                                       resource=path) from exc
        out = []
        for f in listed:
            if "/" in f.name or f.name in ("", ".", ".."):
                raise errors.ProtocolError(f"listing of {path} named the entry {f.name!r}",
                                           code="sector-answer", operation="ls",
                                           resource=path)
            out.append(_entry(bucket, f"{base}/{f.name}" if base else f.name, f))
        return sorted(out, key=lambda e: e.key)

    def info(self, bucket: str, key: str) -> Entry:
        return _entry(bucket, key.strip("/"), self.client.stat(self._path(bucket, key, "info")))

    def mkdir(self, bucket: str, key: str) -> None:
        try:
            self.client.mkdir(self._path(bucket, key, "mkdir"))
        except errors.ConflictError:  # already there
            pass

    def rmdir(self, bucket: str, key: str) -> None:
        self.client.remove(self._path(bucket, key, "rmdir"))

    # --- many files: one data channel each, in parallel --------------------------------

    def get_many(self, bucket: str, keys: Iterable[str]) -> dict[str, bytes]:
        names = key_list(keys, "get_many", bucket)
        bodies = parallel(lambda k: self.client.get(bucket, k), names, self.workers)
        return dict(zip(names, bodies, strict=True))

    def get_files(self, bucket: str, files: Mapping[str, PathLike]) -> None:
        parallel(lambda kv: self.client.get_file(bucket, kv[0], kv[1]), list(files.items()),
                 self.workers)

    def put_many(self, bucket: str, items: Mapping[str, Buffer | PathLike]) -> None:
        def put(item: tuple[str, Any]) -> None:
            key, value = item
            if isinstance(value, (str, os.PathLike)):
                self.client.put_file(bucket, key, value)
            else:
                self.client.put(bucket, key, value)

        if not isinstance(items, Mapping):
            raise errors.InvalidRequestError("put_many takes {key: buffer or file path}",
                                             operation="put_many", resource=bucket)
        parallel(put, list(items.items()), self.workers)

    def delete_many(self, bucket: str, keys: Iterable[str]) -> None:
        names = key_list(keys, "delete_many", bucket)
        parallel(lambda k: self.client.delete(bucket, k), names, self.workers)
