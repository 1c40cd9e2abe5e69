"""The three HTTP clients the benchmark compares, each behind the same four operations.

Every runner keeps its connections alive between calls, reads small bodies into memory,
streams large bodies from/to files, and checks each result, so a fast failure can never
pass for a fast transfer. Tuning is what a careful user would do: big I/O buffers and a
pool as wide as the concurrency.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

_CHUNK = 1 << 20  # I/O buffer for streaming large bodies


class BenchError(RuntimeError):
    """A benchmark transfer returned something other than what was asked for."""


def _check(status: int, expected: tuple[int, ...], what: str) -> None:
    if status not in expected:
        raise BenchError(f"{what}: HTTP {status}, expected {expected}")


def _check_len(got: int, want: int, what: str) -> None:
    if got != want:
        raise BenchError(f"{what}: {got} bytes, expected {want}")


class Runner(Protocol):
    name: str

    def small_serial(self, url: str, n: int, size: int) -> None: ...
    def small_concurrent(self, url: str, n: int, size: int) -> None: ...
    def put_file(self, url: str, path: str, size: int) -> None: ...
    def get_file(self, url: str, path: str, size: int) -> None: ...
    def close(self) -> None: ...


class StorewireRunner:
    name = "storewire._native.http"

    def __init__(self, width: int) -> None:
        from storewire._native import http

        self._http = http
        self._client = http.Client(max_in_flight=width, use_env_proxy=False)

    def small_serial(self, url: str, n: int, size: int) -> None:
        for _ in range(n):
            r = self._client.request("GET", url)
            _check(r.status, (200,), "small GET")
            _check_len(len(r.body), size, "small GET")

    def small_concurrent(self, url: str, n: int, size: int) -> None:
        requests = [self._http.Request("GET", url) for _ in range(n)]
        for r in self._client.perform_many(requests):
            r.raise_for_transport()
            _check(r.status, (200,), "small GET")
            _check_len(len(r.body), size, "small GET")

    def put_file(self, url: str, path: str, size: int) -> None:
        r = self._client.request("PUT", url, body_file=path, body_length=size)
        _check(r.status, (201, 204), "large PUT")
        _check_len(r.bytes_sent, size, "large PUT")

    def get_file(self, url: str, path: str, size: int) -> None:
        r = self._client.request("GET", url, into_file=path)
        _check(r.status, (200,), "large GET")
        _check_len(r.bytes_received, size, "large GET")

    def close(self) -> None:
        self._client.close()


class Urllib3Runner:
    name = "urllib3"

    def __init__(self, width: int) -> None:
        import urllib3

        self._width = width
        # One pool per shape so the serial rows never borrow the wide pool's sockets.
        self._serial = urllib3.PoolManager(maxsize=1, retries=False, blocksize=_CHUNK)
        self._wide = urllib3.PoolManager(maxsize=width, block=True, retries=False, blocksize=_CHUNK)
        self._threads = ThreadPoolExecutor(max_workers=width)

    def small_serial(self, url: str, n: int, size: int) -> None:
        for _ in range(n):
            r = self._serial.request("GET", url)
            _check(r.status, (200,), "small GET")
            _check_len(len(r.data), size, "small GET")

    def _one_small(self, url: str) -> int:
        r = self._wide.request("GET", url)
        _check(r.status, (200,), "small GET")
        return len(r.data)

    def small_concurrent(self, url: str, n: int, size: int) -> None:
        for got in self._threads.map(self._one_small, [url] * n):
            _check_len(got, size, "small GET")

    def put_file(self, url: str, path: str, size: int) -> None:
        with open(path, "rb") as f:
            r = self._serial.request("PUT", url, body=f, headers={"Content-Length": str(size)})
        _check(r.status, (201, 204), "large PUT")

    def get_file(self, url: str, path: str, size: int) -> None:
        r = self._serial.request("GET", url, preload_content=False)
        try:
            _check(r.status, (200,), "large GET")
            with open(path, "wb") as f:
                for chunk in r.stream(_CHUNK):
                    f.write(chunk)
                written = f.tell()
        finally:
            r.release_conn()
        _check_len(written, size, "large GET")

    def close(self) -> None:
        self._threads.shutdown()
        self._serial.clear()
        self._wide.clear()


class PycurlRunner:
    name = "pycurl"

    def __init__(self, width: int) -> None:
        import pycurl

        self._pycurl = pycurl
        self._width = width
        self._easy = self._new_easy()
        self._multi = pycurl.CurlMulti()
        self._handles = [self._new_easy() for _ in range(width)]

    def _new_easy(self) -> Any:  # pycurl ships no type information
        c = self._pycurl.Curl()
        c.setopt(self._pycurl.NOPROXY, "*")
        c.setopt(self._pycurl.BUFFERSIZE, 512 * 1024)
        c.setopt(self._pycurl.UPLOAD_BUFFERSIZE, 2 * 1024 * 1024)
        return c

    def small_serial(self, url: str, n: int, size: int) -> None:
        pc, c = self._pycurl, self._easy
        c.setopt(pc.URL, url)
        c.setopt(pc.HTTPGET, 1)
        for _ in range(n):
            buf = io.BytesIO()
            c.setopt(pc.WRITEDATA, buf)
            c.perform()
            _check(c.getinfo(pc.RESPONSE_CODE), (200,), "small GET")
            _check_len(buf.tell(), size, "small GET")

    def small_concurrent(self, url: str, n: int, size: int) -> None:
        pc, m = self._pycurl, self._multi
        buffers: dict[Any, io.BytesIO] = {}
        idle = list(self._handles)
        started = finished = 0

        def start(c: Any) -> None:
            buf = io.BytesIO()
            buffers[c] = buf
            c.setopt(pc.URL, url)
            c.setopt(pc.WRITEDATA, buf)
            m.add_handle(c)

        while finished < n:
            while idle and started < n:
                start(idle.pop())
                started += 1
            while m.perform()[0] == pc.E_CALL_MULTI_PERFORM:
                pass
            _, ok, failed = m.info_read()
            if failed:
                raise BenchError(f"pycurl multi: {failed[0][2]}")
            for c in ok:
                m.remove_handle(c)
                _check(c.getinfo(pc.RESPONSE_CODE), (200,), "small GET")
                _check_len(buffers.pop(c).tell(), size, "small GET")
                idle.append(c)
                finished += 1
            if not ok:
                m.select(1.0)

    def put_file(self, url: str, path: str, size: int) -> None:
        pc, c = self._pycurl, self._easy
        with open(path, "rb") as f:
            c.setopt(pc.URL, url)
            c.setopt(pc.UPLOAD, 1)
            c.setopt(pc.READDATA, f)
            c.setopt(pc.INFILESIZE_LARGE, size)
            c.setopt(pc.WRITEDATA, io.BytesIO())
            try:
                c.perform()
            finally:
                c.setopt(pc.UPLOAD, 0)
        _check(c.getinfo(pc.RESPONSE_CODE), (201, 204), "large PUT")
        _check_len(int(c.getinfo(pc.SIZE_UPLOAD_T)), size, "large PUT")

    def get_file(self, url: str, path: str, size: int) -> None:
        pc, c = self._pycurl, self._easy
        with open(path, "wb") as f:
            c.setopt(pc.URL, url)
            c.setopt(pc.HTTPGET, 1)
            c.setopt(pc.WRITEDATA, f)
            c.perform()
            written = f.tell()
        _check(c.getinfo(pc.RESPONSE_CODE), (200,), "large GET")
        _check_len(written, size, "large GET")

    def close(self) -> None:
        for c in self._handles:
            c.close()
        self._easy.close()
        self._multi.close()


RUNNERS: dict[str, type[StorewireRunner] | type[Urllib3Runner] | type[PycurlRunner]] = {
    "storewire": StorewireRunner,
    "urllib3": Urllib3Runner,
    "pycurl": PycurlRunner,
}
