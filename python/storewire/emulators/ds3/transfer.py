"""Moving object data: streaming PUT bodies to disk (hashing on the way) and building
GET/HEAD answers (ranges, DS3 multi-range concatenation, metadata, checksum headers)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

from . import checksums, content_headers
from .catalog import Catalog
from .jobs import Ticket
from .store import Row, Store
from .wire import (
    DS3Error,
    FileBody,
    Request,
    Response,
    bad_request,
    http_date,
    parse_content_length,
)

BLOCK_BYTES = 1 << 20
META_PREFIX = "x-amz-meta-"


def content_length(req: Request) -> int:
    if req.header("transfer-encoding"):
        raise DS3Error(411, "MissingContentLength", "send the body with a Content-Length")
    value = req.header("content-length")
    if value is None:
        raise DS3Error(411, "MissingContentLength", "Content-Length is required")
    length = parse_content_length(value)
    if length is None:
        raise bad_request(f"bad Content-Length {value!r}")
    return length


def metadata_from(req: Request) -> list[tuple[str, str]]:
    """``x-amz-meta-*`` headers as (name without prefix, value); repeats joined by ``,``."""
    merged: dict[str, tuple[str, str]] = {}
    for name, value in req.headers_with_prefix(META_PREFIX):
        short = name[len(META_PREFIX):]
        key = short.lower()
        if key in merged:
            merged[key] = (merged[key][0], f"{merged[key][1]},{value.strip()}")
        else:
            merged[key] = (short, value.strip())
    return list(merged.values())


def metadata_headers(obj: Row) -> list[tuple[str, str]]:
    return [(META_PREFIX + name, value) for name, value in json.loads(obj["meta"])]


def expected_checksums(req: Request) -> list[tuple[str, str, bytes]]:
    """The checksums the client sent: (header, DS3 type, raw digest); 400 if malformed."""
    out = []
    for name, value in req.headers:
        kind = checksums.TYPE_FOR_HEADER.get(name.lower())
        if kind is None:
            continue
        raw = checksums.decode_b64(value)
        if raw is None:
            raise bad_request(f"{name} is not base64: {value!r}", "InvalidDigest")
        out.append((name.lower(), kind, raw))
    return out


def receive(req: Request, store: Store, ticket: Ticket) -> tuple[str, str]:
    """Streams the body into the object's file at the blob offset and verifies the
    checksums sent with it. Returns the (type, base64) checksum to record for the blob."""
    expected = expected_checksums(req)
    # The DS3 headers (Content-MD5, Content-CRC32C, ...) set the blob's recorded checksum;
    # S3's x-amz-checksum-* are only verified, so S3 uploads keep an MD5 ETag.
    ds3_sent = [kind for header, kind, _ in expected if header.startswith("content-")]
    if ticket.require_checksum and not ds3_sent:
        raise bad_request("the data policy requires a checksum header on every blob",
                          "ChecksumRequired")
    record_kind = ds3_sent[0] if ds3_sent else ticket.checksum_type
    kinds = dict.fromkeys([record_kind, *(k for _, k, _ in expected)])
    hashers = {k: checksums.new_hasher(k) for k in kinds}
    length = ticket.length
    if length:
        fd = store.open_for_write(ticket.object_id)
        try:
            _pump(req, fd, ticket.offset, length, list(hashers.values()))
        finally:
            os.close(fd)
    for _, kind, raw in expected:
        if hashers[kind].digest() != raw:
            raise DS3Error(400, "BadDigest",
                           f"the {kind} checksum of the data does not match the header")
    return record_kind, checksums.b64(hashers[record_kind].digest())


def receive_to_path(req: Request, path: Path, length: int) -> bytes:
    """Streams the body into a new file (a multipart part); verifies the checksums sent
    with it; returns the MD5 digest (the part's ETag)."""
    expected = expected_checksums(req)
    hashers = {k: checksums.new_hasher(k) for k in dict.fromkeys(
        ["MD5", *(k for _, k, _ in expected)])}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        if length:
            _pump(req, fd, 0, length, list(hashers.values()))
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)
    for _, kind, raw in expected:
        if hashers[kind].digest() != raw:
            path.unlink(missing_ok=True)
            raise DS3Error(400, "BadDigest",
                           f"the {kind} checksum of the data does not match the header")
    return hashers["MD5"].digest()


