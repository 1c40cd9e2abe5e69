"""``verifier``: a transport that sends nothing. Each request is recorded and handed to the
next of the given functions, whose return value is the call's result, so tests can check
how requests are built (method, path, query, headers, body) without a server."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..request import Request
from . import abstract


class Transport(abstract.Transport):
    """``Transport(request_verifiers)``: one function per expected request, in order."""

    def __init__(self, request_verifiers: Sequence[Callable[[Request], Any]]) -> None:
        super().__init__(None, "", 0, None, "DEBUG")
        self._request_verifiers = request_verifiers
        self._current_request_index = 0
        self.requests: list[Request] = []  # every request received, in order

    def send_request(self, request: Request) -> Request:
        self.requests.append(request)
        return request

    def wait_response(self, request: Any, raise_for_status: Any = None,
                      num_retries: int = 1) -> Any:
        index = self._current_request_index
        if index >= len(self._request_verifiers):
            raise IndexError(
                f"Have only {len(self._request_verifiers)} verifiers, got {index + 1} requests")
        self._current_request_index += 1
        return self._request_verifiers[index](request)
