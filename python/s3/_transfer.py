"""File transfers: single PUT or parallel multipart up; parallel ranged GETs down.

Data moves between the file and the socket inside the native engine (``body_file`` with
an offset/length, ``into_file`` at an offset); Python only plans, signs and checks.
Workers are threads that block in the engine with the GIL released, so the MD5 of one
part (also computed natively, without the GIL) overlaps the transfer of the others.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from storewire import errors
from storewire._native import auth
from storewire.log import get_logger

from . import _crc
from ._replies import Reply
from ._signing import Headers
from .types import ObjectHead

if TYPE_CHECKING:
    from .client import Client  # only for the types: the client imports this module

_log = get_logger("s3.transfer")
_MULTIPART_ETAG = re.compile(r"^([0-9a-f]{32})-(\d+)$")
_MD5_ETAG = re.compile(r"^[0-9a-f]{32}$")
_MAX_PARTS = 10000

T = TypeVar("T")
Progress = Callable[[int], None]


class _Progress:
    """Serialises a user's progress callback called from worker threads."""

    def __init__(self, callback: Progress | None) -> None:
        self._callback = callback
        self._lock = threading.Lock()

    def __call__(self, nbytes: int) -> None:
        if self._callback is not None:
            with self._lock:
                self._callback(nbytes)


