"""Child side of the s3 hostile cases: one client call per function, run by run_case.

Each function takes the scripted server's URL first and returns something JSON-able;
a storewire error escapes as itself (the harness classifies it). Download cases catch
the error themselves so that they can also report what the destination directory holds.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import signal
import threading
from typing import Any

import s3
from storewire import errors

ACCESS_KEY = "AKIDHOSTILEEXAMPLE"
SECRET_KEY = "hostile-secret-key-never-shown"
SESSION_TOKEN = "hostile-session-token-never-shown"
OLD_CONTENT = b"previous file!"  # 14 bytes that a failed download must leave in place


def client(url: str, **options: Any) -> s3.Client:
    args: dict[str, Any] = {
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "tls": False,
        "max_retries": 2,
        "retry_base_delay_s": 0.01,
        "timeout_s": 10.0,
    }
    args.update(options)
    return s3.Client(url, **args)


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def payload(size: int) -> bytes:
    """Deterministic bytes the server side can recompute."""
    return (bytes(range(251)) * (size // 251 + 1))[:size]


# ---- writes --------------------------------------------------------------------------


def put_object(url: str, size: int) -> str:
    return client(url).put_object("b", "k", payload(size))


def put_object_unverified(url: str, size: int) -> str:
    return client(url, verify_checksums=False).put_object("b", "k", payload(size))


def upload_small_file(url: str, size: int, tmp: str) -> str:
    path = os.path.join(tmp, "up.bin")
    with open(path, "wb") as f:
        f.write(payload(size))
    return client(url).upload_file(path, "b", "k")


def put_objects(url: str, size: int) -> list[str]:
    return client(url).put_objects("b", [("k", payload(size))])


def upload_multipart_file(url: str, size: int, tmp: str) -> str:
    path = os.path.join(tmp, "big.bin")
    with open(path, "wb") as f:
        f.write(payload(size))
    mib = 1024 * 1024
    c = client(url, multipart_threshold_bytes=5 * mib, part_size_bytes=5 * mib)
    return c.upload_file(path, "b", "k")


def complete_multipart(url: str, etags: list[str], size: int | None) -> str:
    return client(url).complete_multipart_upload("b", "k", "upload-1", etags, size=size)


def create_multipart(url: str) -> str:
    return client(url).create_multipart_upload("b", "k")


def copy_object(url: str) -> str:
    return client(url).copy_object("src", "a", "b", "k")


def _warm(url: str, warm: bool) -> s3.Client:
    """A client; with ``warm`` its connection is opened by a first request, so the call
    under test runs on a kept-alive connection (nothing suggests it was sent twice)."""
    c = client(url)
    if warm:
        c.bucket_exists("warm-up")
    return c


def delete_object(url: str, warm: bool = False) -> str:
    _warm(url, warm).delete_object("b", "k")
    return "deleted"


def delete_bucket(url: str, warm: bool = False) -> str:
    _warm(url, warm).delete_bucket("b")
    return "deleted"


def create_bucket(url: str, warm: bool = False) -> str:
    _warm(url, warm).create_bucket("b")
    return "created"


def delete_objects(url: str, keys: list[str]) -> list[list[str]]:
    return [[e.key, e.code, e.message] for e in client(url).delete_objects("b", keys)]


# ---- reads and listings --------------------------------------------------------------


def list_objects(url: str, version: int, max_empty_pages: int = 100) -> list[str]:
    c = client(url, max_empty_pages=max_empty_pages)
    return [o.key for o in c.list_objects("b", list_version=version)]


def list_objects_full(url: str, version: int) -> list[list[Any]]:
    return [[o.key, o.size, o.etag] for o in client(url).list_objects("b", list_version=version)]


def list_prefixes(url: str, version: int) -> list[str]:
    return list(client(url).list_prefixes("b", list_version=version))


def list_buckets(url: str) -> list[str]:
    return [b.name for b in client(url).list_buckets()]


def list_uploads(url: str, max_empty_pages: int = 100) -> list[list[str]]:
    c = client(url, max_empty_pages=max_empty_pages)
    return [[u.key, u.upload_id] for u in c.list_multipart_uploads("b")]


def head_object(url: str) -> list[Any]:
    head = client(url).head_object("b", "k")
    return [head.size, head.etag]


def get_object(url: str, first: int | None = None, last: int | None = None) -> str:
    rng = (first, last) if first is not None and last is not None else None
    return client(url).get_object("b", "k", range_bytes=rng).hex()


def get_objects(url: str) -> list[str]:
    return [b.hex() for b in client(url).get_many("b", ["k"]).values()]


# ---- downloads: all or nothing -----------------------------------------------------------


def _dir_state(tmp: str, dest: str) -> dict[str, Any]:
    with open(dest, "rb") as f:
        data = f.read()
    return {
        "files": sorted(os.listdir(tmp)),
        "dest_size": len(data),
        "dest_md5": md5_hex(data),
    }


def download(url: str, tmp: str, **options: Any) -> dict[str, Any]:
    """download_file over an existing 14-byte file; the error (if any) and what is left."""
    dest = os.path.join(tmp, "dest.bin")
    with open(dest, "wb") as f:
        f.write(OLD_CONTENT)
    raised = ""
    try:
        client(url, **options).download_file("b", "k", dest)
    except errors.StorageError as exc:
        raised = type(exc).__name__
    return {"raised": raised, **_dir_state(tmp, dest)}


def download_interrupted(url: str, tmp: str, after_s: float) -> dict[str, Any]:
    """Ctrl-C while the body trickles in: the temporary file must go away."""
    dest = os.path.join(tmp, "dest.bin")
    with open(dest, "wb") as f:
        f.write(OLD_CONTENT)
    timer = threading.Timer(after_s, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    raised = ""
    try:
        client(url, max_retries=0).download_file("b", "k", dest)
    except KeyboardInterrupt:
        raised = "KeyboardInterrupt"
    finally:
        timer.cancel()
    return {"raised": raised, **_dir_state(tmp, dest)}


def remote_store_read(url: str, tmp: str) -> dict[str, Any]:
    dest = os.path.join(tmp, "dest.bin")
    with open(dest, "wb") as f:
        f.write(OLD_CONTENT)
    conn = s3.S3Connection(
        ACCESS_KEY, SECRET_KEY, default_bucket="b", endpoint=url, tls=False, max_retries=1,
        retry_base_delay_s=0.01,
    )
    ok, meta = s3.RemoteStore(conn).read("k", dest)
    return {"ok": ok, "meta": meta, **_dir_state(tmp, dest)}


# ---- caller input ------------------------------------------------------------------------


def put_with_metadata(url: str, name: str, value: str) -> str:
    return client(url).put_object("b", "k", b"x", metadata={name: value})


def put_with_header(url: str, name: str, value: str) -> str:
    return client(url).put_object("b", "k", b"x", headers={name: value})


def put_with_key(url: str, key: str) -> str:
    return client(url).put_object("b", key, b"x")


def remote_store_write_meta(url: str, tmp: str, value: str) -> bool:
    path = os.path.join(tmp, "f")
    with open(path, "wb") as f:
        f.write(b"data")
    conn = s3.S3Connection(ACCESS_KEY, SECRET_KEY, default_bucket="b", endpoint=url, tls=False)
    return s3.RemoteStore(conn).write(path, "k", {"x-amz-meta-note": value})


# ---- secrets -----------------------------------------------------------------------------


def texts_after_failure(url: str, call: str, version: str) -> dict[str, Any]:
    """Everything a caller could print after a failed call: the error's str and repr,
    the client's repr, and what storewire logged."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    c = client(url, session_token=SESSION_TOKEN, signature_version=version, max_retries=0)
    texts: list[str] = [repr(c)]
    try:
        if call == "put":
            c.put_object("b", "k", b"data")
        elif call == "initiate":
            c.create_multipart_upload("b", "k")
        elif call == "list":
            list(c.list_objects("b"))
        elif call == "store":
            conn = s3.S3Connection(
                ACCESS_KEY, SECRET_KEY, default_bucket="b", endpoint=url, tls=False,
                session_token=SESSION_TOKEN, signature_version=version, max_retries=0,
            )
            texts.append(repr(conn))
            texts.append(str(s3.RemoteStore(conn).delete("k")))
        raised = ""
    except errors.StorageError as exc:
        raised = type(exc).__name__
        texts += [str(exc), repr(exc), exc.message, exc.request_id]
    presigned = c.presign("GET", "b", "k")
    signature = presigned.rsplit("ignature=", 1)[1].split("&")[0]
    texts.append(repr(c))
    texts.append(stream.getvalue())
    return {"raised": raised, "text": "\n".join(texts), "presigned_signature": signature}


def endpoint_with_password(url: str, password: str) -> str:
    scheme, rest = url.split("://")
    try:
        s3.Client(f"{scheme}://user:{password}@{rest}", access_key="a", secret_key="b")
    except errors.InvalidRequestError as exc:
        if password in f"{exc} {exc!r}":
            return "password shown"
        raise
    return "accepted"


def surrogate_in(url: str, call: str) -> Any:
    c = client(url)
    bad = "a\udc80"
    if call == "prefix":
        return [o.key for o in c.list_objects("b", prefix=bad)]
    if call == "token":
        return c.list_objects_page("b", continuation_token=bad).objects
    if call == "presign":
        return c.presign("GET", "b", bad)
    return c.copy_object("b", bad, "b", "k")


def remote_store_exists(url: str) -> Any:
    conn = s3.S3Connection(
        ACCESS_KEY, SECRET_KEY, default_bucket="b", endpoint=url, tls=False, max_retries=0
    )
    return s3.RemoteStore(conn).exists("k")
