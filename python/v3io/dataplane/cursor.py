"""``Cursor``: a lazy iterator over the items of a GetItems scan, page by page.

Pages follow ``NextMarker``; the scan ends when ``limit`` items were returned, a page says
``LastItemIncluded``, or a page names no next marker. As soon as a page's marker is known,
the next page is requested in the background (the native engine releases the GIL), so
the server prepares page N+1 while Python decodes page N.

Pages fetched ahead run on daemon threads and a separate native client, both stopped
at interpreter exit, so an abandoned cursor does not hold the exit up (see
:class:`_Prefetcher`).

A server cannot keep a cursor going for ever (issue 19). Two bounds, both keyword
arguments of ``kv.new_cursor``:

- ``max_repeated_markers`` (default 0): how many times a ``NextMarker`` already seen in
  this scan may come back. A repeat means the server is going round in circles; past the
  bound the cursor raises ``storewire.errors.ProtocolError``.
- ``max_empty_pages`` (default 256): how many pages in a row may hold no item while
  saying more follow. The official SDK stops at the first empty page, which loses the
  rest of a filtered scan; this cursor follows them, up to the bound, then raises
  ``ProtocolError``. None removes either bound.
"""

from __future__ import annotations

import atexit
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

from storewire import errors

from . import native_transport as transport
from . import validate
from .output import GetItemsOutput
from .request import Call
from .response import Response

__all__ = ["DEFAULT_MAX_EMPTY_PAGES", "DEFAULT_MAX_REPEATED_MARKERS", "Cursor"]

DEFAULT_MAX_EMPTY_PAGES = 256
DEFAULT_MAX_REPEATED_MARKERS = 0
PREFETCH_THREADS = 4
# At exit, how long to wait for fetches ahead to end once their client is closed.
EXIT_WAIT_S = 5.0

Send = Callable[[Call, threading.Event], Response]


