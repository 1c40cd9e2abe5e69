"""Bounds on paged listings: a server that repeats a marker never makes a loop.

A listing follows the server's next marker (continuation token, NextMarker, or the
key/upload-id pair of multipart listings). :class:`PageGuard` stops it with a
:class:`~storewire.errors.ProtocolError` when a marker comes back that was already
followed (the next page would repeat one already seen, for ever), and after
``max_empty_pages`` consecutive truncated pages with no entries (a server can legitimately
send a few; an endless run only burns requests).
"""

from __future__ import annotations

from collections.abc import Hashable

from storewire import errors

from ._replies import show

DEFAULT_MAX_EMPTY_PAGES = 100


class PageGuard:
    def __init__(self, operation: str, resource: str, max_empty_pages: int) -> None:
        self.operation = operation
        self.resource = resource
        self.max_empty_pages = max_empty_pages
        self._seen: set[Hashable] = set()
        self._empty = 0

    def start(self, marker: Hashable | None) -> None:
        """The marker the caller started from: a server sending it back loops too."""
        if marker is not None:
            self._seen.add(marker)

    def follow(self, marker: Hashable, entries: int) -> None:
        """Record that the page just read had ``entries`` entries and points at ``marker``."""
        if marker in self._seen:
            raise errors.ProtocolError(
                f"server repeated the listing marker {show(marker)}: the listing would loop",
                operation=self.operation,
                resource=self.resource,
            )
        self._seen.add(marker)
        self._empty = self._empty + 1 if entries == 0 else 0
        if self._empty > self.max_empty_pages:
            raise errors.ProtocolError(
                f"{self._empty} truncated listing pages in a row with no entries "
                f"(max_empty_pages={self.max_empty_pages})",
                operation=self.operation,
                resource=self.resource,
            )
