"""The shared verb table (docs/verbs.md) on ``ds3.Client``: thin calls over its native
operations; files and many objects go through bulk jobs."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from storewire import errors
from storewire.verbs import (
    ByteRange,
    ObjectMeta,
    RangeArg,
    UnsupportedOperationError,
    buffer_size,
    byte_range,
    parse_mtime,
)

if TYPE_CHECKING:
    from typing_extensions import Buffer

    from storewire.verbs import PathLike

    from .client import Client

__all__ = ["Verbs"]

_NO_COPY = ("DS3 has no server-side copy or rename (BlackPearl keeps objects on tape "
            "and disk pools; a copy is a GET and a PUT through the client)")


def _etag(value: str) -> str | None:
    return value.strip('"') or None


def _range_header(rng: ByteRange) -> str:
    return f"bytes={rng.start}-" if rng.end is None else f"bytes={rng.start}-{rng.end - 1}"


class Verbs:
    """``ls``, ``head``, ``get``/``get_into``/``get_file``, ``put``/``put_file``,
    ``put_many``/``get_many``, ``delete``/``delete_many``; ``cp``/``mv`` raise
    :class:`~storewire.verbs.UnsupportedOperationError`."""

    def ls(self: Client, bucket: str, prefix: str = "") -> list[ObjectMeta]:
        """The objects whose key starts with ``prefix``, in key order."""
        return [ObjectMeta(c.key, c.size, _etag(c.etag), parse_mtime(c.last_modified))
                for c in self.list_objects(bucket, prefix=prefix or None)]

    def head(self: Client, bucket: str, key: str) -> ObjectMeta:
        info = self.head_object(bucket, key)
        return ObjectMeta(key, info.size, _etag(info.etag), parse_mtime(info.last_modified))

    def _ranged(self: Client, bucket: str, key: str, rng: ByteRange | None,
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

    def get(self: Client, bucket: str, key: str, *, range: RangeArg = None) -> bytes:
        """The object's bytes (``range``: a :class:`~storewire.verbs.ByteRange`)."""
        info = self._ranged(bucket, key, byte_range(range, "get", f"{bucket}/{key}"))
        return b"" if info is None else bytes(info.body)

    def get_into(self: Client, bucket: str, key: str, buffer: Buffer, *,
                 range: RangeArg = None) -> int:
        """The object (or ``range``) written at the start of ``buffer``; the byte count.
        ``BufferTooSmallError`` when it does not fit."""
        rng = byte_range(range, "get_into", f"{bucket}/{key}")
        buffer_size(buffer, "get_into", f"{bucket}/{key}")
        info = self._ranged(bucket, key, rng, into=buffer)
        return 0 if info is None else int(info.size)

    def get_file(self: Client, bucket: str, key: str, path: PathLike) -> int:
        """The object into the file ``path`` (one bulk GET job, checksums verified);
        its size."""
        self.get_files(bucket, [(key, path)])
        return os.path.getsize(path)

    def put(self: Client, bucket: str, key: str, data: Buffer) -> None:
        """Stores a buffer (bytes, bytearray, memoryview, numpy ...) as ``key``."""
        self.put_object(bucket, key, memoryview(data))

    def put_file(self: Client, bucket: str, key: str, path: PathLike) -> None:
        """Stores the file ``path`` as ``key`` (one bulk PUT job)."""
        self.put_files(bucket, [(key, os.fspath(path))])

    def put_many(self: Client, bucket: str, items: Mapping[str, Buffer | PathLike]) -> None:
        """Stores every ``{key: buffer or file path}`` with one bulk PUT job."""
        if items:
            self.put_files(bucket, [(k, _source(v)) for k, v in items.items()])

    def get_many(self: Client, bucket: str, keys: Iterable[str]) -> dict[str, bytes]:
        """``{key: bytes}`` for every key, with one bulk GET job."""
        names = list(dict.fromkeys(keys))
        if not names:
            return {}
        return {k: bytes(v) for k, v in self.get_bytes(bucket, names).items()}

    def delete(self: Client, bucket: str, key: str) -> None:
        """Deletes ``key``; a key that is already gone is not an error (a missing bucket
        is ``NotFoundError``)."""
        try:
            self.delete_object(bucket, key)
        except errors.NotFoundError:
            self.head_bucket(bucket)

    def delete_many(self: Client, bucket: str, keys: Iterable[str]) -> None:
        """Deletes every key (missing ones are not an error); raises the first failure."""
        names = list(dict.fromkeys(keys))
        if not names:
            return
        result = self.delete_objects(bucket, names)
        if result.errors:
            first = result.errors[0]
            raise errors.StorageError(
                f"{len(result.errors)} of {len(names)} keys not deleted; "
                f"{first.key!r}: {first.code} {first.message}",
                code=first.code, operation="delete_many", resource=f"{bucket}/{first.key}")

    def cp(self: Client, bucket: str, key: str, dest_key: str, *,
           dest_bucket: str | None = None) -> None:
        """Not supported on DS3: raises ``UnsupportedOperationError`` (docs/verbs.md)."""
        raise UnsupportedOperationError(_NO_COPY, operation="cp", resource=f"{bucket}/{key}")

    def mv(self: Client, bucket: str, key: str, dest_key: str, *,
           dest_bucket: str | None = None) -> None:
        """Not supported on DS3: raises ``UnsupportedOperationError`` (docs/verbs.md)."""
        raise UnsupportedOperationError(_NO_COPY, operation="mv", resource=f"{bucket}/{key}")


def _source(value: Any) -> Any:
    return os.fspath(value) if isinstance(value, (str, os.PathLike)) else memoryview(value)