def _run_parallel(
    workers: int, jobs: list[Callable[[], T]], consume: Callable[[int, T], None] | None = None
) -> list[T]:
    """Run ``jobs`` on a thread pool; results in order. The first failure (including a
    KeyboardInterrupt while waiting) cancels what has not started and is re-raised once
    the running jobs have ended. ``consume(i, result)`` sees results in order as they
    become available. A single job runs in the calling thread, where the engine sees
    Ctrl-C."""
    if len(jobs) == 1:
        only = jobs[0]()
        if consume is not None:
            consume(0, only)
        return [only]
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs))))
    futures: list[Future[T]] = []
    try:
        futures = [pool.submit(job) for job in jobs]
        results = []
        for i, fut in enumerate(futures):
            result = fut.result()
            if consume is not None:
                consume(i, result)
            results.append(result)
        return results
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _plan(size: int, part_size: int) -> list[tuple[int, int]]:
    part_size = max(part_size, -(-size // _MAX_PARTS))
    return [(off, min(part_size, size - off)) for off in range(0, size, part_size)]


# ---- upload ------------------------------------------------------------------------------


def upload_file(
    client: Client,
    path: str,
    bucket: str,
    key: str,
    headers: Headers,
    progress: Progress | None,
) -> str:
    size = os.stat(path).st_size
    report = _Progress(progress)
    if client.verify_checksums:
        # Recorded for downloads to check instead of the ETag's MD5s (see _crc).
        headers = _crc.with_header(headers, _crc.of_file(path, size))
    if size < client.multipart_threshold_bytes:
        md5 = auth.hash_file(path, "md5") if client.verify_checksums else None
        req = client.build_request(
            "PUT",
            bucket,
            key,
            headers=headers,
            body_file=path,
            body_length=size,
            content_md5=auth.base64_encode(md5) if md5 is not None else None,
        )
        etag = client._finish_put(
            client.http.perform(req),
            bucket,
            key,
            size,
            md5,
            lambda: auth.hash_file(path, "md5", 0, size),
            "upload_file",
            headers,
        )
        report(size)
        return etag
    return _multipart_upload(client, path, size, bucket, key, headers, report)


# How a multipart upload checks its parts (with ``verify_checksums``):
# - "etag": parts go without Content-MD5 while one hashing thread computes their MD5s in
#   file order alongside the uploads; every part's ETag (the MD5 radosgw/S3 computed of
#   what it received) must equal the MD5 of the file's bytes before the upload is
#   completed, and the completed object's MD5-of-MD5s ETag is checked as well. A
#   mismatch aborts the upload, so nothing corrupt is ever committed.
# - "content-md5": the same hashing thread runs ahead of the uploads and each part waits
#   for its MD5 to send it as Content-MD5 (the server rejects a damaged part itself).
# Both hash each byte once on the client; "etag" lets the MD5 pass overlap the transfer
# instead of holding each part back until its hash is ready.
_PART_CHECK = "etag"
_HASH_WORKERS = 1


def _multipart_upload(
    client: Client,
    path: str,
    size: int,
    bucket: str,
    key: str,
    headers: Headers,
    report: _Progress,
) -> str:
    resource = f"{bucket}/{key}"
    parts = _plan(size, client.part_size_bytes)
    upload_id = client.create_multipart_upload(bucket, key, headers=dict(headers))
    verify = client.verify_checksums
    send_md5 = verify and _PART_CHECK == "content-md5"
    hasher: ThreadPoolExecutor | None = None
    digests: list[Future[bytes]] = []

    def part_job(number: int, offset: int, length: int) -> Callable[[], str]:
        def run() -> str:
            md5 = digests[number - 1].result() if send_md5 else None
            req = client.part_request(
                bucket,
                key,
                upload_id,
                number,
                body_file=path,
                body_offset=offset,
                body_length=length,
                content_md5=auth.base64_encode(md5) if md5 is not None else None,
            )
            resp = client.check(client.http.perform(req), "upload_part", resource)
            # Without an ETag the part is not known to be stored, nor can it be completed.
            etag = Reply("upload_part", f"{resource} part {number}").required_etag(resp)
            report(length)
            return etag

        return run

    def check_part(index: int, etag: str) -> None:
        if not verify:
            return
        md5 = digests[index].result()
        if etag != md5.hex():
            raise errors.IntegrityError(
                f"part {index + 1}: ETag {etag} does not match its MD5 {md5.hex()}",
                operation="upload_part",
                resource=resource,
            )

    try:
        if verify:
            hasher = ThreadPoolExecutor(max_workers=_HASH_WORKERS)
            digests = [hasher.submit(auth.hash_file, path, "md5", off, ln) for off, ln in parts]
        jobs = [part_job(n, off, ln) for n, (off, ln) in enumerate(parts, start=1)]
        etags = _run_parallel(client.max_concurrency, jobs, check_part)
        etag = client.complete_multipart_upload(bucket, key, upload_id, etags, size=size)
    except BaseException as exc:
        for fut in digests:
            fut.cancel()
        _log.warning("aborting multipart upload of %s: %s", resource, exc)
        try:
            client.abort_multipart_upload(bucket, key, upload_id)
        except Exception as abort_exc:  # keep the original error; report this one
            _log.error(
                "abort of multipart upload %s of %s failed: %s", upload_id, resource, abort_exc
            )
        raise
    finally:
        if hasher is not None:
            hasher.shutdown(wait=True, cancel_futures=True)
    if verify:
        expected = auth.md5_hex(b"".join(d.result() for d in digests)) + f"-{len(digests)}"
        if not etag:  # radosgw answers CompleteMultipartUpload with an empty ETag
            etag = client.head_object(bucket, key).etag
        if _MULTIPART_ETAG.match(etag) and etag != expected:
            raise errors.IntegrityError(
                f"ETag {etag} of the completed upload is not the expected {expected}",
                operation="upload_file",
                resource=resource,
            )
    return etag


# ---- download ----------------------------------------------------------------------------


_MAX_CANDIDATES = 8


def _part_size_candidates(client: Client, size: int, parts: int) -> list[int]:
    """Part sizes that could have produced a ``parts``-part object of ``size`` bytes.

    S3 does not say which part size an uploader used (radosgw ignores HEAD ?partNumber=),
    so the candidates are this client's own plan and every whole MiB that fits; an empty
    list (too many or none fit) means the MD5-of-MD5s cannot be checked.
    """

    def fits(p: int) -> bool:
        return p > 0 and (parts - 1) * p < size <= parts * p

    mib = 1024 * 1024
    own = max(client.part_size_bytes, -(-size // _MAX_PARTS))
    found = [own] if fits(own) else []
    low = (size - 1) // (parts * mib) if parts else 0
    high = (size - 1) // ((parts - 1) * mib) if parts > 1 else low
    if high - low > 4 * _MAX_CANDIDATES:
        return found
    for m in range(max(low, 1), high + 2):
        if fits(m * mib) and m * mib not in found:
            found.append(m * mib)
    return found if len(found) <= _MAX_CANDIDATES else found[:1] if found[:1] == [own] else []


def _multipart_etag(path: str, size: int, part_size: int, workers: int) -> str:
    ranges = _plan(size, part_size)
    jobs: list[Callable[[], bytes]] = [
        functools.partial(auth.hash_file, path, "md5", off, ln) for off, ln in ranges
    ]
    digests = _run_parallel(workers, jobs)
    return auth.md5_hex(b"".join(digests)) + f"-{len(digests)}"


_RANGE_BYTES = 8 * 1024 * 1024  # size of one ranged GET


class _Segment:
    """MD5 of bytes ``[start, end)`` of the file, fed by whichever worker completes the next
    range in order; the others only record theirs and go back to downloading."""

    def __init__(self, path: str, start: int, end: int) -> None:
        self.path = path
        self.end = end
        self.hasher = auth.Hasher("md5")
        self._next = start
        self._done: dict[int, int] = {}
        self._busy = False
        self._lock = threading.Lock()

    def completed(self, offset: int, length: int) -> None:
        with self._lock:
            self._done[offset] = length
            if self._busy:
                return
            self._busy = True
        while True:
            with self._lock:
                length = self._done.pop(self._next, -1)
                if length < 0:
                    self._busy = False
                    return
                offset = self._next
                self._next += length
            self.hasher.update_file(self.path, offset, length)

    @property
    def complete(self) -> bool:
        return self._next >= self.end


def download_file(
    client: Client, bucket: str, key: str, path: str, progress: Progress | None
) -> ObjectHead:
    resource = f"{bucket}/{key}"
    head = client.head_object(bucket, key)
    size, etag = head.size, head.etag
    report = _Progress(progress)
    verify = client.verify_checksums
    multipart = _MULTIPART_ETAG.match(etag)

    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.part")

    # What is checked: the CRC32C storewire recorded at upload, over the whole object;
    # else the segments whose MD5s the ETag is made of: the whole object for a single-part
    # ETag, the parts (of the first plausible part size) for a multipart one; none when
    # unknowable.
    crc = _crc.recorded(head.headers, resource) if verify else None
    bounds: list[tuple[int, int]] = []
    candidates: list[int] = []
    if crc is not None:
        pass  # each range's CRC32C is taken as it lands, in parallel, and joined at the end
    elif verify and _MD5_ETAG.match(etag):
        bounds = [(0, size)]
    elif verify and multipart and size > 0:
        candidates = _part_size_candidates(client, size, int(multipart.group(2)))
        if candidates:
            bounds = [(o, min(o + candidates[0], size)) for o in range(0, size, candidates[0])]
        else:
            _log.debug("part size of %s unknown: checking its length only", resource)
    segments = [_Segment(tmp, lo, hi) for lo, hi in bounds]
    # Ranges never straddle a segment boundary.
    spans: list[tuple[int, int, _Segment | None]] = [
        (lo, hi, seg) for (lo, hi), seg in zip(bounds, segments, strict=True)
    ] or [(0, size, None)]
    ranges: list[tuple[int, int, _Segment | None]] = []
    for lo, hi, seg in spans:
        step = max(_RANGE_BYTES, -(-(hi - lo) // _MAX_PARTS))
        ranges.extend((o, min(step, hi - o), seg) for o in range(lo, hi, step))
    single = len(ranges) <= 1
    range_crcs: dict[int, int] = {}  # offset -> CRC32C of the range (dict writes: GIL-safe)
    if_match = [("If-Match", f'"{etag}"')] if etag else []

    reply = Reply("download_file", resource)

    def range_job(offset: int, length: int, seg: _Segment | None) -> Callable[[], None]:
        def run() -> None:
            hdrs = [] if single else [("Range", f"bytes={offset}-{offset + length - 1}")]
            req = client.build_request(
                "GET", bucket, key, headers=hdrs + if_match, into_file=tmp, into_offset=offset,
                crc32c=crc is not None and seg is None,
            )
            resp = client.check(
                client.http.perform(req), "download_file", resource, ok=(200, 206)
            )
            # The reply must be the bytes asked for, of the object the HEAD described.
            if single and resp.status != 200:
                raise reply.fail("status", resp.status, "a whole-object GET must answer 200")
            if not single:
                got = reply.content_range(resp) if resp.status == 206 else None
                if got != (offset, offset + length - 1, size):
                    raise reply.fail(
                        "Content-Range header",
                        resp.header("Content-Range"),
                        f"expected bytes {offset}-{offset + length - 1}/{size}",
                    )
            elif reply.length(resp) != size:
                raise reply.fail("Content-Length header", resp.header("Content-Length"),
                                 f"the HEAD said {size} bytes")
            got_etag = reply.etag(resp.header("ETag"), "ETag header")
            if etag and got_etag and got_etag != etag:
                raise reply.fail("ETag header", got_etag, f"the HEAD said {etag}: object changed")
            if resp.bytes_received != length:
                raise errors.ProtocolError(
                    f"expected {length} bytes at offset {offset}, got {resp.bytes_received}",
                    operation="download_file",
                    resource=resource,
                )
            if seg is not None:
                seg.completed(offset, length)
            elif crc is not None:  # summed by the engine as the bytes arrived
                crc_of_range = resp.body_crc32c
                if crc_of_range is None:
                    raise AssertionError("the engine did not checksum a crc32c request")
                range_crcs[offset] = crc_of_range
            report(length)

        return run

    try:
        try:
            # Empty: the file grows only as data arrives, never to a size a HEAD claims.
            with open(tmp, "wb"):
                pass
        except OSError as exc:
            raise errors.LocalIOError(
                f"cannot create {tmp!r}: {exc.strerror}", operation="download_file",
                resource=resource,
            ) from exc
        if size:
            _run_parallel(client.max_concurrency, [range_job(o, n, sg) for o, n, sg in ranges])
        if os.path.getsize(tmp) != size:
            raise errors.ProtocolError(
                f"downloaded file has {os.path.getsize(tmp)} bytes, expected {size}",
                operation="download_file",
                resource=resource,
            )
        if crc is not None:
            whole = 0
            for offset, length, _ in ranges if size else []:
                whole = _crc.combine(whole, range_crcs[offset], length)
            got = _crc.encode(whole.to_bytes(4, "big"))
            if got != _crc.encode(crc):
                raise errors.IntegrityError(
                    f"downloaded data (CRC32C {got}) does not match the {_crc.HEADER} "
                    f"recorded at upload ({_crc.encode(crc)})",
                    operation="download_file",
                    resource=resource,
                )
        if segments:
            if not all(seg.complete for seg in segments):
                raise errors.ProtocolError(
                    "not every range was checked", operation="download_file", resource=resource
                )
            if multipart is None:
                got = segments[0].hasher.hexdigest()
            else:
                got = auth.md5_hex(b"".join(seg.hasher.digest() for seg in segments))
                got += f"-{len(segments)}"
                for other in candidates[1:]:
                    if got == etag:
                        break
                    got = _multipart_etag(tmp, size, other, 2)
            if got != etag:
                raise errors.IntegrityError(
                    f"downloaded data ({got}) does not match ETag {etag}",
                    operation="download_file",
                    resource=resource,
                )
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise errors.LocalIOError(
                f"cannot move the download onto {path!r}: {exc.strerror}",
                operation="download_file",
                resource=resource,
            ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return head
