"""A scripted HTTP/1.1 server for the hostile suite: it parses each request and lets a
Python function choose the exact bytes of the answer, well-formed or not.

``respond(request)`` returns one of:
- ``bytes``: sent as is, and the connection stays open for the next request;
- ``Close(bytes)``: sent, then the connection is closed (FIN);
- ``Reset(bytes)``: sent, then the connection is reset (RST);
- ``Stall()``: nothing is sent and the connection is held until the server stops.
Requests are recorded in ``server.requests`` (method, target, headers, body).
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from fault_servers import ScriptedServer

_HEAD_LIMIT = 256 * 1024
_BODY_LIMIT = 256 * 1024 * 1024


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    index: int  # 0 for the first request the server saw

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""


@dataclass
class Close:
    data: bytes = b""


@dataclass
class Reset:
    data: bytes = b""


@dataclass
class Stall:
    pass


Answer = bytes | Close | Reset | Stall
Responder = Callable[[Request], Answer]


def response(
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    reason: str = "OK",
    content_length: bool = True,
) -> bytes:
    """A well-formed response; ``headers`` may override Content-Length."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    given = {k.lower() for k in (headers or {})}
    if content_length and "content-length" not in given:
        lines.append(f"Content-Length: {len(body)}")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def xml_response(status: int, xml: str | bytes, headers: dict[str, str] | None = None) -> bytes:
    body = xml.encode() if isinstance(xml, str) else xml
    merged = {"Content-Type": "application/xml", **(headers or {})}
    return response(status, body, merged, reason="OK" if status < 300 else "Error")


def json_response(status: int, body: str | bytes, headers: dict[str, str] | None = None) -> bytes:
    data = body.encode() if isinstance(body, str) else body
    merged = {"Content-Type": "application/json", **(headers or {})}
    return response(status, data, merged, reason="OK" if status < 300 else "Error")


@dataclass
class _State:
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class HostileHTTPServer(ScriptedServer):
    def __init__(self, respond: Responder) -> None:
        self._respond = respond
        self._state = _State()
        self.requests: list[Request] = []
        super().__init__(self._serve)

    def _serve(self, conn: socket.socket, server: ScriptedServer) -> None:
        buf = b""
        while not self.stopping.is_set():
            while b"\r\n\r\n" not in buf:
                if len(buf) > _HEAD_LIMIT:
                    return
                piece = conn.recv(65536)
                if not piece:
                    return
                buf += piece
            head, _, buf = buf.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) < 3:
                return
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = min(int(headers.get("content-length", "0") or 0), _BODY_LIMIT)
            while len(buf) < length:
                piece = conn.recv(min(1 << 20, length - len(buf)))
                if not piece:
                    return
                buf += piece
            body, buf = buf[:length], buf[length:]
            with self._state.lock:
                index = self._state.count
                self._state.count += 1
            request = Request(parts[0], parts[1], headers, body, index)
            self.requests.append(request)
            answer = self._respond(request)
            if isinstance(answer, Stall):
                self.stopping.wait()
                return
            if isinstance(answer, Reset):
                conn.sendall(answer.data)
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if isinstance(answer, Close):
                conn.sendall(answer.data)
                conn.shutdown(socket.SHUT_WR)
                return
            conn.sendall(answer)
