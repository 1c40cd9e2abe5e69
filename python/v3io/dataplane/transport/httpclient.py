"""``transport_kind="httpclient"`` (the default): storewire's native engine.

A :class:`v3io.dataplane.Client` given this name, this class or an instance of it sends its
calls straight through :mod:`v3io.dataplane.native_transport` (with the instance's endpoint,
connections and timeout). Used on its own, the class sends
:class:`~v3io.dataplane.request.Request` objects through a native client too.
"""

from __future__ import annotations

import threading
from typing import Any

from storewire._native import http as _http

from ..request import Request
from ..response import Response
from . import abstract

# the official class-wide settings; the engine reads them when it builds a native client
_connection_timeout_seconds = 20.0
_request_max_retries = 2
# what set_* changed: a Client built afterwards takes these unless its own arguments or
# config say otherwise
explicit: dict[str, Any] = {}


def native_options(max_connections: int, timeout: float | None) -> dict[str, Any]:
    """The native client settings of a standalone transport."""
    return {"max_host_connections": max_connections, "timeout_s": float(timeout or 0),
            "connect_timeout_s": float(_connection_timeout_seconds),
            "max_retries": int(_request_max_retries)}


class Transport(abstract.Transport):
    """The native engine under the official transport interface."""

    @classmethod
    def get_connection_timeout(cls) -> float:
        return _connection_timeout_seconds

    @classmethod
    def set_connection_timeout(cls, timeout: float) -> None:
        """Seconds to establish a connection, for transports and clients created from now
        on."""
        global _connection_timeout_seconds
        _connection_timeout_seconds = timeout
        explicit["connect_timeout_s"] = float(timeout)

    @classmethod
    def get_request_max_retries(cls) -> int:
        return _request_max_retries

    @classmethod
    def set_request_max_retries(cls, retries: int) -> None:
        """Re-sends after a connection error, for transports and clients created from now
        on."""
        global _request_max_retries
        _request_max_retries = retries
        explicit["max_retries"] = int(retries)

    def __init__(self, logger: Any = None, endpoint: str | None = None,
                 max_connections: int | None = None, timeout: float | None = None,
                 verbosity: str | None = None) -> None:
        super().__init__(logger, endpoint, max_connections, timeout, verbosity)
        self._http: _http.Client | None = None
        self._lock = threading.Lock()

    def requires_access_key(self) -> bool:
        return True

    def _client(self) -> _http.Client:
        with self._lock:
            if self._http is None:
                self._http = _http.Client(**native_options(self.max_connections, self._timeout))
            return self._http

    def send_request(self, request: Request) -> Request:
        body = request.body if request.body is not None or request.method in (
            "GET", "HEAD", "DELETE") else b""
        native = _http.Request(request.method, self._endpoint + request.encode_path(),
                               headers=list(request.headers.items()), body=body)
        request.transport.response = self._client().perform(native)
        return request

    def wait_response(self, request: Any, raise_for_status: Any = None,
                      num_retries: int = 1) -> Response:
        native = request.transport.response
        response = Response(request.output, native.status, native.headers, native.body)
        response.raise_for_status(request.raise_for_status or raise_for_status)
        return response

    def close(self) -> None:
        with self._lock:
            client, self._http = self._http, None
        if client is not None:
            client.close()
