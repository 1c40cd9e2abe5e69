"""Everything an S3 server says, checked in one place before the client uses it.

XML documents (listings, errors, multipart initiate/complete/list, delete-multiple, copy)
and the response headers the client relies on (ETag, Content-Length, Content-Range)
become plain values here. A violation (a body that is not well-formed UTF-8 XML, the
wrong document, a missing element, a number that is not a plain decimal within S3's
limits, an absurdly long string) is a :class:`storewire.errors.ProtocolError` naming the
field and the value. Code after this module may trust what it returns.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from storewire import errors
from storewire._native import http, xml
from storewire.log import redact

from .types import (
    CRC32C_HEADER,
    META_PREFIX,
    Bucket,
    DeleteError,
    MultipartUpload,
    ObjectHead,
    ObjectInfo,
)

# Far above any S3 object (AWS allows 5 TiB, newer limits 50 TB) yet small enough that
# offsets and sums stay exact everywhere; a bigger "size" is a lie, not an object.
MAX_OBJECT_BYTES = 1 << 50
MAX_KEY_BYTES = 4096  # S3 allows 1024; servers that allow more stay usable
MAX_TEXT_BYTES = 64 * 1024  # tokens, markers, upload ids, messages
MAX_ETAG_CHARS = 1024
MAX_ENTRIES = 100_000  # per listing page (S3 sends at most 1000)
MAX_PARTS = 10_000

_DECIMAL = re.compile(r"[0-9]{1,20}")
_ETAG_CHARS = re.compile(r'[\x21-\x7e]*')  # visible ASCII: what an HTTP header can carry
_CONTENT_RANGE = re.compile(r"bytes ([0-9]{1,20})-([0-9]{1,20})/([0-9]{1,20})")
_SHOWN = 80


def show(value: object) -> str:
    """A bounded, redacted repr of a server's value for an error message."""
    text = repr(value)
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 3] + "..."
    return redact(text)


_DECLARATION = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]{1,40})["']""")


def _encoding(body: bytes) -> str:
    """The document's encoding as the parser would see it: a BOM, NUL bytes (UTF-16/32
    without a BOM) or the declaration; 'utf-8' when nothing says otherwise."""
    start = body.lstrip(b" \t\r\n")[:256]
    if start.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\0" in start[:4]:
        return "utf-16/32"
    m = _DECLARATION.match(start.removeprefix(b"\xef\xbb\xbf"))
    if m is None:
        return "utf-8"
    name = m.group(1).decode("ascii").lower()
    return "utf-8" if name in ("utf-8", "utf8") else name


