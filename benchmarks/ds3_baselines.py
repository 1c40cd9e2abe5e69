"""Two reference clients for benchmarks/ds3_bulk.py, on the DS3 emulator's plain S3 subset
(SigV2 header auth, path-style), each with a fixed pool of threads and one connection per
thread:

- ``CurlThreadsRunner`` ("threads + libcurl"): the shape of the official DS3 SDKs, one
  pycurl easy handle per thread, files streamed by libcurl (READDATA / WRITEDATA), bytes
  collected in memory for small objects.
- ``RawSocketRunner`` (the ceiling): plain blocking sockets, a request head signed once, the
  body sent with ``os.sendfile`` (files) or ``sendall`` (bytes), the reply read with
  ``recv_into`` straight into the file's pages (``os.pwrite`` of a reused buffer) or into a
  bytearray. No retries, no checks beyond the status and Content-Length: how fast loopback
  and the server go when the client does nothing else. Its PUTs carry a Content-CRC32C
  computed before the clock starts (``prepare``), so the server records that cheap
  checksum as it does for storewire's blobs; without one it MD5s each body for the ETag,
  which is what the boto3 and libcurl PUTs cost it.

Bucket creation and deletion go through boto3 (not timed).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_MIB = 1 << 20


def _authorization(access: str, secret: str, method: str, resource: str, date: str) -> str:
    """S3 SigV2 header auth: no Content-MD5, no Content-Type, no x-amz-* headers."""
    to_sign = f"{method}\n\n\n{date}\n{resource}"
    mac = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha1).digest()
    return f"AWS {access}:{base64.b64encode(mac).decode()}"


class _Base:
    name = ""

    def __init__(self, variables: dict[str, str], threads: int) -> None:
        import boto3
        from botocore.config import Config

        self.endpoint = variables["DS3_ENDPOINT"].rstrip("/")
        self.access = variables["DS3_ACCESS_KEY"]
        self.secret = variables["DS3_SECRET_KEY"]
        self.threads = threads
        self.admin = boto3.client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1",
            aws_access_key_id=self.access, aws_secret_access_key=self.secret,
            config=Config(signature_version="s3", s3={"addressing_style": "path"}, proxies={}))

    def _headers(self, method: str, bucket: str, key: str) -> dict[str, str]:
        date = formatdate(usegmt=True)
        return {"Date": date, "Authorization": _authorization(
            self.access, self.secret, method, f"/{bucket}/{key}", date)}

    def _map(self, fn: Callable[[str], Any], names: list[str]) -> list[Any]:
        with ThreadPoolExecutor(self.threads) as pool:
            return list(pool.map(fn, names))

    def delete(self, bucket: str) -> None:
        names = [o["Key"] for page in self.admin.get_paginator("list_objects").paginate(
            Bucket=bucket) for o in page.get("Contents", [])]
        for i in range(0, len(names), 1000):
            self.admin.delete_objects(Bucket=bucket, Delete={
                "Objects": [{"Key": k} for k in names[i:i + 1000]], "Quiet": True})
        self.admin.delete_bucket(Bucket=bucket)

    def close(self) -> None:
        self.admin.close()


class CurlThreadsRunner(_Base):
    name = "curl"

    def __init__(self, variables: dict[str, str], threads: int) -> None:
        super().__init__(variables, threads)
        self._local = threading.local()

    def _easy(self) -> Any:
        import pycurl

        easy = getattr(self._local, "easy", None)
        if easy is None:
            easy = pycurl.Curl()
            easy.setopt(pycurl.NOSIGNAL, 1)
            easy.setopt(pycurl.PROXY, "")
            # 1 MiB per read/write callback: fewer trips into Python (and the GIL) per object.
            easy.setopt(pycurl.BUFFERSIZE, _MIB)
            easy.setopt(pycurl.UPLOAD_BUFFERSIZE, _MIB)
            self._local.easy = easy
        return easy

    def _perform(self, method: str, bucket: str, key: str, body: Any = None,
                 size: int = 0, sink: Any = None) -> None:
        import pycurl

        c = self._easy()
        c.setopt(pycurl.URL, f"{self.endpoint}/{bucket}/{key}")
        headers = [f"{k}: {v}" for k, v in self._headers(method, bucket, key).items()]
        c.setopt(pycurl.HTTPHEADER, [*headers, "Expect:", "Content-Type:"])
        c.setopt(pycurl.UPLOAD, 1 if method == "PUT" else 0)
        if method == "PUT":
            c.setopt(pycurl.READDATA, body)
            c.setopt(pycurl.INFILESIZE_LARGE, size)
        else:
            c.setopt(pycurl.HTTPGET, 1)
        out = sink if sink is not None else io.BytesIO()
        c.setopt(pycurl.WRITEDATA, out)
        c.perform()
        status = c.getinfo(pycurl.RESPONSE_CODE)
        if status != 200:
            raise RuntimeError(f"{method} {key}: HTTP {status}")

    def put(self, bucket: str, w: Any) -> None:
        self.admin.create_bucket(Bucket=bucket)

        def put_one(name: str) -> None:
            src = w.sources[name]
            if isinstance(src, Path):
                with src.open("rb") as f:
                    self._perform("PUT", bucket, name, f, src.stat().st_size)
            else:
                self._perform("PUT", bucket, name, io.BytesIO(src), len(src))

        self._map(put_one, w.names)

    def get(self, bucket: str, w: Any) -> dict[str, Any]:
        dest = w.out_dir / self.name

        def get_one(name: str) -> Any:
            if not w.into_files:
                sink = io.BytesIO()
                self._perform("GET", bucket, name, sink=sink)
                return sink.getvalue()
            path = dest / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as f:
                self._perform("GET", bucket, name, sink=f)
            return path

        return dict(zip(w.names, self._map(get_one, w.names), strict=True))


class _Connection:
    """One keep-alive HTTP/1.1 connection; just enough parsing for Content-Length replies."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pending = b""

    def head(self) -> tuple[int, int]:
        """The reply's status and Content-Length; what followed the head stays pending."""
        buf = self.pending
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            buf += chunk
        head, _, self.pending = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            k, _, v = line.partition(":")
            if k.strip().lower() == "content-length":
                length = int(v)
        return status, length

    def body_into(self, length: int, write: Callable[[memoryview], None],
                  buf: memoryview) -> None:
        if self.pending:
            first = self.pending[:length]
            self.pending = self.pending[len(first):]
            write(memoryview(first))
            length -= len(first)
        while length > 0:
            n = self.sock.recv_into(buf, min(length, len(buf)))
            if n == 0:
                raise ConnectionError("server closed mid-body")
            write(buf[:n])
            length -= n


