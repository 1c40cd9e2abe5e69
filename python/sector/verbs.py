"""The shared verb table (docs/verbs.md) on ``sector.Client``.

Sector has paths, not buckets: a verb's ``bucket`` is a top-level directory and its
``key`` the ``/``-separated path below it, so ``put("data", "a/b.bin", ...)`` writes
``/data/a/b.bin`` (missing directories below the bucket are made). Data moves over the
native data channel (``open``/``upload``/``download``).
"""

from __future__ import annotations

import builtins
import os
from abc import abstractmethod
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from storewire import errors
from storewire.verbs import (
    ByteRange,
    ObjectMeta,
    RangeArg,
    buffer_size,
    byte_range,
    copy_into,
    get_into_range,
    item_list,
    join_key,
    key_list,
)

from .parallel import DEFAULT_WORKERS, run_parallel

if TYPE_CHECKING:
    from typing_extensions import Buffer

    from storewire.verbs import PathLike

    from .client import FileInfo, SectorFile

__all__ = ["Verbs"]


def _bucket(bucket: str, operation: str) -> str:
    if not bucket or "/" in bucket or bucket in (".", ".."):
        raise errors.InvalidRequestError(
            f"bucket {bucket!r} must be one top-level directory name",
            operation=operation, resource=bucket)
    return f"/{bucket}"


def _meta(key: str, info: FileInfo) -> ObjectMeta:
    return ObjectMeta(key, info.size, None, datetime.fromtimestamp(info.mtime, timezone.utc))