class Reply:
    """Reads one reply's fields; every failure names ``operation`` and ``resource``."""

    def __init__(self, operation: str, resource: str) -> None:
        self.operation = operation
        self.resource = resource

    def fail(self, field: str, value: object, why: str) -> errors.ProtocolError:
        return errors.ProtocolError(
            f"server sent {field}={show(value)}: {why}",
            operation=self.operation,
            resource=self.resource,
        )

    # ---- documents --------------------------------------------------------------------

    def document(self, resp: http.Response, *roots: str) -> xml.Element:
        """The root of an XML body whose root element is one of ``roots``. An ``<Error>``
        document (S3 sends some failures with status 200) raises the error it describes."""
        body = resp.body
        if not body.strip():
            raise errors.ProtocolError(
                f"empty {resp.status} reply: expected an XML <{roots[0]}> document",
                operation=self.operation,
                resource=self.resource,
            )
        encoding = _encoding(body)
        if encoding != "utf-8":
            # S3 speaks UTF-8 only; a converted UTF-16 document can silently lose characters.
            raise self.fail("XML encoding", encoding, "S3 replies are UTF-8")
        try:
            root = xml.parse(body)
            tag = root.tag
        except errors.ProtocolError as exc:
            raise errors.ProtocolError(
                f"reply body is not an XML <{roots[0]}> document: {exc.message}",
                operation=self.operation,
                resource=self.resource,
            ) from exc
        if tag == "Error":
            code, message, request_id = error_fields(body)
            raise errors.from_status(
                500 if resp.status < 300 else resp.status,
                code or "InternalError",
                message or f"error document in a {resp.status} reply",
                operation=self.operation,
                resource=self.resource,
                request_id=request_id,
            )
        if tag not in roots:
            raise self.fail("root element", tag, f"expected <{roots[0]}>")
        return root

    # ---- fields -----------------------------------------------------------------------

    def text(
        self,
        el: xml.Element,
        name: str,
        *,
        required: bool = False,
        nonempty: bool = False,
        max_bytes: int = MAX_TEXT_BYTES,
    ) -> str:
        """The text of child ``name`` ('' when absent and not ``required``)."""
        try:
            value = el.findtext(name)
        except errors.ProtocolError as exc:  # text that is not valid Unicode
            raise self.fail(f"{el.tag}/{name}", "<undecodable>", exc.message) from exc
        if value is None:
            if required:
                raise self.fail(f"{el.tag}/{name}", None, "missing")
            return ""
        if nonempty and not value:
            raise self.fail(f"{el.tag}/{name}", value, "empty")
        # (A character is at most 4 UTF-8 bytes: most values need no encoding to measure.)
        if len(value) * 4 > max_bytes and len(value.encode("utf-8", "surrogatepass")) > max_bytes:
            raise self.fail(f"{el.tag}/{name}", value, f"longer than {max_bytes} bytes")
        return value

    def number(self, el: xml.Element, name: str, *, maximum: int, required: bool = True) -> int:
        """A plain non-negative decimal no larger than ``maximum`` (-1 when absent)."""
        raw = self.text(el, name, required=required, max_bytes=64)
        if not raw and not required:
            return -1
        value = raw.strip()
        if not _DECIMAL.fullmatch(value):
            raise self.fail(f"{el.tag}/{name}", raw, "not a non-negative decimal integer")
        number = int(value)
        if number > maximum:
            raise self.fail(f"{el.tag}/{name}", raw, f"larger than {maximum}")
        return number

    def flag(self, el: xml.Element, name: str, *, required: bool = True) -> bool:
        raw = self.text(el, name, required=required, max_bytes=64)
        value = raw.strip().lower()
        if value == "true":
            return True
        if value == "false" or (not raw and not required):
            return False
        raise self.fail(f"{el.tag}/{name}", raw, "not 'true' or 'false'")

    def etag(self, value: str | None, field: str) -> str:
        """An ETag without its quotes: visible ASCII, bounded ('' when absent)."""
        text = (value or "").strip()
        if len(text) > MAX_ETAG_CHARS or not _ETAG_CHARS.fullmatch(text):
            raise self.fail(field, value, "not a valid ETag")
        return text.removeprefix("W/").strip('"')

    def entries(self, el: xml.Element, name: str) -> list[xml.Element]:
        found = el.findall(name)
        if len(found) > MAX_ENTRIES:
            raise self.fail(f"{el.tag}/{name}", f"{len(found)} entries", f"more than {MAX_ENTRIES}")
        return found

    # ---- headers ----------------------------------------------------------------------

    def required_etag(self, resp: http.Response) -> str:
        """The ETag of a successful write: a write without one is not known to be stored."""
        etag = self.etag(resp.header("ETag"), "ETag header")
        if not etag:
            raise self.fail(
                "ETag header", resp.header("ETag"), f"missing from the {resp.status} reply"
            )
        return etag

    def length(self, resp: http.Response) -> int:
        raw = resp.header("Content-Length")
        if raw is None or not _DECIMAL.fullmatch(raw.strip()):
            raise self.fail("Content-Length header", raw, "missing or not a decimal integer")
        value = int(raw)
        if value > MAX_OBJECT_BYTES:
            raise self.fail("Content-Length header", raw, f"larger than {MAX_OBJECT_BYTES}")
        return value

    def content_range(self, resp: http.Response) -> tuple[int, int, int] | None:
        """``(first, last, total)`` of a ranged reply, None when it has no Content-Range."""
        raw = resp.header("Content-Range")
        if raw is None:
            return None
        m = _CONTENT_RANGE.fullmatch(raw.strip())
        if m is None:
            raise self.fail("Content-Range header", raw, "not 'bytes first-last/total'")
        first, last, total = (int(g) for g in m.groups())
        if not first <= last < total or total > MAX_OBJECT_BYTES:
            raise self.fail("Content-Range header", raw, "range outside the object")
        return first, last, total

    def head(self, resp: http.Response) -> ObjectHead:
        """What a HEAD (or GET) reply says about the object. The size must be stated: a
        reply that lost its headers must not describe an empty object."""
        headers = {k.lower(): v for k, v in resp.headers}
        size = self.length(resp)
        ranged = self.content_range(resp)
        if ranged is not None:
            size = ranged[2]
        meta = {
            k[len(META_PREFIX) :]: v
            for k, v in headers.items()
            if k.startswith(META_PREFIX) and k != CRC32C_HEADER
        }
        return ObjectHead(
            size=size,
            etag=self.etag(headers.get("etag"), "ETag header"),
            last_modified=headers.get("last-modified", ""),
            content_type=headers.get("content-type", ""),
            metadata=meta,
            headers=headers,
        )

    def body_complete(self, resp: http.Response, got: int) -> None:
        """``got`` body bytes must be what the reply announced. S3 frames every body
        (Content-Length or chunked); a reply with neither lost its headers on the way,
        and its empty body is not the object."""
        raw = resp.header("Content-Length")
        if raw is None:
            if resp.header("Transfer-Encoding") is None:
                raise self.fail("Content-Length header", None, "missing: the reply is incomplete")
            return
        if self.length(resp) != got:
            raise self.fail("Content-Length header", raw, f"but {got} body bytes arrived")


