"""Simple-Object calls: GET (with ranges), HEAD, PUT (create, overwrite, append, mkdir),
DELETE.

A small body (a declared length up to ``SMALL_OBJECT``) is read whole and stored in SQLite
with the metadata. Larger bodies are streamed to a temporary file first and installed with
an atomic rename, so a reader never sees half an object and large uploads never sit in
memory.
"""

from __future__ import annotations

import contextlib
import os
import shutil

from .containers import list_contents
from .errors import ENOTEMPTY, EPERM, V3ioError, bad_request, not_found
from .httpio import Request, Response, http_date
from .store import SMALL_OBJECT, Node, Store


def last_modified(node: Node) -> str:
    return http_date(node.mtime_ns)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(offset, length) for a ``Range`` header, or None for the whole object.

    Forms: ``bytes=a-b`` (inclusive), ``bytes=a-``, ``bytes=a`` (no dash: from ``a`` to the
    end, as the Python SDK sends it), ``bytes=-n`` (last n bytes). Out-of-bounds ranges are
    clipped, as the real server answers them with 200 rather than 416.
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        raise bad_request(f"unsupported Range '{header}'")
    first, dash, last = spec.strip().partition("-")
    try:
        if not first:
            if not dash or not last:
                raise ValueError
            count = min(int(last), size)
            return size - count, count
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        raise bad_request(f"malformed Range '{header}'") from None
    if start < 0 or end < start:
        raise bad_request(f"malformed Range '{header}'")
    start = min(start, size)
    end = min(end, size - 1)
    return start, max(0, end - start + 1)


def get(store: Store, root: Node, parts: list[str], request: Request) -> Response:
    node = store.lookup(root, parts)
    if node is None:
        raise not_found("/".join(parts))
    if node.is_dir:
        return list_contents(store, root, parts, request.query)
    headers = {"Last-Modified": last_modified(node)}
    blob = store.read_blob(node.id)
    if blob is not None:
        return _get_blob(blob, headers, request)
    path = store.data_file(node.id)
    try:
        handle = open(path, "rb")  # closed by the server once sent
    except FileNotFoundError:
        return Response(200, b"", headers, "application/octet-stream")
    size = os.fstat(handle.fileno()).st_size
    offset, length, status = 0, size, 200
    range_header = request.headers.get("range")
    if range_header:
        try:
            chosen = parse_range(range_header, size)
        except V3ioError:
            handle.close()
            raise
        if chosen is not None:
            offset, length = chosen
            status = 206 if length else 200
            if length:
                end = offset + length - 1
                headers["Content-Range"] = f"bytes {offset}-{end}/{size}"
    return Response(
        status, b"", headers, "application/octet-stream", file=handle, offset=offset, length=length
    )


def _get_blob(blob: bytes, headers: dict[str, str], request: Request) -> Response:
    size = len(blob)
    range_header = request.headers.get("range")
    if range_header:
        chosen = parse_range(range_header, size)
        if chosen is not None:
            offset, length = chosen
            if length:
                end = offset + length - 1
                headers["Content-Range"] = f"bytes {offset}-{end}/{size}"
                return Response(206, blob[offset : end + 1], headers, "application/octet-stream")
            return Response(200, b"", headers, "application/octet-stream")
    return Response(200, blob, headers, "application/octet-stream")


def head(store: Store, root: Node, parts: list[str]) -> Response:
    node = store.lookup(root, parts)
    if node is None:
        raise not_found("/".join(parts))
    # HEAD carries the would-be GET length: the data size, 0 for a directory
    size = 0 if node.is_dir else node.size
    headers = {"Last-Modified": last_modified(node)}
    return Response(200, b"", headers, "application/octet-stream", declared_length=size)


def put(store: Store, root: Node, parts: list[str], trailing: bool, request: Request) -> Response:
    append = request.headers.get("range", "").strip() == "-1"
    if trailing or not parts:
        # "dir/" with an empty body creates a directory (mkdir -p)
        data = request.body.read_all(1024 * 1024)
        if data or not parts:
            raise bad_request("cannot write data to a directory path")
        with store.transaction():
            store.make_dirs(root, parts)
        return Response(200)
    declared = request.body.length
    if not append and declared is not None and declared <= SMALL_OBJECT:
        data = request.body.read_all(SMALL_OBJECT)
        with store.transaction():
            parent = store.make_dirs(root, parts[:-1])
            node = store.child(parent, parts[-1])
            if node is not None and node.is_dir:
                raise V3ioError(409, -21, f"Is a directory: {'/'.join(parts)}")
            new = node is None
            if node is None:
                node = store.insert(parent, parts[-1], is_dir=False)
            store.write_blob(node.id, data, new=new)
            store.touch(node, size=len(data))
        return Response(200)
    fd, temp = store.temp_file()
    try:
        size = 0
        with os.fdopen(fd, "wb") as sink:
            for block in request.body.chunks():
                sink.write(block)
                size += len(block)
        with store.transaction():
            parent = store.make_dirs(root, parts[:-1])
            node = store.child(parent, parts[-1])
            if node is not None and node.is_dir:
                raise V3ioError(409, -21, f"Is a directory: {'/'.join(parts)}")
            if node is None:
                node = store.insert(parent, parts[-1], is_dir=False)
            if append:
                store.blob_to_file(node.id)
                target = store.data_path(node.id)
                target.parent.mkdir(exist_ok=True)
                with open(temp, "rb") as source, open(target, "ab") as sink:
                    shutil.copyfileobj(source, sink, 1024 * 1024)
                store.touch(node, size=node.size + size)
            else:
                store.install_data(node.id, temp)
                store.touch(node, size=size)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return Response(200)


def delete(store: Store, root: Node, parts: list[str]) -> Response:
    if not parts:
        raise V3ioError(403, EPERM, "Operation not permitted: a container cannot be deleted")
    node = store.lookup(root, parts)
    if node is None:
        raise not_found("/".join(parts))
    with store.transaction():
        if node.is_dir and store.has_children(node.id):
            raise V3ioError(409, ENOTEMPTY, f"Directory not empty: {'/'.join(parts)}")
        store.delete(node)
    return Response(204)
