"""The ``storewire`` commands against every store: the emulators and a real radosgw for
s3 (tests/store_servers.py, shared with tests/stores). A command runs in this process
(``sw``) with the server's settings as environment variables, as a user would set them;
the Ctrl-C and terminal tests run it as a child process."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from cli_helpers import Runner

from store_servers import SCHEMES, StoreServer, StoreServers

_prefixes = itertools.count()
_PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
               "ALL_PROXY")


@pytest.fixture(scope="session", autouse=True)
def _no_proxy() -> Iterator[None]:
    """Loopback only, whatever proxy the machine's environment names."""
    saved = {n: os.environ.pop(n) for n in _PROXY_VARS if n in os.environ}
    yield
    os.environ.update(saved)


@pytest.fixture(scope="session")
def servers(store_servers: StoreServers) -> StoreServers:
    return store_servers  # tests/conftest.py: shared with tests/stores (one radosgw)


@pytest.fixture(params=SCHEMES)
def server(request: pytest.FixtureRequest, servers: StoreServers) -> StoreServer:
    return servers[request.param]


@pytest.fixture
def prefix() -> str:
    """A directory no other test uses."""
    return f"cli{os.getpid()}-{next(_prefixes)}"


@pytest.fixture
def sw(capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
       servers: StoreServers) -> Runner:
    return Runner(capfd, monkeypatch, servers)
