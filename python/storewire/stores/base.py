"""``Store``: the one thin per-system adapter the command line and the fsspec filesystems
share (docs/stores.md).

A store names things as ``(bucket, key)``: the bucket (DS3, S3), the container (V3IO) or
the top-level directory (Sector), and a ``/``-separated key inside it. Directories are
what the keys' ``/`` make of them (real directories on Sector and V3IO, prefixes on DS3
and S3).

Everything goes through the public clients and their verb table (docs/verbs.md); what
moves many objects uses each system's batch path: DS3 bulk jobs, the HTTP engine's
``perform_many`` (S3, V3IO), parallel Sector data channels. A store keeps its resolved
settings, never a native handle, when it is pickled: each process builds its own client
the first time it needs one.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from storewire import errors
from storewire.config import load
from storewire.verbs import ObjectMeta, UnsupportedOperationError

if TYPE_CHECKING:
    from typing_extensions import Buffer, Self

    from storewire.verbs import PathLike

__all__ = ["Entry", "Range", "Store", "parallel", "split_options"]

#: ``(key, start, end)``: bytes ``start`` up to ``end`` (None: to the end) of ``key``.
Range = tuple[str, int, "int | None"]

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Entry:
    """A file or a directory as :meth:`Store.ls` and :meth:`Store.info` describe it.

    ``key`` has no trailing slash (``""`` is the bucket itself); ``size`` is 0 for a
    directory; ``etag`` and ``mtime`` are None where the system sends none.
    """

    bucket: str
    key: str
    type: Literal["file", "directory"]
    size: int = 0
    etag: str | None = None
    mtime: datetime | None = None

    @property
    def path(self) -> str:
        """``bucket/key`` (just ``bucket`` for a bucket)."""
        return f"{self.bucket}/{self.key}" if self.key else self.bucket

    @property
    def is_dir(self) -> bool:
        return self.type == "directory"

    @classmethod
    def file(cls, bucket: str, meta: ObjectMeta) -> Entry:
        return cls(bucket, meta.key, "file", meta.size, meta.etag, meta.mtime)

    @classmethod
    def directory(cls, bucket: str, key: str) -> Entry:
        return cls(bucket, key.rstrip("/"), "directory")


def _found(entries: list[Entry], bucket: str, key: str) -> list[Entry]:
    """A one-level listing in key order; on a store whose directories are the prefixes
    of keys, a directory below the bucket with nothing in it does not exist."""
    if not entries and key.strip("/"):
        raise errors.NotFoundError(f"no directory {bucket}/{key.strip('/')}",
                                   operation="ls", resource=f"{bucket}/{key}")
    return sorted(entries, key=lambda e: e.key)


def split_options(config_cls: type[C], options: Mapping[str, Any]) -> tuple[C, dict[str, Any]]:
    """``options`` split into the system's resolved config (explicit values first, then
    the environment, then defaults) and the client-only keyword arguments left over."""
    names = {f.name for f in dataclasses.fields(config_cls)  # type: ignore[arg-type]
             if f.init}
    given = {k: v for k, v in options.items() if k in names}
    rest = {k: v for k, v in options.items() if k not in names and v is not None}
    return load(config_cls, **given), rest


def parallel(fn: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """``fn`` over ``items`` on up to ``workers`` threads (the clients release the GIL
    while they wait); the results in order. Every call finishes before the first
    failure is raised, so nothing is left running behind the caller."""
    if len(items) <= 1 or workers <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        futures = [pool.submit(fn, item) for item in items]
    failures = [f.exception() for f in futures if f.exception() is not None]
    if failures:
        raise failures[0]  # type: ignore[misc]
    return [f.result() for f in futures]


class Store(ABC, Generic[C]):
    """The adapter's interface; one subclass per system (``ds3``, ``s3``, ``v3io``,
    ``sector``). Construct it with the system's settings as keyword arguments (see
    docs/stores.md); what is not given comes from the client's environment variables.
    """

    scheme: ClassVar[str]
    #: Threads for the calls a system has no batch for (ranged reads, Sector channels).
    workers: int = 8

    def __init__(self, config: C, client_options: Mapping[str, Any]) -> None:
        self.config = config
        self.client_options = dict(client_options)
        self._client: Any = None
        self._pid: int | None = None
        self._lock = threading.Lock()

    # --- the client, one per process -----------------------------------------------------

    @abstractmethod
    def _connect(self) -> Any:
        """A new client built from ``self.config`` and ``self.client_options``."""

    @property
    def client(self) -> Any:
        """This process's client (built on first use; a forked child builds its own)."""
        with self._lock:
            if self._client is None or self._pid != os.getpid():
                self._client = self._connect()
                self._pid = os.getpid()
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None and self._pid == os.getpid():
                self._client.close()
            self._client = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        # the settings only: a native handle must not cross into another process
        return {"config": self.config, "client_options": self.client_options,
                "workers": self.workers}

    def __setstate__(self, state: dict[str, Any]) -> None:
        Store.__init__(self, state["config"], state["client_options"])
        self.workers = state["workers"]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"

    # --- namespace ----------------------------------------------------------------------

    @abstractmethod
    def buckets(self) -> list[Entry]:
        """The buckets (containers, top-level directories), as directory entries."""

    @abstractmethod
    def make_bucket(self, bucket: str) -> None:
        """Creates a bucket (``UnsupportedOperationError`` where the data API cannot)."""

    @abstractmethod
    def remove_bucket(self, bucket: str) -> None:
        """Removes an empty bucket."""

    @abstractmethod
    def ls(self, bucket: str, key: str = "") -> list[Entry]:
        """The files and directories directly under the directory ``key``, in key order.
        ``NotFoundError`` when the bucket or the directory is missing (on the object
        stores, a directory below the bucket exists while a key lies under it)."""

    def find(self, bucket: str, key: str = "") -> list[Entry]:
        """Every file below the directory ``key`` (all levels), in key order."""
        prefix = f"{key.strip('/')}/" if key.strip("/") else ""
        return [Entry.file(bucket, m) for m in self.client.ls(bucket, prefix)]

    def head(self, bucket: str, key: str) -> Entry:
        """The file ``key`` (``NotFoundError`` when there is none)."""
        return Entry.file(bucket, self.client.head(bucket, key))

    def info(self, bucket: str, key: str) -> Entry:
        """The file or directory ``key`` (``""``: the bucket); ``NotFoundError`` when
        neither exists."""
        key = key.strip("/")
        if not key:
            if not any(b.bucket == bucket for b in self.buckets()):
                raise errors.NotFoundError(f"no bucket {bucket!r}", operation="info",
                                           resource=bucket)
            return Entry.directory(bucket, "")
        try:
            return self.head(bucket, key)
        except errors.NotFoundError:
            self.ls(bucket, key)  # NotFoundError unless it is a directory
            return Entry.directory(bucket, key)

    def mkdir(self, bucket: str, key: str) -> None:
        """Makes the directory ``key`` where directories exist on their own (Sector);
        on the object stores a directory is the prefix of its keys, so nothing is sent."""

    def rmdir(self, bucket: str, key: str) -> None:
        """Removes the empty directory ``key`` where directories exist on their own."""

    # --- reading -----------------------------------------------------------------------

    def read(self, bucket: str, key: str, start: int = 0, end: int | None = None) -> bytes:
        """Bytes ``start`` up to ``end`` (None: the end) of ``key``, as slicing."""
        if start == 0 and end is None:
            return self.client.get(bucket, key)
        return self.client.get(bucket, key, range=(start, end))

    def read_ranges(self, bucket: str, ranges: Sequence[Range]) -> list[bytes]:
        """Many ranges (of one or many keys) at once, in parallel; the bytes in order."""
        return parallel(lambda r: self.read(bucket, *r), list(ranges), self.workers)

    def get_many(self, bucket: str, keys: Iterable[str]) -> dict[str, bytes]:
        """``{key: bytes}`` with the system's batch path (docs/verbs.md ``get_many``)."""
        return self.client.get_many(bucket, keys)

    @abstractmethod
    def get_files(self, bucket: str, files: Mapping[str, PathLike]) -> None:
        """Every ``{key: local path}`` downloaded as one batch; each file all or nothing."""

    def get_file(self, bucket: str, key: str, path: PathLike) -> int:
        """One (large) file downloaded with the system's large-file path: parallel ranged
        GETs on S3, a bulk job on DS3, the data channel on Sector; all or nothing. Its
        size."""
        return int(self.client.get_file(bucket, key, path))

    # --- writing -----------------------------------------------------------------------

    def write(self, bucket: str, key: str, data: Buffer) -> None:
        """Stores ``data`` as ``key`` (replacing it)."""
        self.client.put(bucket, key, data)

    def put_file(self, bucket: str, key: str, path: PathLike,
                 progress: Callable[[int], None] | None = None) -> None:
        """Stores the local file ``path`` as ``key`` with the system's large-file path
        (multipart, a bulk job, the Sector data channel). ``progress(nbytes)`` is told
        of the bytes sent as they go where the client reports them (S3 parts, DS3
        blobs), else once at the end."""
        self.client.put_file(bucket, key, path)
        if progress is not None:
            progress(os.path.getsize(path))

    def put_many(self, bucket: str, items: Mapping[str, Buffer | PathLike]) -> None:
        """Every ``{key: buffer or local path}`` stored as one batch."""
        self.client.put_many(bucket, items)

    # --- removing and copying ----------------------------------------------------------

    def delete(self, bucket: str, key: str) -> None:
        """Deletes the file ``key`` (already gone is not an error)."""
        self.client.delete(bucket, key)

    def delete_many(self, bucket: str, keys: Iterable[str]) -> None:
        """Deletes many files as one batch (already gone is not an error)."""
        self.client.delete_many(bucket, keys)

    def copy(self, bucket: str, key: str, dest_bucket: str, dest_key: str) -> None:
        """Copies a file: on the server where the system can, else through a local
        temporary file with the system's own download and upload paths."""
        try:
            self.client.cp(bucket, key, dest_key, dest_bucket=dest_bucket)
            return
        except UnsupportedOperationError:
            pass
        with tempfile.TemporaryDirectory(prefix="storewire-copy-") as tmp:
            local = os.path.join(tmp, "object")
            self.get_files(bucket, {key: local})
            self.put_file(dest_bucket, dest_key, local)
