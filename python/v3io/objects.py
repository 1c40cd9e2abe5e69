"""``v3io.ObjectClient``: the shared verb table (docs/verbs.md) over V3IO objects.

A verb's ``bucket`` is a container and its ``key`` an object path inside it. Calls go
through a :class:`v3io.dataplane.Client` (whose official API stays as it is); many
objects at once run as one batch, in parallel in the native engine.

    with v3io.ObjectClient(endpoint=..., access_key=...) as objects:
        objects.put("bigdata", "a/b.bin", b"...")
        objects.get("bigdata", "a/b.bin", range=(0, 2))
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from storewire import errors
from storewire.verbs import (
    ByteRange,
    NoServerCopy,
    ObjectMeta,
    RangeArg,
    byte_range,
    copy_into,
    get_into_range,
    item_list,
    join_key,
    key_list,
    parse_mtime,
    write_file,
)

from .dataplane import Client

if TYPE_CHECKING:
    from typing_extensions import Buffer

    from storewire.verbs import PathLike

__all__ = ["ObjectClient"]

_NO_COPY = ("the V3IO data-plane API has no object copy or rename: a copy is a GET and "
            "a PUT through the client")
_LIST_PAGE = 1000


def _path(key: str, operation: str) -> str:
    return join_key("", key, operation)[1:]


class ObjectClient(NoServerCopy):
    """The verb table on V3IO objects: ``ls``, ``head``, ``get``/``get_into``/``get_file``,
    ``put``/``put_file``, ``put_many``/``get_many``, ``delete``/``delete_many``;
    ``cp``/``mv`` raise :class:`~storewire.verbs.UnsupportedOperationError`.

    Give an open ``client`` (it stays the caller's), or the keyword arguments of
    :class:`v3io.dataplane.Client` to make one this object closes.
    """

    _no_copy = _NO_COPY

    def __init__(self, client: Client | None = None, **client_options: Any) -> None:
        if client is not None and client_options:
            raise errors.InvalidRequestError("pass a client or its options, not both")
        self._owned = client is None
        self.client = client if client is not None else Client(**client_options)

    def close(self) -> None:
        if self._owned:
            self.client.close()

    def __enter__(self) -> ObjectClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ObjectClient({self.client!r})"

    # --- listing and metadata ---------------------------------------------------------

    def _directory(self, container: str, directory: str) -> Iterator[Any]:
        """Every page of one directory's listing."""
        marker: str | None = None
        while True:
            out = self.client.get_container_contents(
                container, directory, limit=_LIST_PAGE, marker=marker).output
            yield out
            if out.is_truncated != "true" or not out.next_marker or out.next_marker == marker:
                return
            marker = out.next_marker

    def _check_container(self, container: str) -> None:
        """NotFoundError when ``container`` does not exist."""
        self.client.get_container_contents(container, "/", limit=1)

    def ls(self, bucket: str, prefix: str = "") -> list[ObjectMeta]:
        """The objects whose key starts with ``prefix``, in key order."""
        start = prefix.rsplit("/", 1)[0] + "/" if "/" in prefix else "/"
        found: list[ObjectMeta] = []
        pending = [start]
        seen = {start}
        while pending:
            directory = pending.pop()
            parent = "" if directory == "/" else directory
            try:
                for page in self._directory(bucket, directory):
                    for c in page.contents:
                        if c.key.startswith(prefix) and not c.key.endswith("/"):
                            found.append(ObjectMeta(c.key, int(c.size), None,
                                                    parse_mtime(getattr(c, "last_modified",
                                                                        ""))))
                    for p in page.common_prefixes:
                        name = p.prefix if p.prefix.endswith("/") else p.prefix + "/"
                        if not name.startswith(parent) or len(name) <= len(parent) + 1 \
                                or name in seen:
                            # a directory must lie below the one listed, once: else the
                            # walk would never end
                            raise errors.ProtocolError(
                                f"listing {directory!r} named the directory {name!r}",
                                code="v3io-answer", operation="ls", resource=bucket)
                        seen.add(name)
                        if name.startswith(prefix) or prefix.startswith(name):
                            pending.append(name)
            except errors.NotFoundError:
                if directory == "/":
                    raise  # the container itself is missing
                self._check_container(bucket)
        return sorted(found, key=lambda m: m.key)

    def head(self, bucket: str, key: str) -> ObjectMeta:
        attrs = self.client.get_item(
            bucket, _path(key, "head"),
            attribute_names=["__size", "__mtime_secs", "__mtime_nsecs"]).output.item
        try:
            size = int(attrs["__size"])
            if size < 0:
                raise ValueError(size)
            mtime = datetime.fromtimestamp(
                int(attrs.get("__mtime_secs", 0)) + int(attrs.get("__mtime_nsecs", 0)) / 1e9,
                timezone.utc) if "__mtime_secs" in attrs else None
        except (KeyError, TypeError, ValueError) as exc:
            raise errors.ProtocolError(f"GetItem sent no usable __size/__mtime for {key!r}",
                                       code="v3io-answer", operation="head",
                                       resource=f"{bucket}/{key}") from exc
        return ObjectMeta(key, size, None, mtime)

    # --- reading ------------------------------------------------------------------------

    def _get_range(self, bucket: str, key: str, rng: ByteRange | None, operation: str) -> bytes:
        path = _path(key, operation)
        if rng is None or rng == (0, None):
            return bytes(self.client.get_object(bucket, path).body)
        if rng.end == rng.start:
            self.head(bucket, key)  # a missing key is still NotFoundError
            return b""
        count = None if rng.end is None else rng.end - rng.start
        try:
            return bytes(self.client.get_object(bucket, path, offset=rng.start,
                                                num_bytes=count).body)
        except errors.InvalidRequestError:
            # a range must start inside the object: one that starts at or past its end
            # holds no bytes, as with slicing
            if rng.start >= self.head(bucket, key).size:
                return b""
            raise

    def get(self, bucket: str, key: str, *, range: RangeArg = None) -> bytes:
        """The object's bytes (``range``: a :class:`~storewire.verbs.ByteRange`)."""
        rng = byte_range(range, "get", f"{bucket}/{key}")
        return self._get_range(bucket, key, rng, "get")

    def get_into(self, bucket: str, key: str, buffer: Buffer, *,
                 range: RangeArg = None) -> int:
        """The object (or ``range``) written at the start of ``buffer``; the byte count.
        ``BufferTooSmallError`` when it does not fit."""
        resource = f"{bucket}/{key}"
        rng = get_into_range(range, buffer, resource)
        data = self._get_range(bucket, key, rng, "get_into")
        return copy_into(buffer, data, "get_into", resource)

    def get_file(self, bucket: str, key: str, path: PathLike) -> int:
        """The object into the file ``path`` (all or nothing); its size."""
        return write_file(path, self._get_range(bucket, key, None, "get_file"))

    def get_many(self, bucket: str, keys: Iterable[str]) -> dict[str, bytes]:
        """``{key: bytes}`` for every key, as one parallel batch."""
        names = key_list(keys, "get_many", bucket)
        if not names:
            return {}
        for key in names:
            self.client.batch.get_object(bucket, _path(key, "get_many"))
        responses = self.client.batch.wait()
        return {key: bytes(r.body) for key, r in zip(names, responses, strict=True)}

    # --- writing ------------------------------------------------------------------------

    def put(self, bucket: str, key: str, data: Buffer) -> None:
        """Stores a buffer as ``key`` (replacing it)."""
        self.client.put_object(bucket, _path(key, "put"), body=memoryview(data).cast("B"))

    def put_file(self, bucket: str, key: str, path: PathLike) -> None:
        """Stores the file ``path`` as ``key`` (the file is mapped, not read into memory)."""
        with ExitStack() as stack:
            self.client.put_object(bucket, _path(key, "put_file"), body=_mapped(stack, path))

    def put_many(self, bucket: str, items: Mapping[str, Buffer | PathLike]) -> None:
        """Stores every ``{key: buffer or file path}`` as one parallel batch."""
        pairs = item_list(items, bucket)
        if not pairs:
            return
        with ExitStack() as stack:
            for key, value in pairs:
                body = (_mapped(stack, value) if isinstance(value, (str, os.PathLike))
                        else memoryview(value).cast("B"))
                self.client.batch.put_object(bucket, _path(key, "put_many"), body=body)
            self.client.batch.wait()

    # --- deleting -----------------------------------------------------------------------

    def delete(self, bucket: str, key: str) -> None:
        """Deletes ``key``; a key that is already gone is not an error (a missing
        container is ``NotFoundError``)."""
        try:
            self.client.delete_object(bucket, _path(key, "delete"))
        except errors.NotFoundError:
            self._check_container(bucket)

    def delete_many(self, bucket: str, keys: Iterable[str]) -> None:
        """Deletes every key as one parallel batch (missing ones are not an error)."""
        names = key_list(keys, "delete_many", bucket)
        if not names:
            return
        for key in names:
            self.client.batch.delete_object(bucket, _path(key, "delete_many"),
                                            raise_for_status=[200, 204, 404])
        if any(r.status_code == 404 for r in self.client.batch.wait()):
            self._check_container(bucket)


def _mapped(stack: ExitStack, path: PathLike) -> Any:
    """The file's bytes as a read-only mapping (an empty file: empty bytes)."""
    f = stack.enter_context(open(os.fspath(path), "rb"))
    if os.fstat(f.fileno()).st_size == 0:
        return b""
    mapping = stack.enter_context(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
    view = memoryview(mapping)
    stack.callback(view.release)
    return view