class RawSocketRunner(_Base):
    name = "raw"

    def __init__(self, variables: dict[str, str], threads: int) -> None:
        super().__init__(variables, threads)
        url = urlsplit(self.endpoint)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self._local = threading.local()
        self._crc: dict[str, str] = {}

    def _conn(self) -> tuple[_Connection, memoryview]:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = _Connection(self.host, self.port)
            self._local.buf = memoryview(bytearray(_MIB))
        return conn, self._local.buf

    def prepare(self, w: Any) -> None:
        """Untimed: the CRC32C of every source, sent with its PUT."""
        from storewire._native import auth

        self._crc = {}
        for name in w.names:
            src = w.sources[name]
            raw = auth.hash_file(src, "crc32c") if isinstance(src, Path) else auth.digest(
                "crc32c", src)
            self._crc[name] = base64.b64encode(raw).decode()

    def _request_head(self, method: str, bucket: str, key: str, size: int | None) -> bytes:
        lines = [f"{method} /{bucket}/{key} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in self._headers(method, bucket, key).items()]
        if size is not None:
            lines.append(f"Content-Length: {size}")
        if method == "PUT" and key in self._crc:
            lines.append(f"Content-CRC32C: {self._crc[key]}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def _finish(self, conn: _Connection, buf: memoryview, what: str,
                write: Callable[[memoryview], None] | None = None) -> None:
        status, length = conn.head()
        sink = write if write is not None and status == 200 else (lambda _b: None)
        conn.body_into(length, sink, buf)
        if status != 200:
            raise RuntimeError(f"{what}: HTTP {status}")

    def put(self, bucket: str, w: Any) -> None:
        self.admin.create_bucket(Bucket=bucket)

        def put_one(name: str) -> None:
            conn, buf = self._conn()
            src = w.sources[name]
            if isinstance(src, Path):
                size = src.stat().st_size
                conn.sock.sendall(self._request_head("PUT", bucket, name, size))
                with src.open("rb") as f:
                    sent = 0
                    while sent < size:
                        sent += os.sendfile(conn.sock.fileno(), f.fileno(), sent, size - sent)
            else:
                conn.sock.sendall(self._request_head("PUT", bucket, name, len(src)) + src)
            self._finish(conn, buf, f"PUT {name}")

        self._map(put_one, w.names)

    def get(self, bucket: str, w: Any) -> dict[str, Any]:
        dest = w.out_dir / self.name

        def get_one(name: str) -> Any:
            conn, buf = self._conn()
            conn.sock.sendall(self._request_head("GET", bucket, name, None))
            if not w.into_files:
                out = bytearray()
                self._finish(conn, buf, f"GET {name}", out.extend)
                return bytes(out)
            path = dest / name
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                offset = 0

                def write(chunk: memoryview) -> None:
                    nonlocal offset
                    offset += os.pwrite(fd, chunk, offset)

                self._finish(conn, buf, f"GET {name}", write)
            finally:
                os.close(fd)
            return path

        return dict(zip(w.names, self._map(get_one, w.names), strict=True))
