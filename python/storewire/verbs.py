"""The verb table the modern clients share (``docs/verbs.md``): its record and range types.

``ds3.Client``, ``s3.Client``, ``sector.Client`` and ``v3io.ObjectClient`` all offer
``ls``, ``head``, ``get``, ``get_into``, ``get_file``, ``put``, ``put_file``, ``put_many``,
``get_many``, ``delete``, ``delete_many``, ``cp`` and ``mv`` with the same argument names
and the same return shapes. This module holds what they share, so nothing is defined twice:

- :class:`ObjectMeta`, what ``ls`` and ``head`` return;
- :class:`ByteRange`, the one range convention (half-open ``[start, end)``, as slicing);
- :class:`UnsupportedOperationError`, raised by a verb a backend cannot perform;
- the argument checks and steps more than one backend takes the same way
  (:func:`get_into_range`, :func:`copy_into`, :func:`raise_delete_failures`,
  :class:`NoServerCopy` ...).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, ClassVar, NamedTuple, Protocol, Union

from storewire import errors

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = [
    "ByteRange",
    "DeleteFailure",
    "NoServerCopy",
    "ObjectMeta",
    "RangeArg",
    "UnsupportedOperationError",
    "buffer_size",
    "byte_range",
    "copy_into",
    "deprecated",
    "get_into_range",
    "item_list",
    "join_key",
    "key_list",
    "parse_mtime",
    "raise_delete_failures",
    "write_file",
]

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class ObjectMeta:
    """One object, as ``ls`` and ``head`` describe it on every backend.

    ``etag`` is the server's entity tag where the system has one (S3, DS3) and None where
    it has none (Sector, V3IO); ``mtime`` is timezone-aware UTC, None when not sent.
    """

    key: str
    size: int
    etag: str | None = None
    mtime: datetime | None = None


class ByteRange(NamedTuple):
    """Bytes ``start`` up to (not including) ``end`` of an object; ``end=None``: to its end.

    The same rule as ``data[start:end]``: an ``end`` past the object's end is clipped,
    and a ``start`` at or past the end gives no bytes. A plain ``(start, end)`` tuple
    works wherever a ``ByteRange`` does.
    """

    start: int
    end: int | None = None


RangeArg = ByteRange | tuple[int, int | None] | None


class UnsupportedOperationError(errors.StorageError, NotImplementedError):
    """A verb this backend cannot perform (docs/verbs.md says why for each)."""


def byte_range(value: RangeArg, operation: str, resource: str) -> ByteRange | None:
    """``value`` checked and as a :class:`ByteRange` (None stays None)."""
    if value is None:
        return None
    try:
        start, end = value
    except (TypeError, ValueError):
        start, end = None, None
    ok = (isinstance(start, int) and not isinstance(start, bool) and start >= 0
          and (end is None or (isinstance(end, int) and not isinstance(end, bool)
                               and end >= start)))
    if not ok:
        raise errors.InvalidRequestError(
            f"range {value!r} must be (start, end) with 0 <= start <= end, or (start, None)",
            operation=operation, resource=resource)
    assert isinstance(start, int)
    return ByteRange(start, end)


def copy_into(buffer: Buffer, data: Buffer, operation: str, resource: str) -> int:
    """Copies ``data`` to the start of the writable ``buffer``; the number of bytes."""
    target = memoryview(buffer).cast("B")
    if target.readonly:
        raise errors.InvalidRequestError("get_into needs a writable buffer (e.g. bytearray)",
                                         operation=operation, resource=resource)
    source = memoryview(data).cast("B")
    if source.nbytes > target.nbytes:
        raise errors.BufferTooSmallError(
            f"{source.nbytes} bytes do not fit a buffer of {target.nbytes}",
            operation=operation, resource=resource)
    target[: source.nbytes] = source
    return source.nbytes


def get_into_range(range: RangeArg, buffer: Buffer, resource: str) -> ByteRange | None:
    """``get_into``'s arguments checked before any request: ``range`` as a
    :class:`ByteRange` (or None) and ``buffer`` writable."""
    rng = byte_range(range, "get_into", resource)
    buffer_size(buffer, "get_into", resource)
    return rng


def key_list(keys: Iterable[str], operation: str, bucket: str) -> list[str]:
    """The keys of a ``*_many`` call, each once, in the order given. A lone string would
    be read as one key per character, so it is refused, as is a key that is not a str."""
    if isinstance(keys, (str, bytes, bytearray)):
        raise errors.InvalidRequestError(
            f"{operation} takes an iterable of keys, not a single {type(keys).__name__}",
            operation=operation, resource=bucket)
    names = list(keys)
    _check_keys(names, operation, bucket)
    return list(dict.fromkeys(names))


def item_list(items: Mapping[str, Buffer | PathLike], bucket: str
              ) -> list[tuple[str, Buffer | PathLike]]:
    """``put_many``'s ``{key: buffer or file path}`` checked, as pairs."""
    if not isinstance(items, Mapping):
        raise errors.InvalidRequestError(
            f"put_many takes {{key: buffer or file path}}, not {type(items).__name__}",
            operation="put_many", resource=bucket)
    pairs = list(items.items())
    _check_keys([k for k, _ in pairs], "put_many", bucket)
    return pairs