def _pump(req: Request, fd: int, offset: int, length: int, hashers: list[checksums.Hasher]) -> None:
    buffer = memoryview(bytearray(min(BLOCK_BYTES, length)))
    done = 0
    while done < length:
        want = min(len(buffer), length - done)
        n = req.body.readinto(buffer[:want])
        if n <= 0:
            raise DS3Error(400, "IncompleteBody", "the connection ended before the whole body")
        block = buffer[:n]
        for hasher in hashers:
            hasher.update(block)
        written = 0
        while written < n:
            written += os.pwrite(fd, block[written:], offset + done + written)
        done += n


_RANGE = re.compile(r"\s*(\d*)\s*-\s*(\d*)\s*")


def parse_ranges(
    header: str | None, size: int, window: tuple[int, int]
) -> list[tuple[int, int]] | None:
    """``Range: bytes=a-b,c-d`` → [(offset, length)] inside ``window`` = (start, end)
    (absolute object offsets). None when there is no (usable) Range header."""
    if not header or not header.strip().lower().startswith("bytes="):
        return None
    start_w, end_w = window
    out: list[tuple[int, int]] = []
    for part in header.split("=", 1)[1].split(","):
        m = _RANGE.fullmatch(part)
        if m is None or (not m.group(1) and not m.group(2)):
            return None  # malformed: ignore the header, as RFC 9110 allows
        if not m.group(1):  # suffix range: the last n bytes of the window
            n = int(m.group(2))
            first, last = max(start_w, end_w - n), end_w - 1
        else:
            first = int(m.group(1))
            last = min(int(m.group(2)), end_w - 1) if m.group(2) else end_w - 1
            if m.group(2) and int(m.group(2)) < first:
                return None
        if first < start_w or first >= end_w or last < first:
            raise DS3Error(416, "InvalidRange", f"range {part.strip()} is outside the data",
                           headers=[("Content-Range", f"bytes */{size}")])
        out.append((first, last - first + 1))
    return out


def object_headers(obj: Row) -> list[tuple[str, str]]:
    return [
        ("ETag", f'"{obj["etag"]}"'),
        ("Last-Modified", http_date(obj["modified"])),
        ("Accept-Ranges", "bytes"),
        *metadata_headers(obj),
    ]


def checksum_headers(blobs: list[Row]) -> list[tuple[str, str]]:
    """HEAD: ``ds3-blob-checksum-type`` and one ``ds3-blob-checksum-offset-N`` per blob
    (lower-case names: the Python 3 SDK matches them case-sensitively)."""
    received = [b for b in blobs if b["received"] and b["checksum"]]
    kind = received[0]["checksum_type"] if received else "NONE"
    out = [("ds3-blob-checksum-type", kind)]
    out += [(f"ds3-blob-checksum-offset-{b['offset']}", b["checksum"]) for b in received]
    return out


def read_response(
    req: Request, store: Store, catalog: Catalog, db: sqlite3.Connection, obj: Row,
    window: tuple[int, int], blob: Row | None,
) -> Response:
    """200/206 answer for ``window`` = (start, end) of the object (a blob or all of it).
    Opens the file inside the metadata transaction so a concurrent delete cannot race."""
    size = obj["size"]
    ranges = parse_ranges(req.header("range"), size, window)
    headers = [*content_headers.answer(obj, req.query), *object_headers(obj)]
    status = 200
    if ranges is None:
        ranges = [(window[0], window[1] - window[0])]
        header = checksums.HEADER_FOR_TYPE.get(blob["checksum_type"]) if blob is not None else None
        if blob is not None and header and blob["checksum"]:
            headers.append((header, blob["checksum"]))
    else:
        status = 206
        spans = ",".join(f"{o}-{o + n - 1}" for o, n in ranges)
        headers.append(("Content-Range", f"bytes {spans}/{size}"))
    total = sum(n for _, n in ranges)
    if total == 0:
        return Response(status, b"", headers)
    try:
        handle = open(store.object_path(obj["id"]), "rb")
    except FileNotFoundError as exc:
        raise DS3Error(404, "NoSuchKey", "the object's data is gone") from exc
    return Response(status, headers=headers, file=FileBody(handle, ranges))
