"""The verb-table conformance suite runs every test against every backend (docs/verbs.md):

- ``rgw``: ``s3.Client`` against a real Ceph radosgw (started once per session, as in
  tests/s3; ``STOREWIRE_S3_TEST_ENDPOINT`` and its keys reuse a running one);
- ``ds3-s3``: ``s3.Client`` against the DS3 emulator's plain S3 side (SigV2);
- ``ds3``: ``ds3.Client`` against the DS3 emulator;
- ``v3io``: ``v3io.ObjectClient`` against the V3IO emulator;
- ``sector``: ``sector.Client`` against a Sector emulator (master + slave).

Servers start once per session on 127.0.0.1 port 0 and are stopped by the fixtures;
every test works under its own key prefix, so tests never see each other's objects.
"""

from __future__ import annotations

import itertools
import os
import random
import zlib
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from conformance_backends import BACKENDS, Backend

import ds3
import s3
import sector
import v3io
from storewire.emulators.ds3 import DS3Emulator
from storewire.emulators.sector import SectorEmulator
from storewire.emulators.v3io import V3IOEmulator

_prefixes = itertools.count()

@pytest.fixture(scope="session", autouse=True)
def _no_proxy() -> Iterator[None]:
    """Loopback only, whatever proxy the machine's environment names."""
    names = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
             "ALL_PROXY")
    saved = {n: os.environ.pop(n) for n in names if n in os.environ}
    yield
    os.environ.update(saved)


def _rgw(stack: ExitStack) -> Backend:
    from storewire.testing.radosgw import s3_test_server

    server = s3_test_server(stack)
    host, access, secret, region = (server.host, server.access_key, server.secret_key,
                                    server.region)
    client = stack.enter_context(s3.Client(host, access_key=access, secret_key=secret,
                                           region=region, tls=False))
    bucket = f"sw-conformance-{os.getpid()}"
    for name in (bucket, bucket + "-b"):
        client.create_bucket(name)
        stack.callback(_empty_s3_bucket, client, name)
    return Backend("rgw", client, bucket, bucket + "-b")


def _empty_s3_bucket(client: s3.Client, bucket: str) -> None:
    keys = [o.key for o in client.list_objects(bucket)]
    if keys:
        client.delete_objects(bucket, keys)
    client.delete_bucket(bucket)


def _ds3_emulator(stack: ExitStack) -> DS3Emulator:
    """A DS3 emulator whose data policy keeps the latest version: BlackPearl replaces an
    object only under such a policy (docs/verbs.md), and the suite checks overwrites."""
    return stack.enter_context(DS3Emulator(versioning="KEEP_LATEST"))


def _ds3_s3(stack: ExitStack) -> Backend:
    emu = _ds3_emulator(stack)
    client = stack.enter_context(s3.Client(
        emu.endpoint.split("//", 1)[1], access_key=emu.access_key, secret_key=emu.secret_key,
        tls=False, signature_version="v2"))
    client.create_bucket("conformance")
    client.create_bucket("conformance-b")
    return Backend("ds3-s3", client, "conformance", "conformance-b")


def _ds3(stack: ExitStack) -> Backend:
    emu = _ds3_emulator(stack)
    client = stack.enter_context(ds3.Client(emu.endpoint, emu.access_key, emu.secret_key,
                                            proxy=""))
    client.put_bucket("conformance")
    client.put_bucket("conformance-b")
    return Backend("ds3", client, "conformance", "conformance-b")


def _v3io(stack: ExitStack) -> Backend:
    emu = stack.enter_context(V3IOEmulator())
    client = stack.enter_context(v3io.ObjectClient(
        endpoint=emu.endpoint, access_key=emu.access_key, use_env_proxy=False))
    return Backend("v3io", client, "bigdata", "users")


def _sector(stack: ExitStack) -> Backend:
    emu = stack.enter_context(SectorEmulator(retransmit_s=0.2, seed=11))
    client = stack.enter_context(sector.Client(
        emu.host, emu.port, user=emu.user, password=emu.password, cert=emu.cert_path,
        timeout_s=20.0, retransmit_s=0.2))
    client.mkdir("/conformance")
    client.mkdir("/conformance-b")
    return Backend("sector", client, "conformance", "conformance-b")


_START = {"rgw": _rgw, "ds3-s3": _ds3_s3, "ds3": _ds3, "v3io": _v3io, "sector": _sector}


@pytest.fixture(scope="session")
def _servers() -> Iterator[dict[str, Backend]]:
    """Backends started on first use, all stopped at the end of the session."""
    with ExitStack() as stack:
        yield _Lazy(stack)


class _Lazy(dict):  # type: ignore[type-arg]
    def __init__(self, stack: ExitStack) -> None:
        super().__init__()
        self._stack = stack

    def __missing__(self, name: str) -> Backend:
        self[name] = backend = _START[name](self._stack)
        return backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, _servers: dict[str, Backend]) -> Backend:
    """The backend under test, with a key prefix no other test uses."""
    shared = _servers[request.param]
    return Backend(shared.name, shared.client, shared.bucket, shared.other_bucket,
                   f"t{next(_prefixes)}")


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """Seeded from the test id: different per test, the same on every run."""
    return random.Random(zlib.crc32(request.node.nodeid.encode()))
