"""``Cursor``: a lazy iterator over the items of a GetItems scan, page by page.

Pages follow ``NextMarker``; the scan ends when ``limit`` items were returned, a page says
``LastItemIncluded``, or a page is empty. Each page asks only for the items still wanted.
As soon as a page's marker is known, the next page is requested in the background (the
native engine releases the GIL), so the server prepares page N+1 while Python decodes
page N.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from .output import GetItemsOutput, parse_json
from .request import Call
from .response import Response

__all__ = ["Cursor"]

_prefetcher: ThreadPoolExecutor | None = None
_prefetcher_lock = threading.Lock()


def _background() -> ThreadPoolExecutor:
    global _prefetcher
    with _prefetcher_lock:
        if _prefetcher is None:
            _prefetcher = ThreadPoolExecutor(max_workers=4, thread_name_prefix="v3io-cursor")
        return _prefetcher


class Cursor:
    """Iterate it (``for item in cursor``), call ``next_item()`` (None at the end) or
    ``all()`` for the remaining items as a list."""

    def __init__(
        self,
        send: Callable[[Call, threading.Event], Response],
        encode: Callable[[str | None, int | None], Call],
        limit: int | None,
        marker: str | None,
        access_key: str | None,
        raise_for_status: Any,
    ) -> None:
        self._send = send
        self._encode = encode  # one page's Call from (marker, limit)
        self._limit = limit
        self._access_key = access_key
        self._raise_for_status = raise_for_status
        self._page: list[dict[str, Any]] = []
        self._index = 0
        self._returned = 0  # items handed out, plus those of pages already fetched
        self._requested = 0  # items of pages received (for the next page's Limit)
        self._done = False
        self._next: Future[Response] | Response | None = None
        self._marker = marker

    def _request(self) -> Future[Response]:
        remaining = None if self._limit is None else self._limit - self._requested
        call = self._encode(self._marker, remaining)
        call.access_key = self._access_key
        call.raise_for_status = self._raise_for_status
        started = threading.Event()
        future = _background().submit(self._send, call, started)
        # Wait until the request is on its way: otherwise the worker may need the GIL for
        # a whole switch interval (5 ms) while this thread decodes the previous page.
        while not started.wait(0.05):
            if future.done():
                break
        return future

    def _fetch(self) -> None:
        pending = self._next if self._next is not None else self._request()
        self._next = None
        response = pending.result() if isinstance(pending, Future) else pending
        decoded: dict[str, Any] = parse_json(response.body) if response.body else {}
        items = decoded.get("Items") or []
        self._requested += len(items)
        marker = decoded.get("NextMarker")
        if (decoded.get("LastItemIncluded") == "TRUE" or not items or not marker
                or (self._limit is not None and self._requested >= self._limit)):
            self._done = True
        else:
            self._marker = marker
            self._next = self._request()  # overlaps with decoding this page
        self._page, self._index = GetItemsOutput(decoded).items, 0

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

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while (item := self.next_item()) is not None:
            yield item

    def all(self) -> list[dict[str, Any]]:
        return list(self)
