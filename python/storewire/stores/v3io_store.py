"""The V3IO store: ``v3io.ObjectClient`` over ``v3io.dataplane.Client``; many objects and
many ranges run as one parallel batch in the native engine. V3IO has real directories:
they stay when their last object goes, and ``mkdir`` makes an empty one.

Settings: explicit options, then ``V3IO_API``/``V3IO_ACCESS_KEY`` (and the common
``STOREWIRE_*`` ones), then the defaults.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import v3io
from storewire import errors
from storewire.verbs import (
    ObjectMeta,
    UnsupportedOperationError,
    join_key,
    parse_mtime,
    write_file,
)
from v3io.dataplane import Client
from v3io.dataplane.config import Config
from v3io.dataplane.response import RaiseForStatus

from .base import Entry, Range, Store, split_options

if TYPE_CHECKING:
    from storewire.verbs import PathLike

__all__ = ["V3ioStore"]

_LIST_PAGE = 1000
_PART_BYTES = 8 * 2**20  # one ranged GetObject of a large download
_NO_CONTAINERS = ("V3IO containers are created in the platform's control plane, not through "
                  "the data-plane API")


def _directory(key: str, operation: str) -> str:
    return join_key("", key.strip("/"), operation)[1:] + "/"


class V3ioStore(Store[Config]):
    """``v3io://container/path``. Options: ``endpoint``, ``access_key`` and any other
    :class:`v3io.dataplane.Client` keyword argument."""

    scheme = "v3io"

    def __init__(self, **options: Any) -> None:
        config, rest = split_options(Config, options)
        super().__init__(config, rest)
        self.workers = config.max_in_flight

    def _connect(self) -> v3io.ObjectClient:
        return v3io.ObjectClient(Client(config=self.config, **self.client_options))

    def close(self) -> None:
        with self._lock:
            if self._client is not None and self._pid == os.getpid():
                self._client.client.close()  # the ObjectClient does not own it
            self._client = None

    @property
    def dataplane(self) -> Client:
        return self.client.client  # type: ignore[no-any-return]

    # --- namespace ----------------------------------------------------------------------

    def buckets(self) -> list[Entry]:
        return [Entry.directory(c.name, "")
                for c in self.dataplane.get_containers().output.containers]

    def make_bucket(self, bucket: str) -> None:
        raise UnsupportedOperationError(_NO_CONTAINERS, operation="make_bucket",
                                        resource=bucket)

    def remove_bucket(self, bucket: str) -> None:
        raise UnsupportedOperationError(_NO_CONTAINERS, operation="remove_bucket",
                                        resource=bucket)

    def _pages(self, container: str, directory: str) -> Iterator[Any]:
        marker: str | None = None
        seen: set[str] = set()
        while True:
            out = self.dataplane.get_container_contents(
                container, directory, limit=_LIST_PAGE, marker=marker).output
            yield out
            if out.is_truncated != "true" or not out.next_marker:
                return
            if out.next_marker in seen:
                raise errors.ProtocolError("the listing repeated its marker",
                                           code="v3io-answer", operation="ls",
                                           resource=container)
            seen.add(out.next_marker)
            marker = out.next_marker

    def ls(self, bucket: str, key: str = "") -> list[Entry]:
        directory = f"{key.strip('/')}/" if key.strip("/") else ""
        out: dict[str, Entry] = {}
        try:
            for page in self._pages(bucket, directory or "/"):
                for c in page.contents:
                    name = c.key.lstrip("/")
                    if name.startswith(directory) and name != directory:
                        out[name] = Entry.file(bucket, ObjectMeta(
                            name, int(c.size), None,
                            parse_mtime(getattr(c, "last_modified", ""))))
                for p in page.common_prefixes:
                    name = p.prefix.lstrip("/").rstrip("/")
                    if not name.startswith(directory) or "/" in name[len(directory):]:
                        raise errors.ProtocolError(
                            f"listing {directory!r} named the directory {p.prefix!r}",
                            code="v3io-answer", operation="ls", resource=bucket)
                    out[name] = Entry.directory(bucket, name)
        except errors.NotFoundError:
            if not directory:
                raise  # the container itself is missing
            self.dataplane.get_container_contents(bucket, "/", limit=1)
            raise
        return sorted(out.values(), key=lambda e: e.key)

    def info(self, bucket: str, key: str) -> Entry:
        if not key.strip("/"):
            self.dataplane.get_container_contents(bucket, "/", limit=1)  # NotFoundError
            return Entry.directory(bucket, "")
        return super().info(bucket, key)

    def mkdir(self, bucket: str, key: str) -> None:
        """A real directory (and its missing parents): PutObject of ``key/``."""
        self.dataplane.put_object(bucket, _directory(key, "mkdir"), body=b"")

    def rmdir(self, bucket: str, key: str) -> None:
        """Removes the empty directory ``key`` (ConflictError when it is not empty)."""
        self.dataplane.delete_object(bucket, _directory(key, "rmdir"))

    # --- batches ------------------------------------------------------------------------

    def read_ranges(self, bucket: str, ranges: Sequence[Range]) -> list[bytes]:
        """One batch of ranged GetObjects; a range the server refuses (one that starts past
        the end) is read again by itself, which gives slicing's answer or the error."""
        wanted = list(ranges)
        sent = [(i, r) for i, r in enumerate(wanted) if r[2] is None or r[2] > r[1]]
        batch = self.dataplane.create_batch()
        for _, (key, start, end) in sent:
            batch.object.get(bucket, key, offset=start,
                             num_bytes=None if end is None else end - start,
                             raise_for_status=RaiseForStatus.never)
        out = [b""] * len(wanted)
        for (i, (key, start, end)), resp in zip(sent, batch.wait() if sent else [],
                                                strict=True):
            if resp.status_code not in (200, 206):
                out[i] = self.read(bucket, key, start, end)  # slicing's answer or the error
                continue
            body = bytes(resp.body)
            if end is not None and len(body) > end - start:
                raise errors.ProtocolError(
                    f"asked for {end - start} bytes, {len(body)} arrived",
                    code="v3io-answer", operation="get_object", resource=f"{bucket}/{key}")
            out[i] = body
        return out

    def get_files(self, bucket: str, files: Mapping[str, PathLike]) -> None:
        """One batch of GetObjects, each written to its file all or nothing; a single
        file goes through :meth:`get_file` (parallel ranged reads)."""
        if len(files) == 1:
            [(key, path)] = files.items()
            self.get_file(bucket, key, path)
            return
        found = self.client.get_many(bucket, list(files))
        for key, path in files.items():
            write_file(path, found[key])

    def get_file(self, bucket: str, key: str, path: PathLike) -> int:
        """The object into ``path`` as batches of parallel ranged GetObjects (a window
        of ``workers`` parts of ``_PART_BYTES`` in memory at a time), written at their
        offsets in a temporary file renamed into place: all or nothing. Its size."""
        size = self.head(bucket, key).size
        target = os.fspath(path)
        temp = os.path.join(os.path.dirname(target) or ".",
                            f".{os.path.basename(target)}.{uuid.uuid4().hex[:8]}.part")
        window = _PART_BYTES * max(1, self.workers)
        try:
            with open(temp, "wb") as f:
                for offset in range(0, size, window):
                    end = min(offset + window, size)
                    parts = [(key, s, min(s + _PART_BYTES, end))
                             for s in range(offset, end, _PART_BYTES)]
                    for (_, start, stop), data in zip(parts, self.read_ranges(bucket, parts),
                                                      strict=True):
                        if len(data) != stop - start:
                            raise errors.ProtocolError(
                                f"asked for {stop - start} bytes at {start}, got {len(data)}",
                                code="v3io-answer", operation="get_file",
                                resource=f"{bucket}/{key}")
                        f.write(data)
            os.replace(temp, target)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
        return size
