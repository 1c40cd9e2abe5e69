"""The store adapter (python/storewire/stores) against every system: the emulators and a
real radosgw for s3 (tests/store_servers.py). Each test works under its own key prefix."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from store_servers import SCHEMES, StoreServer, StoreServers
from storewire.stores import Store, open_store

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
    return store_servers  # tests/conftest.py: one set for the session


@pytest.fixture(params=SCHEMES)
def server(request: pytest.FixtureRequest, servers: StoreServers) -> StoreServer:
    return servers[request.param]


@pytest.fixture
def store(server: StoreServer) -> Iterator[Store]:  # type: ignore[type-arg]
    with open_store(server.scheme, **server.options) as s:
        yield s


@pytest.fixture
def prefix() -> str:
    """A directory no other test uses."""
    return f"t{os.getpid()}-{next(_prefixes)}"
