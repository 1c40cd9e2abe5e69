"""Test support shipped with storewire: a local HTTP server and deterministic payloads.

Used by the test suite, by ``make demo``'s self-check and by the benchmarks; nothing here
is needed at run time by the clients themselves.
"""

from .http_server import LocalHTTPServer
from .payload import (
    BLOCK_SIZE,
    file_sha256,
    iter_pattern,
    pattern_bytes,
    pattern_sha256,
    write_pattern_file,
)

__all__ = [
    "BLOCK_SIZE",
    "LocalHTTPServer",
    "file_sha256",
    "iter_pattern",
    "pattern_bytes",
    "pattern_sha256",
    "write_pattern_file",
]