class _Prefetcher:
    """Daemon threads that fetch pages ahead.

    Why not a ThreadPoolExecutor: its threads are joined at interpreter exit *before*
    atexit handlers run, so one page requested ahead from a stalled server held the exit
    up until the request's low-speed timeout (~60 s) (issue 19). These threads are
    daemons; :func:`_at_exit` runs after the application's own threads have ended, closes
    the prefetch clients (a native request in progress ends at once) and waits until
    every worker is idle, so none is inside native code while the interpreter shuts down.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._jobs: queue.SimpleQueue[tuple[Future[Response], Callable[..., Response],
                                            tuple[Any, ...]]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Condition()
        self._busy = 0
        self._queued = 0

    def submit(self, fn: Callable[..., Response], *args: Any) -> Future[Response]:
        future: Future[Response] = Future()
        with self._lock:
            self._queued += 1
            if len(self._threads) < self._size and self._busy + self._queued > len(
                    self._threads):
                thread = threading.Thread(target=self._work, daemon=True,
                                          name=f"v3io-cursor-{len(self._threads)}")
                self._threads.append(thread)
                thread.start()
        self._jobs.put((future, fn, args))
        return future

    def _work(self) -> None:
        while True:
            future, fn, args = self._jobs.get()
            with self._lock:
                self._queued -= 1
                self._busy += 1
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn(*args))
                    except BaseException as exc:  # handed to whoever waits on the page
                        future.set_exception(exc)
            finally:
                with self._lock:
                    self._busy -= 1
                    self._lock.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: not self._busy and not self._queued,
                                       timeout_s)


_prefetcher = _Prefetcher(PREFETCH_THREADS)
_exiting = False


def _at_exit() -> None:
    global _exiting
    _exiting = True
    transport.stop_prefetches()
    _prefetcher.wait_idle(EXIT_WAIT_S)


atexit.register(_at_exit)


class Cursor:
    """Iterate it (``for item in cursor``), call ``next_item()`` (None at the end) or
    ``all()`` for the remaining items as a list; ``close()`` (or a ``with`` block) drops
    a page fetched ahead."""

    def __init__(
        self,
        send: Send,
        encode: Callable[[str | None, int | None], Call],
        limit: int | None,
        marker: str | None,
        access_key: str | None,
        raise_for_status: Any,
        prefetch: Send | None = None,
        *,
        max_empty_pages: int | None = DEFAULT_MAX_EMPTY_PAGES,
        max_repeated_markers: int | None = DEFAULT_MAX_REPEATED_MARKERS,
    ) -> None:
        self._send = send
        self._prefetch = prefetch or send
        self._encode = encode  # one page's Call from (marker, limit)
        self._limit = limit
        self._access_key = access_key
        self._raise_for_status = raise_for_status
        self._page: list[dict[str, Any]] = []
        self._index = 0
        self._returned = 0  # items handed out
        self._requested = 0  # items of pages received (for the next page's Limit)
        self._done = False
        self._next: Future[Response] | None = None
        self._marker = marker
        self._seen: set[str] = {marker} if marker else set()
        self._repeats = 0
        self._empty_pages = 0
        for name, bound in (("max_empty_pages", max_empty_pages),
                            ("max_repeated_markers", max_repeated_markers)):
            if bound is not None and (type(bound) is not int or bound < 0):
                raise errors.InvalidRequestError(
                    f"{name} must be a non-negative int or None, not {bound!r}")
        self.max_empty_pages = max_empty_pages
        self.max_repeated_markers = max_repeated_markers

    def _call(self) -> Call:
        remaining = None if self._limit is None else self._limit - self._requested
        call = self._encode(self._marker, remaining)
        return call.sent_as(self._access_key, self._raise_for_status)

    def _request_ahead(self) -> Future[Response]:
        started = threading.Event()
        future = _prefetcher.submit(self._prefetch, self._call(), started)
        # Wait until the request is on its way: otherwise the worker may need the GIL for
        # a whole switch interval (5 ms) while this thread decodes the previous page.
        while not started.wait(0.05):
            if future.done():
                break
        return future

    def _fetch(self) -> None:
        response = None
        if self._next is not None:
            pending, self._next = self._next, None
            try:
                response = pending.result()
            except errors.StorageError:
                if not _exiting:
                    raise
                # the exit hook closed the prefetch client under it: fetch the page here
        if response is None:
            response = self._send(self._call(), threading.Event())
        if response.status_code >= 300:  # accepted by raise_for_status: no more items
            self._done = True
            self._page, self._index = [], 0
            return
        out = GetItemsOutput.parse(response.body)  # items decoded in native code
        items = out.items
        self._requested += len(items)
        marker = out.next_marker
        if (out.last or not marker
                or (self._limit is not None and self._requested >= self._limit)):
            self._done = True
        else:
            self._check_progress(marker, len(items))
            self._marker = marker
            if not _exiting:  # at exit the next page is fetched when asked for
                self._next = self._request_ahead()  # overlaps with decoding this page
        self._page, self._index = items, 0

    def _check_progress(self, marker: str, count: int) -> None:
        """The bounds against a server that would keep the scan going for ever."""
        if marker in self._seen:
            self._repeats += 1
            bound = self.max_repeated_markers
            if bound is not None and self._repeats > bound:
                self._done = True
                validate.protocol_error(
                    "GetItems: NextMarker",
                    f"repeats a marker of this scan (more than max_repeated_markers={bound} "
                    "times): the server is going round in circles", marker)
        else:
            self._seen.add(marker)
        self._empty_pages = 0 if count else self._empty_pages + 1
        bound = self.max_empty_pages
        if bound is not None and self._empty_pages > bound:
            self._done = True
            validate.protocol_error(
                "GetItems: Items",
                f"was empty on more than max_empty_pages={bound} pages in a row, each "
                "saying more items follow", self._empty_pages)

    def next_item(self) -> dict[str, Any] | None:
        if self._limit is not None and self._returned >= self._limit:
            return None
        while self._index >= len(self._page):
            if self._done:
                return None
            self._fetch()
        item = self._page[self._index]
        self._index += 1
        self._returned += 1
        return item

    def close(self) -> None:
        """End the scan; a page requested ahead is dropped when it arrives."""
        self._done = True
        self._page, self._index = [], 0
        pending, self._next = self._next, None
        if pending is not None:
            pending.cancel()

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while (item := self.next_item()) is not None:
            yield item

    def all(self) -> list[dict[str, Any]]:
        """Every remaining item (as ``list(self)``, a page at a time)."""
        items: list[dict[str, Any]] = []
        while True:
            room = None if self._limit is None else self._limit - self._returned
            if room is not None and room <= 0:
                return items
            if self._index < len(self._page):
                end = len(self._page) if room is None else self._index + room
                chunk = self._page[self._index:end]
                items.extend(chunk)
                self._index += len(chunk)
                self._returned += len(chunk)
                continue
            if self._done:
                return items
            self._fetch()
