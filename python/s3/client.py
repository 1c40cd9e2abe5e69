"""``s3.Client``: the modern, exception-raising S3 API on storewire's native HTTP engine.

Every method raises a :mod:`storewire.errors` type (``NotFoundError`` is a
``FileNotFoundError``, ``PermissionDeniedError`` a ``PermissionError``, transport failures
``TransportError``, a ``ConnectionError``) carrying the S3 Code, Message and RequestId.

    client = s3.Client("127.0.0.1:7480", access_key="...", secret_key="...", tls=False)
    client.create_bucket("data")
    client.upload_file("big.bin", "data", "big.bin")      # parallel multipart above 32 MiB
    client.download_file("data", "big.bin", "copy.bin")   # parallel ranged GETs, verified
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from storewire import errors
from storewire._native import auth, xml
from storewire._native import http as _http
from storewire.config import Secret, require, resolve
from storewire.log import get_logger
from storewire.verbs import deprecated as _deprecated

from . import _replies, _retries, _transfer
from ._errors import error_from_response
from ._paging import DEFAULT_MAX_EMPTY_PAGES, PageGuard
from ._replies import Reply
from ._requests import check_name, check_query, header_items
from ._signing import Addresser, Addressing, Headers, Query, SignatureVersion, Signer
from ._signing import parse_endpoint as _parse_endpoint
from ._verbs import Verbs
from .config import Config
from .types import (
    META_PREFIX,
    Bucket,
    DeleteError,
    ListPage,
    MultipartUpload,
    ObjectHead,
    ObjectInfo,
)

__all__ = ["Client"]

_log = get_logger("s3")

MiB = 1024 * 1024
_SMALL_BODY_SIGNED = 1 * MiB  # buffers up to this size get a signed SHA-256 payload hash
_MD5_ETAG = re.compile(r"^[0-9a-f]{32}$")

Progress = Callable[[int], None]
HeaderArg = Mapping[str, str] | None


def _has_meta(items: Headers) -> bool:
    return any(k.lower().startswith(META_PREFIX) for k, _ in items)


def _resource(bucket: str | None, key: str | None) -> str:
    return f"{bucket}/{key}" if key else (bucket or "")


class Client(Verbs):
    """An S3 client: SigV4 (default) or SigV2, path-style (default) or virtual-hosted.

    ``endpoint`` is ``host[:port]`` (scheme from ``tls``) or a URL. Files at least
    ``multipart_threshold_bytes`` long go up as parallel multipart uploads of
    ``part_size_bytes`` parts; downloads of more than one part run as parallel ranged GETs
    straight into the file. ``max_concurrency`` bounds the requests in flight.
    ``verify_checksums`` sends Content-MD5 with every body and checks ETags (MD5, and the
    MD5-of-MD5s of multipart objects) on uploads and downloads; ``upload_file`` also
    records the file's CRC32C (``x-amz-meta-storewire-crc32c``), which ``download_file``
    then checks instead of the ETag (docs/s3-client.md). Remaining keyword
    arguments go to :class:`storewire._native.http.Client` (``connect_timeout_s``,
    ``timeout_s``, ``max_retries``, ``proxy``, ``verify_tls``, ``ca_file``, ...).
    What the arguments leave unset comes from ``config`` (an :class:`s3.config.Config`),
    by default read from ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION`` /
    ``AWS_DEFAULT_REGION`` and the ``STOREWIRE_*`` variables.

    What servers say is checked before use (``ProtocolError`` naming the field when it is
    malformed): a write's reply must carry an ETag, a HEAD a Content-Length, an XML reply
    the document asked for. Listings stop with ``ProtocolError`` when the server repeats a
    marker or continuation token, and after ``max_empty_pages`` (default 100) consecutive
    truncated pages without entries. An error that may only mean an earlier attempt of
    the same request was applied (409/412 on a PUT, NoSuchUpload or a 5xx on completing a
    multipart upload) is checked against the stored object (size and MD5 or multipart
    ETag) and reported as success when it is exactly what was sent; a 404 on a delete
    that may have been sent twice (an engine retry, or a new connection) counts as done.
    """

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        access_key: str | Secret | None = None,
        secret_key: str | Secret | None = None,
        region: str | None = None,
        tls: bool = True,
        signature_version: SignatureVersion = "v4",
        addressing: Addressing = "path",
        session_token: str | Secret | None = None,
        multipart_threshold_bytes: int = 32 * MiB,
        part_size_bytes: int = 16 * MiB,
        max_concurrency: int | None = None,
        verify_checksums: bool = True,
        max_empty_pages: int = DEFAULT_MAX_EMPTY_PAGES,
        config: Config | None = None,
        **http_options: Any,
    ) -> None:
        cfg = resolve(
            Config, config, endpoint=endpoint, access_key=access_key, secret_key=secret_key,
            region=region, session_token=session_token, max_in_flight=max_concurrency,
        )
        require(cfg, "endpoint", "access_key", "secret_key")
        assert cfg.endpoint and cfg.access_key and cfg.secret_key  # checked just above
        if part_size_bytes < 5 * MiB:
            raise ValueError("part_size_bytes must be at least 5 MiB (an S3 limit)")
        if multipart_threshold_bytes < 1:
            raise ValueError("multipart_threshold_bytes must be positive")
        if cfg.max_in_flight < 1:
            raise ValueError("max_concurrency must be at least 1")
        if max_empty_pages < 0:
            raise ValueError("max_empty_pages must not be negative")
        scheme, host = _parse_endpoint(cfg.endpoint, tls)
        self.config = cfg
        self.endpoint = f"{scheme}://{host}"
        self.region = cfg.region
        self.multipart_threshold_bytes = multipart_threshold_bytes
        self.part_size_bytes = part_size_bytes
        self.max_concurrency = cfg.max_in_flight
        self.verify_checksums = verify_checksums
        self.max_empty_pages = max_empty_pages
        self._addresser = Addresser(scheme, host, addressing)
        self._signer = Signer(
            cfg.access_key,
            cfg.secret_key,
            region=cfg.region,
            version=signature_version,
            session_token=cfg.session_token,
        )
        options = cfg.http_options()
        options.update(http_options)
        self._http = _http.Client(**options)

    def __repr__(self) -> str:
        return (
            f"Client(endpoint={self.endpoint!r}, region={self.region!r}, "
            f"signature_version={self._signer.version!r}, "
            f"addressing={self._addresser.addressing!r})"
        )

    @property
    def signature_version(self) -> str:
        return self._signer.version

    @property
    def http(self) -> _http.Client:
        """The native engine this client runs on (shared with its transfers)."""
        return self._http

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- request plumbing ----------------------------------------------------------------

    def build_request(
        self,
        method: str,
        bucket: str | None,
        key: str | None = None,
        *,
        query: Query = (),
        headers: Headers | None = None,
        body: Any = None,
        body_file: str | os.PathLike[str] | None = None,
        body_offset: int = 0,
        body_length: int | None = None,
        into_file: str | os.PathLike[str] | None = None,
        into_offset: int = 0,
        content_md5: str | None = None,
        retry: bool | None = None,
        crc32c: bool = False,
    ) -> _http.Request:
        """A signed native request. Buffers up to 1 MiB are signed with their SHA-256;
        larger bodies and files go as UNSIGNED-PAYLOAD with Content-MD5."""
        check_name(bucket, key, method)
        check_query(query, method)
        target = self._addresser.target(bucket, key, query)
        items = list(headers or [])
        if body is None and body_file is None and method in ("PUT", "POST"):
            body = b""  # an explicit Content-Length: 0 (S3 answers 411 without one)
        if body is not None and not len(memoryview(body)):
            payload = auth.EMPTY_SHA256
        elif body is not None:
            view = memoryview(body)
            if self.verify_checksums and content_md5 is None:
                content_md5 = auth.md5_base64(view)
            payload = (
                auth.sha256_hex(view)
                if view.nbytes <= _SMALL_BODY_SIGNED
                else auth.UNSIGNED_PAYLOAD
            )
        elif body_file is not None:
            payload = auth.UNSIGNED_PAYLOAD
        else:
            payload = auth.EMPTY_SHA256
        if content_md5:
            items.append(("Content-MD5", content_md5))
        signed = self._signer.sign(method, target, query, items, payload)
        return _http.Request(
            method,
            target.url,
            headers=signed,
            body=body,
            body_file=body_file,
            body_offset=body_offset,
            body_length=body_length,
            into_file=into_file,
            into_offset=into_offset,
            retry=retry,
            crc32c=crc32c,
        )

    def check(
        self, resp: _http.Response, operation: str, resource: str, ok: Sequence[int] = (200,)
    ) -> _http.Response:
        """``resp`` when its status is in ``ok``; else the storewire error is raised."""
        if resp.error is not None:
            raise resp.error
        if resp.status not in ok:
            raise error_from_response(resp, operation=operation, resource=resource)
        return resp

    def _send(
        self, method: str, bucket: str | None, key: str | None = None, **kwargs: Any
    ) -> _http.Response:
        """One request, its reply unchecked (transport failures still raise)."""
        return self._http.perform(self.build_request(method, bucket, key, **kwargs))

    def _call(
        self,
        operation: str,
        method: str,
        bucket: str | None,
        key: str | None = None,
        *,
        ok: Sequence[int] = (200,),
        **kwargs: Any,
    ) -> _http.Response:
        resp = self._send(method, bucket, key, **kwargs)
        return self.check(resp, operation, _resource(bucket, key), ok)

    def _finish_put(
        self,
        resp: _http.Response,
        bucket: str,
        key: str,
        size: int,
        md5: bytes | None,
        data_md5: Callable[[], bytes],
        operation: str,
        headers: Headers | None = None,
    ) -> str:
        """The ETag of a PUT: checked against the MD5 sent, and a PUT that meets "already
        exists" resolved by looking at what is stored."""
        resource = f"{bucket}/{key}"
        if resp.error is None and _retries.is_write_conflict(resp, headers or []):
            expected = (md5 or data_md5()).hex()
            head = _retries.stored_is(
                self, bucket, key, size=size, etag=expected, why=f"HTTP {resp.status}"
            )
            if head is not None:
                return head.etag
        self.check(resp, operation, resource)
        etag = Reply(operation, resource).required_etag(resp)
        if md5 is not None and _MD5_ETAG.match(etag) and etag != md5.hex():
            raise errors.IntegrityError(
                f"ETag {etag} does not match the MD5 {md5.hex()} of the data sent",
                operation=operation,
                resource=resource,
            )
        return etag

    # ---- buckets ---------------------------------------------------------------------------

    def list_buckets(self) -> list[Bucket]:
        resp = self._call("list_buckets", "GET", None)
        return _replies.buckets(Reply("list_buckets", ""), resp)

    def create_bucket(self, bucket: str, *, region: str | None = None) -> None:
        """Create ``bucket``; a LocationConstraint is sent for regions other than us-east-1."""
        where = region if region is not None else self.region
        body = None
        if where and where != "us-east-1":
            body = xml.build("CreateBucketConfiguration", [("LocationConstraint", where)])
        resp = self._send("PUT", bucket, body=body)
        if (
            resp.status == 409
            and _retries.maybe_resent(resp)
            and _replies.error_fields(resp.body)[0] == "BucketAlreadyOwnedByYou"
        ):
            return  # an earlier attempt created it
        self.check(resp, "create_bucket", bucket)

    def delete_bucket(self, bucket: str) -> None:
        resp = self._send("DELETE", bucket)
        if resp.status == 404 and _retries.maybe_resent(resp):
            return  # an earlier attempt deleted it
        self.check(resp, "delete_bucket", bucket, (204, 200))

    def bucket_exists(self, bucket: str) -> bool:
        try:
            self._call("bucket_exists", "HEAD", bucket)
        except errors.NotFoundError:
            return False
        return True

    # ---- listing ---------------------------------------------------------------------------

    def list_objects_page(
        self,
        bucket: str,
        *,
        prefix: str | None = None,
        delimiter: str | None = None,
        max_keys: int = 1000,
        continuation_token: str | None = None,
        start_after: str | None = None,
    ) -> ListPage:
        """One page of ListObjectsV2."""
        page = self._list_page(
            bucket, 2, prefix, delimiter, max_keys, continuation_token, start_after
        )
        return ListPage(page.objects, page.prefixes, page.is_truncated, page.next_marker)

    def _list_page(
        self,
        bucket: str,
        version: int,
        prefix: str | None,
        delimiter: str | None,
        max_keys: int,
        marker: str | None,
        start_after: str | None = None,
    ) -> _replies.Listing:
        query: list[tuple[str, str | None]] = []
        if version == 2:
            query.append(("list-type", "2"))
        query.append(("max-keys", str(max_keys)))
        if prefix:
            query.append(("prefix", prefix))
        if delimiter:
            query.append(("delimiter", delimiter))
        if marker:
            query.append(("continuation-token" if version == 2 else "marker", marker))
        if start_after:
            query.append(("start-after", start_after))
        resp = self._call("list_objects", "GET", bucket, query=query)
        return _replies.listing(Reply("list_objects", bucket), resp, version)

    def _pages(
        self,
        bucket: str,
        prefix: str | None,
        delimiter: str | None,
        page_size: int,
        version: int,
    ) -> Iterator[_replies.Listing]:
        if version not in (1, 2):
            raise errors.InvalidRequestError(
                f"list_version must be 1 or 2, not {version!r}", operation="list_objects"
            )
        guard = PageGuard("list_objects", bucket, self.max_empty_pages)
        marker: str | None = None
        while True:
            page = self._list_page(bucket, version, prefix, delimiter, page_size, marker)
            yield page
            if not page.is_truncated or page.next_marker is None:
                return
            guard.follow(page.next_marker, len(page.objects) + len(page.prefixes))
            marker = page.next_marker

    def list_objects(
        self,
        bucket: str,
        *,
        prefix: str | None = None,
        delimiter: str | None = None,
        page_size: int = 1000,
        list_version: int = 2,
    ) -> Iterator[ObjectInfo]:
        """Every object under ``prefix`` (all pages, lazily); ``list_version=1`` uses
        ListObjects (markers) for servers without ListObjectsV2."""
        for page in self._pages(bucket, prefix, delimiter, page_size, list_version):
            yield from page.objects

    def list_prefixes(
        self,
        bucket: str,
        *,
        prefix: str | None = None,
        delimiter: str = "/",
        page_size: int = 1000,
        list_version: int = 2,
    ) -> Iterator[str]:
        """The common prefixes ("directories") under ``prefix``."""
        for page in self._pages(bucket, prefix, delimiter, page_size, list_version):
            yield from page.prefixes

    # ---- objects ---------------------------------------------------------------------------

    def put_object(
        self,
        bucket: str,
        key: str,
        data: Any,
        *,
        metadata: Mapping[str, str] | None = None,
        headers: HeaderArg = None,
    ) -> str:
        """Store a buffer (bytes, bytearray, memoryview, numpy...) as one object; the ETag.

        ``metadata`` values (and ``headers``) must be US-ASCII without control characters:
        anything else is an ``InvalidRequestError`` before a byte is sent. A reply without
        an ETag is a ``ProtocolError``: nothing says the object was stored."""
        items = header_items(headers, metadata, "put_object")
        # One MD5 pass serves both the Content-MD5 header and the ETag check.
        md5 = auth.digest("md5", data) if self.verify_checksums else None
        resp = self._send(
            "PUT",
            bucket,
            key,
            headers=items,
            body=data,
            content_md5=auth.base64_encode(md5) if md5 is not None else None,
        )
        return self._finish_put(
            resp,
            bucket,
            key,
            memoryview(data).nbytes,
            md5,
            lambda: auth.digest("md5", data),
            "put_object",
            items,
        )

    def get_object(
        self, bucket: str, key: str, *, range_bytes: tuple[int, int] | None = None
    ) -> bytes:
        """The object's bytes (``range_bytes=(first, last)`` inclusive for a slice)."""
        items: Headers = []
        if range_bytes is not None:
            first, last = range_bytes
            if not 0 <= first <= last:
                raise errors.InvalidRequestError(
                    f"range_bytes {range_bytes!r} must be (first, last) with 0 <= first <= last",
                    operation="get_object",
                    resource=f"{bucket}/{key}",
                )
            items.append(("Range", f"bytes={first}-{last}"))
        ok = (206, 200) if range_bytes is not None else (200,)
        resp = self._call("get_object", "GET", bucket, key, headers=items, ok=ok)
        body = self._checked_body(resp, bucket, key)
        if resp.status == 206 and range_bytes is not None:
            reply = Reply("get_object", f"{bucket}/{key}")
            got = reply.content_range(resp)
            if got is None or got[0] != range_bytes[0] or got[1] > range_bytes[1]:
                raise reply.fail(
                    "Content-Range header", resp.header("Content-Range"),
                    f"does not answer the range {range_bytes[0]}-{range_bytes[1]} asked for",
                )
            if len(body) != got[1] - got[0] + 1:
                raise reply.fail("Content-Range header", resp.header("Content-Range"),
                                 f"but {len(body)} body bytes arrived")
        elif range_bytes is not None:  # the server ignored Range: cut the slice out
            body = body[range_bytes[0] : range_bytes[1] + 1]
        return body

    def _checked_body(self, resp: _http.Response, bucket: str, key: str) -> bytes:
        """A GET's body, complete (Content-Length) and, for a whole object with an MD5
        ETag, matching it."""
        body = resp.body
        reply = Reply("get_object", f"{bucket}/{key}")
        reply.body_complete(resp, len(body))
        etag = reply.etag(resp.header("ETag"), "ETag header")
        if (
            self.verify_checksums
            and resp.status == 200
            and _MD5_ETAG.match(etag)
            and auth.md5_hex(body) != etag
        ):
            raise errors.IntegrityError(
                f"downloaded data does not match ETag {etag}",
                operation="get_object",
                resource=f"{bucket}/{key}",
            )
        return body

    def head_object(self, bucket: str, key: str, *, part_number: int | None = None) -> ObjectHead:
        query = [("partNumber", str(part_number))] if part_number else []
        resp = self._call("head_object", "HEAD", bucket, key, query=query)
        return Reply("head_object", f"{bucket}/{key}").head(resp)

    def object_exists(self, bucket: str, key: str) -> bool:
        try:
            self.head_object(bucket, key)
        except errors.NotFoundError:
            return False
        return True

    def delete_object(self, bucket: str, key: str) -> None:
        resp = self._send("DELETE", bucket, key)
        if resp.status == 404 and _retries.maybe_resent(resp):
            return  # an earlier attempt deleted it; its answer was lost
        self.check(resp, "delete_object", f"{bucket}/{key}", (204, 200))

    def delete_objects(self, bucket: str, keys: Iterable[str]) -> list[DeleteError]:
        """Delete many keys (1000 per request, requests in parallel); the per-key errors."""
        all_keys = list(keys)
        requests = []
        for start in range(0, len(all_keys), 1000):
            body = xml.build(
                "Delete",
                [
                    ("Quiet", True),
                    *(("Object", [("Key", k)]) for k in all_keys[start : start + 1000]),
                ],
            )
            requests.append(
                self.build_request(
                    "POST",
                    bucket,
                    None,
                    query=[("delete", None)],
                    body=body,
                    content_md5=auth.md5_base64(body),
                    retry=True,
                )
            )
        failed: list[DeleteError] = []
        sent = set(all_keys)
        for resp in self._http.perform_many(requests):
            self.check(resp, "delete_objects", bucket)
            failed.extend(_replies.delete_errors(Reply("delete_objects", bucket), resp, sent))
        return failed

    def copy_object(
        self,
        src_bucket: str,
        src_key: str,
        bucket: str,
        key: str,
        *,
        metadata: Mapping[str, str] | None = None,
        headers: HeaderArg = None,
    ) -> str:
        """Server-side copy; the ETag. With metadata (``metadata`` or ``x-amz-meta-*`` in
        ``headers``) the destination gets exactly that metadata (REPLACE), else the
        source's (COPY)."""
        items = header_items(headers, metadata, "copy_object")
        check_name(src_bucket, src_key, "copy_object")
        directive = "REPLACE" if metadata is not None or _has_meta(items) else "COPY"
        items.append(("x-amz-copy-source", "/" + auth.uri_encode(f"{src_bucket}/{src_key}")))
        items.append(("x-amz-metadata-directive", directive))
        resp = self._call("copy_object", "PUT", bucket, key, headers=items)
        return _replies.copied_etag(Reply("copy_object", f"{bucket}/{key}"), resp)

    def presign(self, method: str, bucket: str, key: str, *, expires_s: int = 3600) -> str:
        """A URL that performs ``method`` on the object without credentials."""
        check_name(bucket, key, "presign")
        return self._signer.presign(method.upper(), self._addresser.target(bucket, key), expires_s)

    # ---- multipart -------------------------------------------------------------------------

    def create_multipart_upload(
        self,
        bucket: str,
        key: str,
        *,
        metadata: Mapping[str, str] | None = None,
        headers: HeaderArg = None,
    ) -> str:
        items = header_items(headers, metadata, "create_multipart_upload")
        resp = self._call(
            "create_multipart_upload",
            "POST",
            bucket,
            key,
            query=[("uploads", None)],
            headers=items,
            retry=True,
        )
        return _replies.upload_id(Reply("create_multipart_upload", f"{bucket}/{key}"), resp)

    def part_request(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        *,
        body: Any = None,
        body_file: str | os.PathLike[str] | None = None,
        body_offset: int = 0,
        body_length: int | None = None,
        content_md5: str | None = None,
    ) -> _http.Request:
        return self.build_request(
            "PUT",
            bucket,
            key,
            query=[("partNumber", str(part_number)), ("uploadId", upload_id)],
            body=body,
            body_file=body_file,
            body_offset=body_offset,
            body_length=body_length,
            content_md5=content_md5,
        )

    def complete_multipart_upload(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        etags: Sequence[str],
        *,
        size: int | None = None,
    ) -> str:
        """Complete with parts 1..N whose ETags are ``etags``; the object's ETag (may be
        empty: radosgw sends an empty one). When it meets NoSuchUpload or a server
        error, the object is checked (its multipart ETag, and ``size`` when given) and,
        if it is the one these parts make, the upload counts as completed (whether or
        not the engine saw a retry: libcurl re-sends on a dead keep-alive connection by
        itself, and radosgw answers a repeated completion with 500)."""
        body = xml.build(
            "CompleteMultipartUpload",
            [
                ("Part", [("PartNumber", str(n)), ("ETag", f'"{e}"')])
                for n, e in enumerate(etags, start=1)
            ],
        )
        resp = self._send(
            "POST", bucket, key, query=[("uploadId", upload_id)], body=body, retry=True
        )
        resource = f"{bucket}/{key}"
        # NoSuchUpload (S3) or a 5xx "completion already in progress" (radosgw) may mean
        # an earlier attempt completed it; the object itself says whether it did.
        code = _replies.error_fields(resp.body)[0]
        if (resp.status == 404 and code in ("NoSuchUpload", "")) or resp.status >= 500:
            head = _retries.stored_is(
                self,
                bucket,
                key,
                size=size,
                etag=_retries.multipart_etag(list(etags)),
                why="NoSuchUpload",
            )
            if head is not None:
                return head.etag
        self.check(resp, "complete_multipart_upload", resource)
        return _replies.completed_etag(Reply("complete_multipart_upload", resource), resp)

    def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        self._call(
            "abort_multipart_upload",
            "DELETE",
            bucket,
            key,
            query=[("uploadId", upload_id)],
            ok=(204, 200),
        )

    def list_multipart_uploads(
        self, bucket: str, *, prefix: str | None = None
    ) -> list[MultipartUpload]:
        """Every unfinished multipart upload (all pages, bounded like listings)."""
        guard = PageGuard("list_multipart_uploads", bucket, self.max_empty_pages)
        found: list[MultipartUpload] = []
        marker: tuple[str, str] | None = None
        while True:
            query: list[tuple[str, str | None]] = [("uploads", None)]
            if prefix:
                query.append(("prefix", prefix))
            if marker is not None:
                query.append(("key-marker", marker[0]))
                if marker[1]:
                    query.append(("upload-id-marker", marker[1]))
            resp = self._call("list_multipart_uploads", "GET", bucket, query=query)
            page = _replies.uploads(Reply("list_multipart_uploads", bucket), resp)
            found.extend(page.uploads)
            if not page.is_truncated or page.next_marker is None:
                return found
            guard.follow(page.next_marker, len(page.uploads))
            marker = page.next_marker

    # ---- files -----------------------------------------------------------------------------

    def upload_file(
        self,
        path: str | os.PathLike[str],
        bucket: str,
        key: str,
        *,
        metadata: Mapping[str, str] | None = None,
        headers: HeaderArg = None,
        progress: Progress | None = None,
    ) -> str:
        """Stream a file to ``bucket/key``; the ETag. Parallel multipart from
        ``multipart_threshold_bytes`` on; a failed multipart upload is aborted."""
        items = header_items(headers, metadata, "upload_file")
        return _transfer.upload_file(self, os.fspath(path), bucket, key, items, progress)

    def download_file(
        self,
        bucket: str,
        key: str,
        path: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
    ) -> ObjectHead:
        """Stream ``bucket/key`` into a file (parallel ranged GETs for large objects),
        verify it against the HEAD's size and the CRC32C ``upload_file`` recorded, else the
        (MD5 or multipart) ETag, then move it into place; the object's HEAD. The data goes
        to a temporary ``.<name>.<random>.part`` file in the destination directory, removed
        on any failure or Ctrl-C: ``path`` is either the whole object or left untouched."""
        return _transfer.download_file(self, bucket, key, os.fspath(path), progress)

    # ---- many small objects at once -----------------------------------------------------

    def put_objects(self, bucket: str, items: Iterable[tuple[str, Any]]) -> list[str]:
        """PUT many buffers concurrently (up to ``max_concurrency`` in flight); the ETags.
        Raises the first failure after every request has finished."""
        pairs = list(items)
        md5s = [auth.digest("md5", v) if self.verify_checksums else None for _, v in pairs]
        requests = [
            self.build_request(
                "PUT", bucket, k, body=v,
                content_md5=auth.base64_encode(m) if m is not None else None,
            )
            for (k, v), m in zip(pairs, md5s, strict=True)
        ]
        out = []
        responses = self._http.perform_many(requests)
        for (key, data), md5, resp in zip(pairs, md5s, responses, strict=True):
            out.append(
                self._finish_put(
                    resp,
                    bucket,
                    key,
                    memoryview(data).nbytes,
                    md5,
                    functools.partial(auth.digest, "md5", data),
                    "put_object",
                )
            )
        return out

    def get_objects(self, bucket: str, keys: Iterable[str]) -> list[bytes]:
        """Deprecated: use :meth:`get_many` (``{key: bytes}``). GET many objects
        concurrently; their bodies, in order."""
        _deprecated("s3.Client.get_objects", "s3.Client.get_many")
        names = list(keys)
        requests = [self.build_request("GET", bucket, k) for k in names]
        out = []
        for key, resp in zip(names, self._http.perform_many(requests), strict=True):
            self.check(resp, "get_object", f"{bucket}/{key}")
            out.append(self._checked_body(resp, bucket, key))
        return out
