"""A 1 GiB body streamed file -> server -> file with flat memory in this process.

The server runs in this process too, so the peak RSS covers both ends: neither may hold
the body in memory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storewire.testing import file_sha256, write_pattern_file

SIZE = 1 << 30
MAX_GROWTH = 100 << 20


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} missing from /proc/self/status")


def _reset_peak_rss() -> int:
    """Restart the VmHWM high-water mark at the current RSS and return that RSS in bytes.
    Where the kernel refuses the reset, return the peak so far: growth beyond it is
    then what gets measured (a weaker but still failing check)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return _status_kib("VmHWM") * 1024
    return _status_kib("VmRSS") * 1024


def _peak_rss() -> int:
    return _status_kib("VmHWM") * 1024


@pytest.mark.slow
def test_one_gib_put_then_get_streams_with_flat_memory(http_server, client, tmp_path):
    source = tmp_path / "source.bin"
    target = tmp_path / "target.bin"
    stored = http_server.root / "big.bin"
    try:
        want = write_pattern_file(source, SIZE, seed=11)
        url = http_server.url_for("/files/big.bin")

        start_rss = _reset_peak_rss()
        put = client.request("PUT", url, body_file=source, timeout_s=300)
        get = client.request("GET", url, into_file=target, timeout_s=300)
        growth = _peak_rss() - start_rss

        assert put.status == 201
        assert put.bytes_sent == SIZE
        assert json.loads(put.body) == {"size": SIZE, "sha256": want}
        assert get.status == 200
        assert get.body == b""
        assert get.bytes_received == SIZE
        assert growth < MAX_GROWTH, f"peak RSS grew by {growth >> 20} MiB for a 1 GiB body"
        assert target.stat().st_size == SIZE
        assert file_sha256(target) == want
    finally:
        # Three 1 GiB files would otherwise linger in pytest's kept temp directories.
        for path in (source, target, stored):
            path.unlink(missing_ok=True)