# ---- documents as values -------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """One page of a bucket listing (v1 or v2)."""

    objects: list[ObjectInfo]
    prefixes: list[str]
    is_truncated: bool
    next_marker: str | None  # v2: NextContinuationToken; v1: NextMarker or the last key


class _Recheck(Exception):
    """An entry the quick pass cannot vouch for: the careful pass names what is wrong."""


def _objects_quick(entries: list[xml.Element]) -> list[ObjectInfo]:
    # Listings can hold thousands of entries: one pass with few calls per entry, the same
    # rules as the careful pass (which runs instead whenever anything looks off).
    out = []
    for c in entries:
        key = c.findtext("Key")
        size = c.findtext("Size")
        etag = (c.findtext("ETag") or "").strip()
        modified = c.findtext("LastModified") or ""
        storage = c.findtext("StorageClass") or ""
        if (
            not key
            or len(key) * 4 > MAX_KEY_BYTES
            or size is None
            or not _DECIMAL.fullmatch(size)
            or int(size) > MAX_OBJECT_BYTES
            or len(etag) > MAX_ETAG_CHARS
            or not _ETAG_CHARS.fullmatch(etag)
            or len(modified) > 64
            or len(storage) > 64
        ):
            raise _Recheck
        tag = etag.removeprefix("W/").strip('"')
        out.append(ObjectInfo(key, int(size), tag, modified, storage))
    return out


def listing(reply: Reply, resp: http.Response, version: int) -> Listing:
    root = reply.document(resp, "ListBucketResult")
    contents = reply.entries(root, "Contents")
    try:
        objects = _objects_quick(contents)
    except (_Recheck, errors.ProtocolError):
        objects = _objects_careful(reply, contents)
    prefixes = [
        reply.text(p, "Prefix", required=True, max_bytes=MAX_KEY_BYTES)
        for p in reply.entries(root, "CommonPrefixes")
    ]
    truncated = reply.flag(root, "IsTruncated")
    reply.number(root, "KeyCount", maximum=MAX_ENTRIES, required=False)
    if not truncated:
        return Listing(objects, prefixes, False, None)
    if version == 2:
        token = reply.text(root, "NextContinuationToken", required=True, nonempty=True)
        return Listing(objects, prefixes, True, token)
    marker = reply.text(root, "NextMarker", max_bytes=MAX_KEY_BYTES)
    if not marker:  # S3 may omit NextMarker: continue after the last key or prefix
        last = [objects[-1].key] if objects else []
        last += prefixes[-1:]
        marker = max(last, key=lambda s: s.encode("utf-8", "surrogatepass"), default="")
    if not marker:
        raise reply.fail("ListBucketResult/NextMarker", None, "missing from a truncated page")
    return Listing(objects, prefixes, True, marker)


def _objects_careful(reply: Reply, contents: list[xml.Element]) -> list[ObjectInfo]:
    return [
        ObjectInfo(
            key=reply.text(c, "Key", required=True, nonempty=True, max_bytes=MAX_KEY_BYTES),
            size=reply.number(c, "Size", maximum=MAX_OBJECT_BYTES),
            etag=reply.etag(reply.text(c, "ETag"), "Contents/ETag"),
            last_modified=reply.text(c, "LastModified", max_bytes=64),
            storage_class=reply.text(c, "StorageClass", max_bytes=64),
        )
        for c in contents
    ]


