"""Self-check of the native HTTP engine against a local server, as a list of timed steps.

Used by ``storewire selfcheck`` and by ``make demo``. Every step moves real bytes over
loopback through ``storewire._native.http`` and verifies them by SHA-256 (or by what the
server saw), so a passing report means the engine, its file and buffer paths, its
concurrency and the signer all work on this machine.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from secrets import token_hex, token_urlsafe
from typing import Any
from urllib.parse import urlsplit

from . import log
from .config import Secret

__all__ = ["Step", "build_summary", "format_report", "run"]

_KIB = 1 << 10
_MIB = 1 << 20
PUT_BYTES = 8 * _MIB  # "a few MiB": big enough for a rate, small enough to be instant
PUT_OFFSET = 1 * _MIB  # the PUT sends a range from the middle of a file
WIDE = 64
WIDE_REQUESTS = 256
WIDE_BYTES = 4 * _KIB


@dataclass
class Step:
    """One check: what it did, whether it passed, how long it took, what it moved."""

    title: str
    ok: bool
    seconds: float
    nbytes: int = 0
    detail: str = ""
    skipped: bool = False
    requests: int = 1

    @property
    def mb_per_s(self) -> float:
        return self.nbytes / self.seconds / 1e6 if self.seconds > 0 else 0.0

    def rate_text(self) -> str:
        """MB/s for bulk steps, requests/s for many-request steps, else nothing."""
        if not self.ok or self.skipped or self.seconds <= 0:
            return ""
        if self.requests > 1:
            return f"{self.requests / self.seconds:,.0f} req/s"
        return f"{self.mb_per_s:,.1f} MB/s" if self.nbytes >= _MIB else ""


class CheckFailed(AssertionError):
    """A step's result did not match what was sent or expected."""


class Skipped(Exception):
    """A step that cannot run in this build (e.g. the signer is not compiled in)."""


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_MIB):
            digest.update(chunk)
    return digest.hexdigest()


class _Checks:
    """The steps, sharing one client, one server and one scratch directory."""

    def __init__(self, http: Any, client: Any, server: Any, scratch: Path) -> None:
        from .testing import payload

        self.http = http
        self.client = client
        self.server = server
        self.scratch = scratch
        self.payload = payload

    def get_memory(self) -> tuple[int, str]:
        size = 256 * _KIB
        r = self.client.request("GET", self.server.url_for(f"/bytes/{size}?seed=1"))
        _expect(r.status == 200, f"HTTP {r.status}")
        _expect(
            hashlib.sha256(r.body).hexdigest() == self.payload.pattern_sha256(size, 1),
            "body differs from what the server sent",
        )
        return size, "sha256 ok"

    def get_buffer(self) -> tuple[int, str]:
        size = 1 * _MIB
        buf = bytearray(size)
        r = self.client.request("GET", self.server.url_for(f"/bytes/{size}?seed=2"), into=buf)
        _expect(r.status == 200, f"HTTP {r.status}")
        _expect(r.bytes_received == size, f"{r.bytes_received} bytes received")
        _expect(
            hashlib.sha256(buf).hexdigest() == self.payload.pattern_sha256(size, 2),
            "buffer differs from what the server sent",
        )
        return size, "filled in place, sha256 ok"

    def put_range(self) -> tuple[int, str]:
        source = self.scratch / "source.bin"
        self.payload.write_pattern_file(source, PUT_OFFSET + PUT_BYTES + _MIB, seed=3)
        want = self.payload.pattern_sha256(PUT_BYTES, 3, offset=PUT_OFFSET)
        r = self.client.request(
            "PUT",
            self.server.url_for("/files/upload.bin"),
            body_file=source,
            body_offset=PUT_OFFSET,
            body_length=PUT_BYTES,
        )
        _expect(r.status == 201, f"HTTP {r.status}: {r.body[:200]!r}")
        stored = json.loads(r.body)
        _expect(stored["size"] == PUT_BYTES, f"server stored {stored['size']} bytes")
        _expect(stored["sha256"] == want, "server's sha256 differs from the file range")
        return PUT_BYTES, "a range from the middle of a file; server's sha256 ok"

    def get_file(self) -> tuple[int, str]:
        target = self.scratch / "download.bin"
        r = self.client.request("GET", self.server.url_for("/files/upload.bin"), into_file=target)
        _expect(r.status == 200, f"HTTP {r.status}")
        _expect(r.bytes_received == PUT_BYTES, f"{r.bytes_received} bytes received")
        want = self.payload.pattern_sha256(PUT_BYTES, 3, offset=PUT_OFFSET)
        _expect(_sha256_file(target) == want, "downloaded file differs from the upload")
        return PUT_BYTES, "streamed to disk; sha256 matches the upload"

    def wide(self) -> tuple[int, str]:
        self.server.reset_stats()
        url = self.server.url_for
        # Each response has its own length, so a mix-up between transfers cannot pass.
        sizes = [WIDE_BYTES + i for i in range(WIDE_REQUESTS)]
        requests = [self.http.Request("GET", url(f"/bytes/{n}?seed=5")) for n in sizes]
        responses = self.client.perform_many(requests)
        for i, (n, r) in enumerate(zip(sizes, responses, strict=True)):
            _expect(r.error is None, f"request {i}: {r.error}")
            _expect(r.status == 200, f"request {i}: HTTP {r.status}")
            _expect(r.body == self.payload.pattern_bytes(n, 5), f"request {i}: body differs")
        peak = self.server.max_concurrent
        _expect(peak > 1, "the server never saw two requests at once")
        return sum(sizes), (
            f"all ok; the server saw up to {peak} at once "
            f"on {self.server.connections_accepted} connection(s)"
        )

    def signed(self) -> tuple[int, str]:
        try:
            from ._native import auth
        except ImportError as exc:
            raise Skipped(f"storewire._native.auth not available ({exc})") from None
        # Throwaway credentials; as Secrets they are masked in anything logged or printed.
        access, secret = Secret("AKID" + token_hex(8).upper()), Secret(token_urlsafe(30))
        url = self.server.url_for("/echo/demo-bucket/a%20key.txt?list-type=2&prefix=a")
        parts = urlsplit(url)
        body = b"signed body"
        payload = auth.sha256_hex(body)
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        headers = [("Host", parts.netloc), ("x-amz-content-sha256", payload)]

        def sign(method: str, path: str, query: str, hdrs: list[tuple[str, str]]) -> Any:
            return auth.sign_v4(
                method, path, query, hdrs, payload, access.reveal(), secret.reveal(),
                "us-east-1", "s3", amz_date,
            )  # fmt: skip

        signed = sign("PUT", parts.path, parts.query, headers)
        r = self.client.request("PUT", url, headers=[*headers, *signed.headers], body=body)
        _expect(r.status == 200, f"HTTP {r.status}")
        echo = json.loads(r.body)
        _expect(echo["body_sha256"] == payload, "the body changed in transit")
        # Verify as a server would: re-derive the signature from what actually arrived.
        names = set(signed.signed_headers.split(";"))
        received = [(k, v) for k, v in echo["headers"] if k.lower() in names]
        again = sign(echo["method"], echo["path"], echo["raw_query"], received)
        _expect(again.signature == signed.signature, "the server-side signature differs")
        shown = log.redact(signed.authorization)  # the access key and signature masked
        for throwaway in (access, secret):
            log.forget_secret(throwaway.reveal())
        return len(body), f"signature re-derived from what arrived\nAuthorization: {shown}"


