"""``-`` as a ``cp`` source or destination (aws cli's habit): standard input streamed up
to one object, or one object streamed to standard output.

Up, on S3, the stream goes as a multipart upload whose parts are read as they are sent
(at most ``STREAM_PARTS`` + 1 parts in memory); a stream shorter than one part is one PUT. The
other stores take whole files only, so the stream is spooled to a temporary file first
(read in pieces: memory stays bounded) and uploaded with the store's large-file path.

Down, an object is written to stdout in order (a large one as parallel ranged reads, a
few pieces in flight); a failure midway ends the command with exit code 1.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO

from storewire import errors

from .locations import Location, UsageError
from .session import Session

__all__ = ["STDIO", "download_to", "stdout_closed", "upload_from"]

#: The path that means stdin (as a source) or stdout (as a destination).
STDIO = "-"
#: ``cat`` and ``cp URL -`` read a large object in pieces of this size.
PIECE = 16 * 1024 * 1024
_SPOOL_READ = 1 << 20
#: Parts of a stream from stdin in flight at most (each one part size in memory).
STREAM_PARTS = 8


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes; fewer only at the end of the stream (a pipe gives short
    reads)."""
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _s3_stream(client: Any, bucket: str, key: str, stream: BinaryIO, workers: int,
               progress: Callable[[int], None]) -> int:
    """The stream as one object: one PUT when it fits in a part, else a multipart upload
    with up to ``workers`` parts in flight; each part's ETag checked against its MD5."""
    part_size: int = client.part_size_bytes
    first = _read_exactly(stream, part_size)
    if len(first) < part_size:
        client.put_object(bucket, key, first)
        progress(len(first))
        return len(first)
    resource = f"{bucket}/{key}"
    upload_id = client.create_multipart_upload(bucket, key)
    slots = threading.Semaphore(max(1, workers))
    futures: list[Future[str]] = []

    def send(number: int, data: bytes) -> str:
        try:
            req = client.part_request(bucket, key, upload_id, number, body=data)
            resp = client.check(client.http.perform(req), "upload_part", resource)
            etag = (resp.header("ETag") or "").strip('"')
            md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
            if client.verify_checksums and etag != md5:
                raise errors.IntegrityError(
                    f"part {number}: ETag {etag!r} is not the MD5 of the bytes sent",
                    operation="upload_part", resource=resource)
            progress(len(data))
            return etag
        finally:
            slots.release()

    total = 0
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            data, number = first, 1
            while data:
                if len(futures) >= 10000:
                    raise errors.InvalidRequestError(
                        f"the stream needs more than 10000 parts of {part_size} bytes",
                        operation="upload_part", resource=resource)
                slots.acquire()  # bounded memory: wait for a part to finish
                if any(f.done() and f.exception() for f in futures):
                    slots.release()
                    break
                futures.append(pool.submit(send, number, data))
                total += len(data)
                data, number = _read_exactly(stream, part_size), number + 1
        etags = [f.result() for f in futures]
        client.complete_multipart_upload(bucket, key, upload_id, etags, size=total)
    except BaseException:
        try:
            client.abort_multipart_upload(bucket, key, upload_id)
        except errors.StorageError:
            pass  # the first error is the one to report
        raise
    return total


def _spooled(session: Session, dest: Location, stream: BinaryIO,
             progress: Callable[[int], None]) -> int:
    """The stream into a temporary file (in pieces), then the store's ``put_file``."""
    store = session.store(dest)
    with tempfile.NamedTemporaryFile(prefix="storewire-stdin-") as spool:
        size = 0
        while chunk := stream.read(_SPOOL_READ):
            spool.write(chunk)
            size += len(chunk)
        spool.flush()
        store.put_file(dest.bucket, dest.key, spool.name)
        progress(size)
    return size


def upload_from(session: Session, stream: BinaryIO, dest: Location,
                progress: Callable[[int], None]) -> int:
    """Standard input to ``dest`` (a file name, not a directory); the bytes sent."""
    if dest.slash or not dest.key:
        raise UsageError(f"{dest}: streaming from '-' needs a destination file name")
    if dest.is_local:
        from .transfer import temp_name

        temp = temp_name(dest.key)
        size = 0
        try:
            with open(temp, "wb") as out:
                while chunk := stream.read(_SPOOL_READ):
                    out.write(chunk)
                    size += len(chunk)
                    progress(len(chunk))
            os.replace(temp, dest.key)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
        return size
    if dest.scheme == "s3":
        store = session.store(dest)
        return _s3_stream(store.client, dest.bucket, dest.key, stream,
                          min(store.workers, STREAM_PARTS), progress)
    return _spooled(session, dest, stream, progress)


def download_to(session: Session, src: Location, out: BinaryIO) -> int:
    """The file ``src`` written to ``out`` in order; its size."""
    if src.is_local:
        size = 0
        with open(src.key, "rb") as f:
            while piece := f.read(PIECE):
                out.write(piece)
                size += len(piece)
        return size
    store = session.store(src)
    size = store.head(src.bucket, src.key).size
    if size <= PIECE:
        data = store.read(src.bucket, src.key)
        if len(data) != size:
            raise errors.ProtocolError(f"expected {size} bytes, {len(data)} arrived",
                                       operation="get", resource=str(src))
        out.write(data)
        return size
    for start in range(0, size, PIECE * 4):  # four ranges in flight at a time
        stop = min(start + PIECE * 4, size)
        ranges = [(src.key, s, min(s + PIECE, stop)) for s in range(start, stop, PIECE)]
        for (_, s, e), piece in zip(ranges, store.read_ranges(src.bucket, ranges),
                                    strict=True):
            if len(piece) != e - s:
                raise errors.ProtocolError(f"asked for {e - s} bytes at {s}, got {len(piece)}",
                                           operation="get", resource=str(src))
            out.write(piece)
    return size


def stdout_closed(command: str) -> int:
    """The reader of stdout went away (``| head``): said once on stderr, exit code 1,
    and stdout pointed at /dev/null so that Python's own final flush stays quiet."""
    import sys

    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)
    print(f"storewire {command}: standard output was closed before the end", file=sys.stderr)
    return 1
