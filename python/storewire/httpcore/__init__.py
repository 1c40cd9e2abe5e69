"""One small loopback HTTP/1.1 core for the emulators and the test servers.

Standard library only, and importing nothing else from storewire, so that the emulators
(``storewire.emulators``) and the test servers (``storewire.testing``) can both build on it
without an import cycle. What it does:

- :mod:`.head`: request heads, parsed with strict limits (line length, header count, total
  size, ``Content-Length`` in plain digits), from a blocking reader or from bytes an event
  loop already holds;
- :mod:`.body`: request bodies (``Content-Length`` or chunked) read on demand, with
  ``Expect: 100-continue`` answered on the first read, ``readinto`` for zero-copy uploads;
- :mod:`.reply`: status lines, header blocks, ``Date`` values, bodies sent with ``sendfile``;
- :mod:`.server`: a threaded server (one thread per connection, deep backlog, optional TLS)
  whose ``stop()`` ends every connection and joins every thread.

Each server keeps its own routing, error bodies and fault injection.
"""

from __future__ import annotations

from .body import Body, BodyTooLarge, BodyTruncated
from .head import (
    MAX_HEAD_BYTES,
    MAX_HEADERS,
    MAX_LINE,
    BadRequest,
    RequestHead,
    parse_content_length,
    parse_head,
    read_head,
)
from .reply import http_date, reason, render_head, send_file
from .server import Connection, ThreadedServer

__all__ = [
    "MAX_HEADERS",
    "MAX_HEAD_BYTES",
    "MAX_LINE",
    "BadRequest",
    "Body",
    "BodyTooLarge",
    "BodyTruncated",
    "Connection",
    "RequestHead",
    "ThreadedServer",
    "http_date",
    "parse_content_length",
    "parse_head",
    "read_head",
    "reason",
    "render_head",
    "send_file",
]
