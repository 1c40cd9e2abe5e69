"""HTTP engine on libcurl's multi interface: keep-alive pool, many requests in flight."""

import os
from collections.abc import Mapping, Sequence

from typing_extensions import Buffer

_Headers = Mapping[str, str] | Sequence[tuple[str, str]]
_Path = str | os.PathLike[str]

class Timings:
    """Seconds from the start of the (last) attempt, as libcurl measures them."""

    @property
    def name_lookup_s(self) -> float: ...
    @property
    def connect_s(self) -> float: ...
    @property
    def tls_s(self) -> float: ...
    @property
    def start_transfer_s(self) -> float: ...
    @property
    def total_s(self) -> float: ...

class Request:
    """One HTTP request. Body from a buffer (zero-copy) or a file range; response into
    memory (default), a caller's writable buffer (``into``) or a file at an offset.
    ``crc32c=True`` checksums a successful body on the engine's thread as it arrives
    (``Response.body_crc32c``), so a download is checked without reading it back."""

    def __init__(
        self,
        method: str,
        url: str,
        *,
        headers: _Headers | None = None,
        body: Buffer | None = None,
        body_file: _Path | None = None,
        body_offset: int = 0,
        body_length: int | None = None,
        into: Buffer | None = None,
        into_file: _Path | None = None,
        into_offset: int = 0,
        retry: bool | None = None,
        timeout_s: float | None = None,
        crc32c: bool = False,
    ) -> None: ...
    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...

class Response:
    @property
    def status(self) -> int:
        """HTTP status of the final attempt; 0 if no response arrived."""
    @property
    def reason(self) -> str: ...
    @property
    def headers(self) -> list[tuple[str, str]]:
        """Response headers in arrival order (names as sent by the server)."""
    def header(self, name: str, default: str | None = None) -> str | None:
        """Last value of a header, name compared case-insensitively."""
    @property
    def body(self) -> bytes:
        """The body when it was collected in memory; b"" when it went to a buffer or file."""
    @property
    def bytes_received(self) -> int: ...
    @property
    def bytes_sent(self) -> int: ...
    @property
    def attempts(self) -> int: ...
    @property
    def new_connections(self) -> int:
        """Connections opened for the final attempt (0 when a pooled one was reused)."""
    @property
    def timings(self) -> Timings: ...
    @property
    def effective_url(self) -> str: ...
    @property
    def body_crc32c(self) -> int | None:
        """CRC32C of the successful (2xx) body as it arrived, when the request was made
        with ``crc32c=True``; None otherwise (also for a failed or non-2xx answer)."""
    @property
    def error(self) -> Exception | None:
        """The transport error (a storewire.errors type) when no usable response arrived."""
    def raise_for_transport(self) -> None: ...

class Client:
    """A connection pool plus an event-loop thread. Safe to share between Python threads."""

    def __init__(
        self,
        *,
        max_in_flight: int | None = None,
        max_host_connections: int | None = None,
        connect_timeout_s: float | None = None,
        timeout_s: float | None = None,
        low_speed_limit_bytes_per_s: int | None = None,
        low_speed_time_s: float | None = None,
        proxy: str | None = None,
        use_env_proxy: bool | None = None,
        verify_tls: bool | None = None,
        ca_file: _Path | None = None,
        max_retries: int | None = None,
        retry_base_delay_s: float | None = None,
        retry_max_delay_s: float | None = None,
        retry_statuses: Sequence[int] | None = None,
        user_agent: str | None = None,
    ) -> None: ...
    def perform(self, request: Request) -> Response:
        """Run one request; raises the storewire.errors type on a transport failure."""
    def perform_many(self, requests: Sequence[Request]) -> list[Response]:
        """Run all requests concurrently (up to max_in_flight); never raises for a
        transport failure: each response carries its own ``error``."""
    def request(
        self,
        method: str,
        url: str,
        *,
        headers: _Headers | None = None,
        body: Buffer | None = None,
        body_file: _Path | None = None,
        body_offset: int = 0,
        body_length: int | None = None,
        into: Buffer | None = None,
        into_file: _Path | None = None,
        into_offset: int = 0,
        retry: bool | None = None,
        timeout_s: float | None = None,
        crc32c: bool = False,
    ) -> Response:
        """Shorthand for ``perform(Request(method, url, ...))``."""
    @property
    def in_flight(self) -> int: ...
    def close(self) -> None: ...
    def __enter__(self) -> Client: ...
    def __exit__(self, *exc: object) -> None: ...

def defaults() -> dict[str, int | float | bool | list[int]]:
    """The engine's defaults for Client's options (a new dict each call): the one place
    they are declared, read by storewire.config and the docs."""

class Completions:
    """Asynchronous submission to a Client: submit() returns a ticket at once; the file
    descriptor fileno() becomes readable when tickets complete, and drain() returns them
    with their responses. Made for an event loop's add_reader. Use from one thread (the
    loop's)."""

    def __init__(self, client: Client) -> None: ...
    def fileno(self) -> int:
        """The eventfd: readable while completed tickets wait for drain()."""
    def submit(self, requests: Sequence[Request]) -> int:
        """Starts the requests together under one ticket, which completes when all are
        over."""
    def cancel(self, ticket: int) -> bool:
        """Stops the ticket's transfers (it then completes with CancelledError responses);
        False when it is not pending."""
    def drain(self) -> list[tuple[int, list[Response]]]:
        """[(ticket, [Response, ...]), ...] for every ticket completed since the last
        call."""
    @property
    def pending(self) -> int:
        """Tickets submitted and not yet drained."""
    def close(self) -> None:
        """Cancels pending tickets, waits until their transfers stopped, closes the fd."""
    def __enter__(self) -> Completions: ...
    def __exit__(self, *exc: object) -> None: ...