def buckets(reply: Reply, resp: http.Response) -> list[Bucket]:
    root = reply.document(resp, "ListAllMyBucketsResult")
    return [
        Bucket(
            reply.text(b, "Name", required=True, nonempty=True, max_bytes=255),
            reply.text(b, "CreationDate", max_bytes=256),
        )
        for b in reply.entries(root, "Buckets/Bucket")
    ]


def upload_id(reply: Reply, resp: http.Response) -> str:
    root = reply.document(resp, "InitiateMultipartUploadResult")
    value = reply.text(root, "UploadId", required=True, nonempty=True, max_bytes=1024)
    if not value.isprintable():
        raise reply.fail("InitiateMultipartUploadResult/UploadId", value, "control characters")
    return value


def completed_etag(reply: Reply, resp: http.Response) -> str:
    """The ETag of a completed multipart upload ('' allowed: radosgw sends an empty one)."""
    root = reply.document(resp, "CompleteMultipartUploadResult")
    return reply.etag(reply.text(root, "ETag"), "CompleteMultipartUploadResult/ETag")


def copied_etag(reply: Reply, resp: http.Response) -> str:
    root = reply.document(resp, "CopyObjectResult")
    etag = reply.etag(reply.text(root, "ETag", required=True), "CopyObjectResult/ETag")
    if not etag:
        raise reply.fail("CopyObjectResult/ETag", etag, "empty")
    return etag


def delete_errors(reply: Reply, resp: http.Response, sent: Collection[str]) -> list[DeleteError]:
    """The per-key failures of a delete-multiple; a key that was not sent is a lie."""
    root = reply.document(resp, "DeleteResult")
    out = []
    for e in reply.entries(root, "Error"):
        key = reply.text(e, "Key", required=True, max_bytes=MAX_KEY_BYTES)
        if key not in sent:
            raise reply.fail("DeleteResult/Error/Key", key, "not one of the keys sent")
        out.append(
            DeleteError(
                key,
                reply.text(e, "Code", required=True, nonempty=True, max_bytes=256),
                redact(reply.text(e, "Message")),
            )
        )
    return out


@dataclass(frozen=True)
class UploadListing:
    uploads: list[MultipartUpload]
    is_truncated: bool
    next_marker: tuple[str, str] | None  # (NextKeyMarker, NextUploadIdMarker)


def uploads(reply: Reply, resp: http.Response) -> UploadListing:
    root = reply.document(resp, "ListMultipartUploadsResult")
    found = [
        MultipartUpload(
            reply.text(u, "Key", required=True, nonempty=True, max_bytes=MAX_KEY_BYTES),
            reply.text(u, "UploadId", required=True, nonempty=True, max_bytes=1024),
            reply.text(u, "Initiated", max_bytes=256),
        )
        for u in reply.entries(root, "Upload")
    ]
    truncated = reply.flag(root, "IsTruncated", required=False)
    if not truncated:
        return UploadListing(found, False, None)
    key = reply.text(root, "NextKeyMarker", max_bytes=MAX_KEY_BYTES)
    upload = reply.text(root, "NextUploadIdMarker", max_bytes=1024)
    if not key:
        raise reply.fail(
            "ListMultipartUploadsResult/NextKeyMarker", None, "missing from a truncated page"
        )
    return UploadListing(found, True, (key, upload))


def error_fields(body: bytes) -> tuple[str, str, str]:
    """``(Code, Message, RequestId)`` of an ``<Error>`` body; empty strings for whatever
    cannot be read (an HTML page from a proxy, binary garbage, bad UTF-8). Never raises:
    the status alone still gives a typed error."""
    if not body[:200].lstrip().startswith(b"<") or _encoding(body) != "utf-8":
        return "", "", ""
    try:
        root = xml.parse(body)
        if root.tag != "Error":
            return "", "", ""
        fields = [root.findtext(name) or "" for name in ("Code", "Message", "RequestId")]
    except errors.ProtocolError:
        return "", "", ""
    code, message, request_id = (f[:1024] for f in fields)
    if not re.fullmatch(r"[A-Za-z0-9_.\-]*", code):
        code = ""
    return code, redact(message), redact(request_id)
