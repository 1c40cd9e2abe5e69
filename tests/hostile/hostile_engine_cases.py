"""Client calls of the raw HTTP engine, run in a child by the hostile suite."""

from __future__ import annotations

from typing import Any

from storewire._native import http as native_http


def _summary(response: Any) -> dict[str, Any]:
    return {
        "status": response.status,
        "body": response.body.decode("latin-1"),
        "attempts": response.attempts,
        "bytes_received": response.bytes_received,
    }


def get(url: str, max_retries: int = 0, timeout_s: float = 10.0) -> dict[str, Any]:
    with native_http.Client(max_retries=max_retries, retry_base_delay_s=0.01,
                            timeout_s=timeout_s) as client:
        return _summary(client.request("GET", url))


def get_twice(url: str) -> list[dict[str, Any]]:
    """Two requests on one pooled connection: the second sees what the first left over."""
    with native_http.Client(max_retries=0) as client:
        return [_summary(client.request("GET", url)) for _ in range(2)]


def get_into(url: str, capacity: int) -> dict[str, Any]:
    buffer = bytearray(capacity)
    with native_http.Client(max_retries=0) as client:
        return _summary(client.request("GET", url, into=buffer))


def get_into_file(url: str, path: str) -> dict[str, Any]:
    with native_http.Client(max_retries=0) as client:
        return _summary(client.request("GET", url, into_file=path))


def head(url: str) -> dict[str, Any]:
    with native_http.Client(max_retries=0) as client:
        return _summary(client.request("HEAD", url))


def send(method: str, url: str, headers: list[list[str]] | None = None) -> dict[str, Any]:
    pairs = [(name, value) for name, value in headers or []]
    with native_http.Client(max_retries=0) as client:
        return _summary(client.request(method, url, headers=pairs))


def with_agent(url: str, agent: str) -> dict[str, Any]:
    with native_http.Client(max_retries=0, user_agent=agent) as client:
        return _summary(client.request("GET", url))


def retry_after(url: str, cap_s: float) -> dict[str, Any]:
    with native_http.Client(max_retries=1, retry_max_delay_s=cap_s) as client:
        return _summary(client.request("GET", url))


def warm_then_send(url: str, method: str, retry: bool | None = None) -> dict[str, Any]:
    """A GET that leaves a kept-alive connection, then a request with a body on it."""
    with native_http.Client(max_retries=0) as client:
        client.request("GET", url)
        return _summary(client.request(method, url, body=b"payload", retry=retry))


def warm_then(url: str, method: str) -> dict[str, Any]:
    """A GET that leaves a kept-alive connection, then a request without a body on it."""
    with native_http.Client(max_retries=0) as client:
        client.request("GET", url)
        return _summary(client.request(method, url))
