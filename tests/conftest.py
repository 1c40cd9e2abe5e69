"""Shared fixtures: a local HTTP(S) server, an engine client, seeded payloads, a test PKI.

Payloads are generated from seeded RNGs at test time; no test data is committed.
"""

from __future__ import annotations

import random
import signal
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from storewire.testing import LocalHTTPServer, write_pattern_file
from storewire.testing.tls import TlsFiles, make_tls_files

# A shell starts background jobs with SIGINT ignored, and Python then installs no Ctrl-C
# handler: the Ctrl-C tests (and the children they start) need the usual one.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Everything libcurl (and urllib) would read to pick a proxy.
PROXY_ENV_VARS = (
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
)


@pytest.fixture
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy variables: loopback tests must not detour through the machine's proxy."""
    for name in PROXY_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[LocalHTTPServer]:
    """A LocalHTTPServer whose /files/ live in a fresh temporary directory."""
    with LocalHTTPServer(tmp_path / "http-root") as server:
        yield server


@pytest.fixture
def client(clean_proxy_env: None) -> Iterator[Any]:
    """A ``storewire._native.http.Client`` with default options, closed afterwards."""
    from storewire._native import http as native_http

    with native_http.Client() as engine:
        yield engine


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """A RNG seeded from the test's id: different per test, identical on every run."""
    return random.Random(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture
def make_payload(rng: random.Random) -> Callable[[int], bytes]:
    """``make_payload(n)``: n seeded pseudo-random bytes."""
    return rng.randbytes


@pytest.fixture
def make_data_file(tmp_path: Path) -> Callable[..., tuple[Path, str]]:
    """``make_data_file(size, seed=0, name=None)``: a file of pattern bytes (see
    storewire.testing.payload) and its hex SHA-256."""
    counter = iter(range(1_000_000))

    def make(size: int, seed: int = 0, name: str | None = None) -> tuple[Path, str]:
        path = tmp_path / (name or f"data-{next(counter)}.bin")
        return path, write_pattern_file(path, size, seed)

    return make


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A self-signed CA and a server certificate for 127.0.0.1, made once per session."""
    return make_tls_files(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def tls_server(tmp_path: Path, tls_files: TlsFiles) -> Iterator[LocalHTTPServer]:
    """LocalHTTPServer over HTTPS with the certificate from ``tls_files``."""
    with LocalHTTPServer(
        tmp_path / "https-root", tls_cert=tls_files.server_cert, tls_key=tls_files.server_key
    ) as server:
        yield server


@pytest.fixture(scope="session")
def store_servers() -> Iterator[Any]:
    """The emulators and the radosgw of tests/store_servers.py, each started on first use,
    shared by every directory that tests the stores (tests/stores, tests/cli) so that radosgw
    starts once per session, and stopped at its end."""
    from contextlib import ExitStack

    from store_servers import StoreServers

    with ExitStack() as stack:
        yield StoreServers(stack)
