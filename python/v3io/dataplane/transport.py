"""The transport: Calls over storewire's native HTTP engine.

One :class:`storewire._native.http.Client` per V3IO client (libcurl multi handle,
keep-alive pool). ``send`` runs one call; ``send_many`` hands a whole batch to
``perform_many``, which runs it concurrently in native code with the GIL released.

Also home of the official SDK's ``v3io.dataplane.transport`` names (``HttpResponseError``,
``RaiseForStatus``) so code that imports them from here keeps working.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from storewire._native import http as _http
from storewire.config import Secret

from .errors import HttpResponseError
from .request import Call
from .response import RaiseForStatus, Response, check_status

__all__ = ["HttpResponseError", "RaiseForStatus", "Transport"]

_KEY_HEADER = "X-v3io-session-key"
_NOT_IDEMPOTENT = frozenset({"PutRecords", "UpdateItem", "AppendObject"})


class Transport:
    """Sends :class:`Call` objects to ``endpoint`` with ``access_key``."""

    def __init__(self, endpoint: str, access_key: Secret, **http_options: Any) -> None:
        self.endpoint = endpoint
        self.access_key = access_key
        self._http = _http.Client(**http_options)
        self.closed = False

    def _native(self, call: Call) -> _http.Request:
        key = call.access_key if call.access_key is not None else self.access_key.reveal()
        headers = [(_KEY_HEADER, key), *call.headers]
        # a body-less PUT/POST still announces Content-Length: 0 (DescribeStream, mkdir)
        body = call.body if call.body is not None or call.method in ("GET", "HEAD",
                                                                       "DELETE") else b""
        # only idempotent calls may be re-sent after a connection error (v3io.md §12.5)
        retry = call.operation not in _NOT_IDEMPOTENT
        return _http.Request(call.method, self.endpoint + call.path, headers=headers,
                             body=body, retry=retry)

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError("Cannot send request on a closed client")

    @staticmethod
    def _response(call: Call, native: _http.Response) -> Response:
        return Response(native.status, native.headers, native.body, call.output_class,
                        operation=call.operation, resource=call.resource)

    def send(self, call: Call, started: threading.Event | None = None) -> Response:
        """One call; raises the call's ``raise_for_status`` violation or a transport error.
        ``started`` is set just before the request goes out (see the cursor's prefetch)."""
        self._check_open()
        request = self._native(call)
        if started is not None:
            started.set()
        native = self._http.perform(request)
        return check_status(self._response(call, native), call.raise_for_status)

    def send_many(self, calls: Sequence[Call]) -> list[Response | BaseException]:
        """All calls concurrently; each slot holds a Response or the transport error."""
        self._check_open()
        natives = self._http.perform_many([self._native(c) for c in calls])
        results: list[Response | BaseException] = []
        for call, native in zip(calls, natives, strict=True):
            error = native.error
            results.append(error if error is not None else self._response(call, native))
        return results

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._http.close()