def build_summary() -> str:
    """One line on how the native core was built, or why it is missing."""
    from . import build_info

    try:
        info = build_info()
    except ImportError as exc:
        return f"native core not available: {exc}"
    sanitizers = f", sanitizers {info['sanitizers']}" if info.get("sanitizers") else ""
    return (
        f"native core {info.get('version', '?')}: {info.get('build_type', '?')} build"
        f"{sanitizers}, libcurl {info.get('curl', '?')}, {info.get('openssl', 'OpenSSL ?')}, "
        f"pugixml {info.get('pugixml', '?')}"
    )


def _timed(title: str, fn: Callable[[], tuple[int, str]], requests: int = 1) -> Step:
    start = time.perf_counter()
    try:
        nbytes, detail = fn()
    except Skipped as why:
        return Step(title, True, 0.0, 0, f"skipped: {why}", skipped=True)
    except Exception as exc:
        return Step(title, False, time.perf_counter() - start, 0, f"{type(exc).__name__}: {exc}")
    return Step(title, True, time.perf_counter() - start, nbytes, detail, requests=requests)


def run() -> list[Step]:
    """Start a local server in a temp dir, run every check, return the steps."""
    try:
        from ._native import http
    except ImportError as exc:
        return [Step("load storewire._native.http", False, 0.0, 0, str(exc))]
    from .testing import LocalHTTPServer

    with (
        tempfile.TemporaryDirectory(prefix="storewire-selfcheck-") as tmp,
        LocalHTTPServer(Path(tmp) / "server") as server,
        http.Client(max_in_flight=WIDE, use_env_proxy=False) as client,
    ):
        checks = _Checks(http, client, server, Path(tmp))
        return [
            _timed("GET 256 KiB into memory", checks.get_memory),
            _timed("GET 1 MiB into a caller's buffer", checks.get_buffer),
            _timed(f"PUT {PUT_BYTES // _MIB} MiB from a file range", checks.put_range),
            _timed(f"GET {PUT_BYTES // _MIB} MiB into a file", checks.get_file),
            _timed(
                f"perform_many: {WIDE_REQUESTS} GETs, {WIDE} in flight",
                checks.wide,
                requests=WIDE_REQUESTS,
            ),
            _timed("SigV4-signed PUT, verified by the server", checks.signed),
        ]


def format_report(steps: list[Step]) -> str:
    """A short, aligned, human-readable report of the steps."""
    width = max(len(s.title) for s in steps)
    lines = []
    for s in steps:
        mark = "skip" if s.skipped else " ok " if s.ok else "FAIL"
        rate = f"{s.rate_text():>13}"
        first, *more = s.detail.splitlines() or [""]
        head = f"  [{mark}] {s.title:<{width}}  {s.seconds * 1000:8.1f} ms {rate}  "
        lines.append(head + first)
        lines += [" " * len(head) + extra for extra in more]
    passed = sum(s.ok and not s.skipped for s in steps)
    skipped = sum(s.skipped for s in steps)
    total_s = sum(s.seconds for s in steps)
    tail = f", {skipped} skipped" if skipped else ""
    lines.append(f"  {passed}/{len(steps)} checks passed{tail} in {total_s:.2f} s")
    return "\n".join(lines)