def _check_keys(keys: Sequence[object], operation: str, bucket: str) -> None:
    for key in keys:
        if not isinstance(key, str):
            raise errors.InvalidRequestError(
                f"key {key!r} must be a str", operation=operation, resource=bucket)


def buffer_size(buffer: Buffer, operation: str, resource: str) -> int:
    """The byte size of a writable buffer (a read-only one is the caller's mistake)."""
    view = memoryview(buffer)
    if view.readonly:
        raise errors.InvalidRequestError("get_into needs a writable buffer (e.g. bytearray)",
                                         operation=operation, resource=resource)
    return view.nbytes


def parse_mtime(text: str | None) -> datetime | None:
    """A server's modification time (ISO 8601 or HTTP date) as UTC; None if absent or
    unreadable (a listing is still useful without it)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        from email.utils import parsedate_to_datetime  # HTTP dates only: a slow import

        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def deprecated(old: str, new: str) -> None:
    """Warns that ``old`` is a deprecated alias kept for one release."""
    warnings.warn(f"{old} is deprecated and will be removed in the next release; "
                  f"use {new} (docs/verbs.md)", DeprecationWarning, stacklevel=3)


def join_key(prefix: str, key: str, operation: str) -> str:
    """``key`` checked as a relative ``/``-separated object name, appended to ``prefix``.

    Systems with real directories (Sector, V3IO) would resolve ``..`` or an empty
    segment, so such keys are refused the same way on every backend that needs it.
    """
    parts = key.split("/")
    if not key or any(p in ("", ".", "..") for p in parts):
        raise errors.InvalidRequestError(
            f"key {key!r} must be a relative name without empty, '.' or '..' segments",
            operation=operation, resource=key)
    return f"{prefix}/{key}"


def write_file(path: PathLike, data: Buffer) -> int:
    """Writes ``data`` to ``path`` all or nothing (a temporary name, then a rename)."""
    target = os.fspath(path)
    temp = os.path.join(os.path.dirname(target) or ".",
                        f".{os.path.basename(target)}.{os.getpid()}.part")
    try:
        with open(temp, "wb") as f:
            written = f.write(data)
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return written


class DeleteFailure(Protocol):
    """A key a multi-object delete could not remove, as DS3 and S3 report it."""

    @property
    def key(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...


def raise_delete_failures(bucket: str, count: int, failed: Sequence[DeleteFailure]) -> None:
    """``delete_many``'s outcome: the first of ``failed`` as a StorageError that says how
    many of the ``count`` keys were not deleted; nothing when none failed."""
    if failed:
        first = failed[0]
        raise errors.StorageError(
            f"{len(failed)} of {count} keys not deleted; "
            f"{first.key!r}: {first.code} {first.message}",
            code=first.code, operation="delete_many", resource=f"{bucket}/{first.key}")


class NoServerCopy:
    """``cp`` and ``mv`` for a backend with no server-side copy or rename: both raise
    :class:`UnsupportedOperationError` giving the class's ``_no_copy`` reason."""

    _no_copy: ClassVar[str]

    def cp(self, bucket: str, key: str, dest_key: str, *,
           dest_bucket: str | None = None) -> None:
        """Not supported on this backend: raises ``UnsupportedOperationError``
        (docs/verbs.md says why)."""
        raise UnsupportedOperationError(self._no_copy, operation="cp",
                                        resource=f"{bucket}/{key}")

    def mv(self, bucket: str, key: str, dest_key: str, *,
           dest_bucket: str | None = None) -> None:
        """Not supported on this backend: raises ``UnsupportedOperationError``
        (docs/verbs.md says why)."""
        raise UnsupportedOperationError(self._no_copy, operation="mv",
                                        resource=f"{bucket}/{key}")