class Verbs:
    """``ls``, ``head``, ``get``/``get_into``/``get_file``, ``put``/``put_file``,
    ``put_many``/``get_many``, ``delete``/``delete_many``, ``cp``/``mv``."""

    if TYPE_CHECKING:
        # The ``Client`` methods the verbs call, declared for the type checker only; mypy
        # checks ``Client``'s definitions against them (it subclasses this mixin).
        @abstractmethod
        def list(self, path: str = "/") -> builtins.list[FileInfo]: ...
        @abstractmethod
        def stat(self, path: str) -> FileInfo: ...
        @abstractmethod
        def mkdir(self, path: str) -> None: ...
        @abstractmethod
        def open(self, path: str, mode: str | int = "r") -> SectorFile: ...
        @abstractmethod
        def upload(self, local: PathLike, remote: str) -> int: ...
        @abstractmethod
        def download(self, remote: str, local: PathLike) -> int: ...
        @abstractmethod
        def remove(self, path: str) -> None: ...
        @abstractmethod
        def copy(self, src: str, dst: str) -> None: ...
        @abstractmethod
        def move(self, src: str, dst: str) -> None: ...

    def _object_path(self, bucket: str, key: str, operation: str) -> str:
        return join_key(_bucket(bucket, operation), key, operation)

    def _make_parent(self, path: str) -> None:
        parent = path.rsplit("/", 1)[0]
        try:
            self.mkdir(parent)
        except errors.ConflictError:  # E_EXIST: already there
            pass

    def ls(self, bucket: str, prefix: str = "") -> builtins.list[ObjectMeta]:
        """The files whose key starts with ``prefix``, in key order (directories are
        walked, not listed)."""
        root = _bucket(bucket, "ls")
        start = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        found: builtins.list[ObjectMeta] = []
        pending = [start]
        while pending:
            rel = pending.pop()
            try:
                entries = self.list(f"{root}/{rel}" if rel else root)
            except errors.NotFoundError:
                if not rel:
                    raise  # the bucket itself is missing
                continue
            for entry in entries:
                if "/" in entry.name or entry.name in ("", ".", ".."):
                    # a listing names entries of this directory only, or the walk could
                    # go round forever
                    raise errors.ProtocolError(
                        f"listing of {root}/{rel} named the entry {entry.name!r}",
                        code="sector-answer", operation="ls", resource=bucket)
                key = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir:
                    if (key + "/").startswith(prefix) or prefix.startswith(key + "/"):
                        pending.append(key)
                elif key.startswith(prefix):
                    found.append(_meta(key, entry))
        return sorted(found, key=lambda m: m.key)

    def head(self, bucket: str, key: str) -> ObjectMeta:
        path = self._object_path(bucket, key, "head")
        info = self.stat(path)
        if info.is_dir:
            raise errors.NotFoundError(f"{path} is a directory, not an object",
                                       operation="head", resource=path)
        return _meta(key, info)

    def _read(self, bucket: str, key: str, rng: ByteRange | None, operation: str,
              into: Any = None) -> Any:
        path = self._object_path(bucket, key, operation)
        with self.open(path, "r") as f:
            start = 0 if rng is None else min(rng.start, f.size)
            end = f.size if rng is None or rng.end is None else min(rng.end, f.size)
            count = max(0, end - start)
            if into is not None and count > buffer_size(into, operation, path):
                raise errors.BufferTooSmallError(
                    f"{count} bytes do not fit a buffer of {memoryview(into).nbytes}",
                    operation=operation, resource=path)
            f.seek(start)
            return f.read(count) if count else b""

    def get(self, bucket: str, key: str, *, range: RangeArg = None) -> bytes:
        """The file's bytes (``range``: a :class:`~storewire.verbs.ByteRange`)."""
        rng = byte_range(range, "get", f"{bucket}/{key}")
        return bytes(self._read(bucket, key, rng, "get"))

    def get_into(self, bucket: str, key: str, buffer: Buffer, *,
                 range: RangeArg = None) -> int:
        """The file (or ``range``) written at the start of ``buffer``; the byte count.
        ``BufferTooSmallError`` when it does not fit."""
        resource = f"{bucket}/{key}"
        rng = get_into_range(range, buffer, resource)
        data = self._read(bucket, key, rng, "get_into", into=buffer)
        return copy_into(buffer, data, "get_into", resource)

    def get_file(self, bucket: str, key: str, path: PathLike) -> int:
        """The file into the local ``path`` (all or nothing); its size."""
        return self.download(self._object_path(bucket, key, "get_file"), path)

    def put(self, bucket: str, key: str, data: Buffer) -> None:
        """Stores a buffer as the file ``key`` (replacing it)."""
        path = self._object_path(bucket, key, "put")
        self._make_parent(path)
        self._put_buffer(path, data)

    def _put_buffer(self, path: str, data: Buffer) -> None:
        with self.open(path, "w") as f:
            view = memoryview(data).cast("B")
            if view.nbytes:
                f.write(view)

    def put_file(self, bucket: str, key: str, path: PathLike) -> None:
        """Uploads the local file ``path`` as ``key`` (replacing it)."""
        remote = self._object_path(bucket, key, "put_file")
        self._make_parent(remote)
        self.upload(path, remote)

    def put_many(self, bucket: str, items: Mapping[str, Buffer | PathLike], *,
                 workers: int = DEFAULT_WORKERS) -> None:
        """Stores every ``{key: buffer or file path}``, up to ``workers`` files at a time
        (one data-channel session each, in parallel; 1 = one after the other)."""
        jobs = [(self._object_path(bucket, k, "put_many"), v) for k, v in item_list(items, bucket)]
        # Missing directories once each, before the threads start.
        for path in {p.rsplit("/", 1)[0]: p for p, _ in jobs}.values():
            self._make_parent(path)

        def put(job: tuple[str, Buffer | PathLike]) -> None:
            path, value = job
            if isinstance(value, (str, os.PathLike)):
                self.upload(value, path)
            else:
                self._put_buffer(path, value)

        run_parallel(put, jobs, workers, "put_many")

    def get_many(self, bucket: str, keys: Iterable[str], *,
                 workers: int = DEFAULT_WORKERS) -> dict[str, bytes]:
        """``{key: bytes}`` for every key, up to ``workers`` files at a time."""
        names = key_list(keys, "get_many", bucket)
        bodies = run_parallel(lambda k: self.get(bucket, k), names, workers, "get_many")
        return dict(zip(names, bodies, strict=True))

    def delete(self, bucket: str, key: str) -> None:
        """Deletes ``key``; a key that is already gone is not an error (a missing bucket
        is ``NotFoundError``)."""
        path = self._object_path(bucket, key, "delete")
        try:
            self.remove(path)
        except errors.NotFoundError:
            self.stat(_bucket(bucket, "delete"))

    def delete_many(self, bucket: str, keys: Iterable[str]) -> None:
        """Deletes every key (missing ones are not an error)."""
        for key in key_list(keys, "delete_many", bucket):
            self.delete(bucket, key)

    def _replace_target(self, bucket: str, key: str, dest_key: str,
                        dest_bucket: str | None, operation: str) -> tuple[str, str]:
        src = self._object_path(bucket, key, operation)
        dst = self._object_path(dest_bucket or bucket, dest_key, operation)
        self.head(bucket, key)  # NotFoundError before the destination is touched
        if dst != src:
            self._make_parent(dst)
            try:
                self.remove(dst)  # Sector refuses to copy or move onto a file
            except errors.NotFoundError:
                pass
        return src, dst

    def cp(self, bucket: str, key: str, dest_key: str, *,
           dest_bucket: str | None = None) -> None:
        """Copies ``key`` to ``dest_key`` on the servers (an existing destination is
        replaced; a real master copies asynchronously)."""
        src, dst = self._replace_target(bucket, key, dest_key, dest_bucket, "cp")
        if dst != src:
            self.copy(src, dst)

    def mv(self, bucket: str, key: str, dest_key: str, *,
           dest_bucket: str | None = None) -> None:
        """Renames ``key`` to ``dest_key`` (an existing destination is replaced)."""
        src, dst = self._replace_target(bucket, key, dest_key, dest_bucket, "mv")
        if dst != src:
            self.move(src, dst)
