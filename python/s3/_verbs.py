"""The shared verb table (docs/verbs.md) on ``s3.Client``: thin calls over its requests;
many objects go out as one ``perform_many`` batch in the native engine."""

from __future__ import annotations

import os
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from storewire import errors
from storewire._native import auth
from storewire.verbs import (
    ByteRange,
    ObjectMeta,
    RangeArg,
    byte_range,
    copy_into,
    get_into_range,
    item_list,
    key_list,
    parse_mtime,
    raise_delete_failures,
)

if TYPE_CHECKING:
    from typing_extensions import Buffer

    from storewire._native import http as _http
    from storewire.verbs import PathLike

    from .types import DeleteError, ObjectHead, ObjectInfo

__all__ = ["Verbs"]

# A ranged GET with no end asks up to here; servers clip it at the object's end.
_OPEN_END = 2**62


class Verbs:
    """``ls``, ``head``, ``get``/``get_into``/``get_file``, ``put``/``put_file``,
    ``put_many``/``get_many``, ``delete``/``delete_many``, ``cp``/``mv``."""

    if TYPE_CHECKING:
        # What the verbs use of ``Client``, declared for the type checker only; mypy
        # checks ``Client``'s definitions against them (it subclasses this mixin).
        multipart_threshold_bytes: int
        verify_checksums: bool

        @property
        @abstractmethod
        def http(self) -> _http.Client: ...
        @abstractmethod
        def build_request(self, method: str, bucket: str | None, key: str | None = None, *,
                          body: Any = None, body_file: str | None = None,
                          body_length: int | None = None, content_md5: str | None = None
                          ) -> _http.Request: ...
        @abstractmethod
        def check(self, resp: _http.Response, operation: str, resource: str
                  ) -> _http.Response: ...
        @abstractmethod
        def _finish_put(self, resp: _http.Response, bucket: str, key: str, size: int,
                        md5: bytes | None, data_md5: Callable[[], bytes], operation: str
                        ) -> str: ...
        @abstractmethod
        def _checked_body(self, resp: _http.Response, bucket: str, key: str) -> bytes: ...
        @abstractmethod
        def list_objects(self, bucket: str, *, prefix: str | None = None
                         ) -> Iterator[ObjectInfo]: ...
        @abstractmethod
        def head_object(self, bucket: str, key: str) -> ObjectHead: ...
        @abstractmethod
        def get_object(self, bucket: str, key: str, *,
                       range_bytes: tuple[int, int] | None = None) -> bytes: ...
        @abstractmethod
        def put_object(self, bucket: str, key: str, data: Any) -> str: ...
        @abstractmethod
        def delete_object(self, bucket: str, key: str) -> None: ...
        @abstractmethod
        def delete_objects(self, bucket: str, keys: Iterable[str]) -> list[DeleteError]: ...
        @abstractmethod
        def copy_object(self, src_bucket: str, src_key: str, bucket: str, key: str) -> str: ...
        @abstractmethod
        def upload_file(self, path: PathLike, bucket: str, key: str) -> str: ...
        @abstractmethod
        def download_file(self, bucket: str, key: str, path: PathLike) -> ObjectHead: ...

    def ls(self, bucket: str, prefix: str = "") -> list[ObjectMeta]:
        """The objects whose key starts with ``prefix``, in key order."""
        return [ObjectMeta(o.key, o.size, o.etag or None, parse_mtime(o.last_modified))
                for o in self.list_objects(bucket, prefix=prefix or None)]

    def head(self, bucket: str, key: str) -> ObjectMeta:
        info = self.head_object(bucket, key)
        return ObjectMeta(key, info.size, info.etag or None, parse_mtime(info.last_modified))

    def _get_range(self, bucket: str, key: str, rng: ByteRange | None) -> bytes:
        if rng is None:
            return self.get_object(bucket, key)
        if rng.end == rng.start:
            self.head_object(bucket, key)  # a missing key is still NotFoundError
            return b""
        last = _OPEN_END if rng.end is None else rng.end - 1
        try:
            return self.get_object(bucket, key, range_bytes=(rng.start, last))
        except errors.StorageError as exc:
            if exc.status == 416:  # starts at or past the end: no bytes, as slicing
                return b""
            raise

    def get(self, bucket: str, key: str, *, range: RangeArg = None) -> bytes:
        """The object's bytes (``range``: a :class:`~storewire.verbs.ByteRange`)."""
        return self._get_range(bucket, key, byte_range(range, "get", f"{bucket}/{key}"))

    def get_into(self, bucket: str, key: str, buffer: Buffer, *,
                 range: RangeArg = None) -> int:
        """The object (or ``range``) written at the start of ``buffer``; the byte count.
        ``BufferTooSmallError`` when it does not fit."""
        resource = f"{bucket}/{key}"
        rng = get_into_range(range, buffer, resource)
        return copy_into(buffer, self._get_range(bucket, key, rng), "get_into", resource)

    def get_file(self, bucket: str, key: str, path: PathLike) -> int:
        """The object into the file ``path`` (parallel ranged GETs for large objects,
        verified, all or nothing); its size."""
        return self.download_file(bucket, key, path).size

    def put(self, bucket: str, key: str, data: Buffer) -> None:
        """Stores a buffer (bytes, bytearray, memoryview, numpy ...) as ``key``."""
        self.put_object(bucket, key, data)

    def put_file(self, bucket: str, key: str, path: PathLike) -> None:
        """Streams the file ``path`` to ``key`` (multipart when large)."""
        self.upload_file(path, bucket, key)

    def put_many(self, bucket: str, items: Mapping[str, Buffer | PathLike]) -> None:
        """Stores every ``{key: buffer or file path}``: buffers and small files in one
        parallel batch, files past the multipart threshold as multipart uploads."""
        batch: list[tuple[str, Any, int, bytes | None, _http.Request]] = []
        large: list[tuple[str, str]] = []
        for key, value in item_list(items, bucket):
            if isinstance(value, (str, os.PathLike)):
                path = os.fspath(value)
                size = os.stat(path).st_size
                if size >= self.multipart_threshold_bytes:
                    large.append((key, path))
                    continue
                md5 = auth.hash_file(path, "md5") if self.verify_checksums else None
                req = self.build_request("PUT", bucket, key, body_file=path, body_length=size,
                                         content_md5=_b64(md5))
                batch.append((key, path, size, md5, req))
            else:
                md5 = auth.digest("md5", value) if self.verify_checksums else None
                req = self.build_request("PUT", bucket, key, body=value, content_md5=_b64(md5))
                batch.append((key, value, memoryview(value).nbytes, md5, req))
        responses = self.http.perform_many([b[4] for b in batch]) if batch else []
        for (key, source, size, md5, _), resp in zip(batch, responses, strict=True):
            self._finish_put(resp, bucket, key, size, md5, _md5_of(source, size), "put_many")
        for key, path in large:
            self.upload_file(path, bucket, key)

    def get_many(self, bucket: str, keys: Iterable[str]) -> dict[str, bytes]:
        """``{key: bytes}`` for every key, fetched in parallel; raises the first failure
        once all have finished."""
        names = key_list(keys, "get_many", bucket)
        requests = [self.build_request("GET", bucket, k) for k in names]
        out: dict[str, bytes] = {}
        for key, resp in zip(names, self.http.perform_many(requests) if names else [],
                             strict=True):
            self.check(resp, "get_object", f"{bucket}/{key}")
            out[key] = self._checked_body(resp, bucket, key)
        return out

    def delete(self, bucket: str, key: str) -> None:
        """Deletes ``key``; a key that is already gone is not an error (S3 answers 204;
        DS3's S3 side answers NoSuchKey). A missing bucket is ``NotFoundError``."""
        try:
            self.delete_object(bucket, key)
        except errors.NotFoundError as exc:
            if exc.code != "NoSuchKey":
                raise

    def delete_many(self, bucket: str, keys: Iterable[str]) -> None:
        """Deletes every key (missing ones are not an error); raises the first failure."""
        names = key_list(keys, "delete_many", bucket)
        if names:
            raise_delete_failures(bucket, len(names), self.delete_objects(bucket, names))

    def cp(self, bucket: str, key: str, dest_key: str, *,
           dest_bucket: str | None = None) -> None:
        """Server-side copy to ``dest_key`` (in ``dest_bucket``, default the same);
        an existing destination is replaced."""
        self.copy_object(bucket, key, dest_bucket or bucket, dest_key)

    def mv(self, bucket: str, key: str, dest_key: str, *,
           dest_bucket: str | None = None) -> None:
        """A server-side copy, then a delete of the source (S3 has no rename)."""
        self.cp(bucket, key, dest_key, dest_bucket=dest_bucket)
        if (dest_bucket or bucket, dest_key) != (bucket, key):
            self.delete_object(bucket, key)


def _b64(md5: bytes | None) -> str | None:
    return auth.base64_encode(md5) if md5 is not None else None


def _md5_of(source: Any, size: int) -> Any:
    if isinstance(source, str):
        return lambda: auth.hash_file(source, "md5", 0, size)
    return lambda: auth.digest("md5", source)
