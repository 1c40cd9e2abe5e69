"""DS3 bulk calls run in a child by the hostile suite (server plans under test)."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import ds3


def _client(url: str) -> ds3.Client:
    return ds3.Client(url, "access", "secret", workers=2)


def get_bytes(url: str, names: list[str]) -> dict[str, str]:
    with _client(url) as client:
        got = client.get_bytes("b", names, stall_timeout_s=20)
    return {name: hashlib.sha256(data).hexdigest() for name, data in got.items()}


def get_files(url: str, targets: dict[str, str]) -> list[str]:
    with _client(url) as client:
        client.get_files("b", targets, stall_timeout_s=20)
    return sorted(os.listdir(os.path.dirname(next(iter(targets.values())))))


def put_buffer(url: str, sizes: dict[str, int]) -> dict[str, Any]:
    # A recognisable pattern: the test checks that nothing else reached the server.
    buffers = {name: bytes([0x5A]) * size for name, size in sizes.items()}
    with _client(url) as client:
        result = client.put_files("b", {k: memoryview(v) for k, v in buffers.items()},
                                  stall_timeout_s=20)
    return {"bytes": result.bytes_transferred}


def put_file(url: str, name: str, path: str) -> dict[str, Any]:
    with _client(url) as client:
        result = client.put_files("b", {name: path}, stall_timeout_s=20)
    return {"bytes": result.bytes_transferred}
