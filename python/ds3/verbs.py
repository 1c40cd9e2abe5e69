"""The shared verb table (docs/verbs.md) on ``ds3.Client``: thin calls over its native
operations; files and many objects go through bulk jobs."""

from __future__ import annotations

import os
from abc import abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from storewire import errors
from storewire.verbs import (
    ByteRange,
    NoServerCopy,
    ObjectMeta,
    RangeArg,
    byte_range,
    get_into_range,
    item_list,
    key_list,
    parse_mtime,
    raise_delete_failures,
)

if TYPE_CHECKING:
    from typing_extensions import Buffer

    from storewire._native.ds3 import BulkResult, Contents, DeleteResult, ObjectInfo
    from storewire.verbs import PathLike

__all__ = ["Verbs"]

_NO_COPY = ("DS3 has no server-side copy or rename (BlackPearl keeps objects on tape "
            "and disk pools; a copy is a GET and a PUT through the client)")


def _etag(value: str) -> str | None:
    return value.strip('"') or None


def _range_header(rng: ByteRange) -> str:
    return f"bytes={rng.start}-" if rng.end is None else f"bytes={rng.start}-{rng.end - 1}"


class Verbs(NoServerCopy):
    """``ls``, ``head``, ``get``/``get_into``/``get_file``, ``put``/``put_file``,
    ``put_many``/``get_many``, ``delete``/``delete_many``; ``cp``/``mv`` raise
    :class:`~storewire.verbs.UnsupportedOperationError`."""

    _no_copy = _NO_COPY

    if TYPE_CHECKING:
        # The ``Client`` methods the verbs call, declared for the type checker only; mypy
        # checks ``Client``'s definitions against them (it subclasses this mixin).
        @abstractmethod
        def list_objects(self, bucket: str, *, prefix: str | None = None
                         ) -> Iterator[Contents]: ...
        @abstractmethod
        def head_bucket(self, bucket: str) -> None: ...
        @abstractmethod
        def head_object(self, bucket: str, key: str) -> ObjectInfo: ...
        @abstractmethod
        def get_object(self, bucket: str, key: str, *, range: str | None = None,
                       into: bytearray | memoryview | None = None) -> ObjectInfo: ...
        @abstractmethod
        def put_object(self, bucket: str, key: str, data: memoryview) -> None: ...
        @abstractmethod
        def delete_object(self, bucket: str, key: str) -> None: ...
        @abstractmethod
        def delete_objects(self, bucket: str, keys: Iterable[str]) -> DeleteResult: ...
        @abstractmethod
        def put_files(self, bucket: str, files: Iterable[tuple[str, str | memoryview]]
                      ) -> BulkResult: ...
        @abstractmethod
        def get_files(self, bucket: str, files: Iterable[tuple[str, PathLike]]
                      ) -> BulkResult: ...
        @abstractmethod
        def get_bytes(self, bucket: str, names: Iterable[str]) -> dict[str, bytearray]: ...

    def ls(self, bucket: str, prefix: str = "") -> list[ObjectMeta]:
        """The objects whose key starts with ``prefix``, in key order."""
        return [ObjectMeta(c.key, c.size, _etag(c.etag), parse_mtime(c.last_modified))
                for c in self.list_objects(bucket, prefix=prefix or None)]

    def head(self, bucket: str, key: str) -> ObjectMeta:
        info = self.head_object(bucket, key)
        return ObjectMeta(key, info.size, _etag(info.etag), parse_mtime(info.last_modified))

    def _ranged(self, bucket: str, key: str, rng: ByteRange | None,
                into: Any = None) -> Any:
        """One GET (of ``rng``, into ``into``); None when the range holds no byte."""
        if rng is not None and rng.end == rng.start:
            self.head_object(bucket, key)  # a missing key is still NotFoundError
            return None
        try:
            return self.get_object(bucket, key, into=into,
                                   range=_range_header(rng) if rng is not None else None)
        except errors.StorageError as exc:
            if rng is not None and exc.status == 416:  # starts at or past the end
                return None
            raise

    def get(self, bucket: str, key: str, *, range: RangeArg = None) -> bytes:
        """The object's bytes (``range``: a :class:`~storewire.verbs.ByteRange`)."""
        info = self._ranged(bucket, key, byte_range(range, "get", f"{bucket}/{key}"))
        return b"" if info is None else bytes(info.body)

    def get_into(self, bucket: str, key: str, buffer: Buffer, *,
                 range: RangeArg = None) -> int:
        """The object (or ``range``) written at the start of ``buffer``; the byte count.
        ``BufferTooSmallError`` when it does not fit."""
        rng = get_into_range(range, buffer, f"{bucket}/{key}")
        info = self._ranged(bucket, key, rng, into=buffer)
        return 0 if info is None else int(info.size)

    def get_file(self, bucket: str, key: str, path: PathLike) -> int:
        """The object into the file ``path`` (one bulk GET job, checksums verified);
        its size."""
        self.get_files(bucket, [(key, path)])
        return os.path.getsize(path)

    def put(self, bucket: str, key: str, data: Buffer) -> None:
        """Stores a buffer (bytes, bytearray, memoryview, numpy ...) as ``key``."""
        self.put_object(bucket, key, memoryview(data))

    def put_file(self, bucket: str, key: str, path: PathLike) -> None:
        """Stores the file ``path`` as ``key`` (one bulk PUT job)."""
        self.put_files(bucket, [(key, os.fspath(path))])

    def put_many(self, bucket: str, items: Mapping[str, Buffer | PathLike]) -> None:
        """Stores every ``{key: buffer or file path}`` with one bulk PUT job."""
        pairs = item_list(items, bucket)
        if pairs:
            self.put_files(bucket, [(k, _source(v)) for k, v in pairs])

    def get_many(self, bucket: str, keys: Iterable[str]) -> dict[str, bytes]:
        """``{key: bytes}`` for every key, with one bulk GET job."""
        names = key_list(keys, "get_many", bucket)
        if not names:
            return {}
        return {k: bytes(v) for k, v in self.get_bytes(bucket, names).items()}

    def delete(self, bucket: str, key: str) -> None:
        """Deletes ``key``; a key that is already gone is not an error (a missing bucket
        is ``NotFoundError``)."""
        try:
            self.delete_object(bucket, key)
        except errors.NotFoundError:
            self.head_bucket(bucket)

    def delete_many(self, bucket: str, keys: Iterable[str]) -> None:
        """Deletes every key (missing ones are not an error); raises the first failure."""
        names = key_list(keys, "delete_many", bucket)
        if not names:
            return
        raise_delete_failures(bucket, len(names), self.delete_objects(bucket, names).errors)


def _source(value: Any) -> Any:
    return os.fspath(value) if isinstance(value, (str, os.PathLike)) else memoryview(value)
