"""S3 tests run against two servers: a real Ceph radosgw (a fresh cluster per session) and
storewire's own DS3 emulator, which is also a plain S3 endpoint.

``s3server`` is parametrized over both, so one test proves the emulator answers exactly as
radosgw does; a test that only radosgw can pass asks for ``radosgw`` instead (and says
why). The radosgw cluster is started once by the session fixture ``radosgw`` and torn
down by PID at the end. To reuse a running server instead (faster iterations), set
``STOREWIRE_S3_TEST_ENDPOINT`` (``host:port``) plus ``STOREWIRE_S3_TEST_ACCESS_KEY`` and
``STOREWIRE_S3_TEST_SECRET_KEY``. The emulator is started once per session too.
"""

from __future__ import annotations

import itertools
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

import s3
from storewire import errors

_counter = itertools.count()


@dataclass(frozen=True)
class S3Server:
    host: str  # host:port
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    @property
    def url(self) -> str:
        return f"http://{self.host}"


@pytest.fixture(scope="session")
def radosgw() -> Iterator[S3Server]:
    endpoint = os.environ.get("STOREWIRE_S3_TEST_ENDPOINT")
    if endpoint:
        yield S3Server(
            endpoint,
            os.environ.get("STOREWIRE_S3_TEST_ACCESS_KEY", "testaccesskey"),
            os.environ.get("STOREWIRE_S3_TEST_SECRET_KEY", "testsecretkey"),
        )
        return
    from storewire.testing import radosgw as gateways

    try:
        gateways.ensure_installed()
    except gateways.RadosGatewayUnavailable as exc:
        pytest.skip(f"radosgw unavailable: {exc}")
    gateway = gateways.RadosGateway(block_size_bytes=6 * 1024**3)
    try:
        gateway.start()
    except gateways.RadosGatewayUnavailable:  # e.g. a picked free port got taken: once more
        gateway = gateways.RadosGateway(block_size_bytes=6 * 1024**3)
        gateway.start()
    try:
        yield S3Server(gateway.host, gateway.access_key, gateway.secret_key, gateway.region)
    finally:
        gateway.stop()


@pytest.fixture(scope="session")
def s3_emulator() -> Iterator[S3Server]:
    """The DS3 emulator as a plain S3 server (buckets made by SigV4 clients are S3-style)."""
    from storewire.emulators.ds3 import DS3Emulator

    with DS3Emulator() as emulator:
        yield S3Server(emulator.endpoint.split("//", 1)[1], emulator.access_key,
                       emulator.secret_key)


@pytest.fixture(params=["radosgw", "emulator"])
def s3server(request: pytest.FixtureRequest) -> S3Server:
    """radosgw, then the DS3 emulator: every test using it runs against both."""
    name = "radosgw" if request.param == "radosgw" else "s3_emulator"
    server: S3Server = request.getfixturevalue(name)
    return server


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


def make_client(server: S3Server, **options: object) -> s3.Client:
    args: dict[str, object] = {
        "access_key": server.access_key,
        "secret_key": server.secret_key,
        "region": server.region,
        "tls": False,
    }
    args.update(options)
    return s3.Client(server.host, **args)  # type: ignore[arg-type]


@pytest.fixture
def s3client(s3server: S3Server) -> Iterator[s3.Client]:
    with make_client(s3server) as client:
        yield client


def _empty_and_delete(client: s3.Client, bucket: str) -> None:
    try:
        for upload in client.list_multipart_uploads(bucket):
            client.abort_multipart_upload(bucket, upload.key, upload.upload_id)
        keys = [o.key for o in client.list_objects(bucket)]
        if keys:
            client.delete_objects(bucket, keys)
        client.delete_bucket(bucket)
    except errors.NotFoundError:
        pass


@pytest.fixture
def new_bucket_name() -> str:
    return f"sw-test-{os.getpid()}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def bucket(s3client: s3.Client, new_bucket_name: str) -> Iterator[str]:
    """A fresh, empty bucket, emptied and deleted afterwards."""
    s3client.create_bucket(new_bucket_name)
    yield new_bucket_name
    _empty_and_delete(s3client, new_bucket_name)


@pytest.fixture
def connection(s3server: S3Server, bucket: str) -> Iterator[s3.S3Connection]:
    """A seed-API connection whose default bucket is ``bucket``."""
    conn = s3.S3Connection(
        access_key_id=s3server.access_key,
        secret_access_key=s3server.secret_key,
        default_bucket=bucket,
        endpoint=s3server.host,
        tls=False,
    )
    yield conn
    conn.client.close()


@pytest.fixture
def store(connection: s3.S3Connection) -> s3.RemoteStore:
    return s3.RemoteStore(connection)


@pytest.fixture
def other_bucket(s3client: s3.Client) -> Iterator[str]:
    """The README's second bucket, ``my_other_bucket``, created fresh for the test."""
    name = "my_other_bucket"
    _empty_and_delete(s3client, name)
    s3client.create_bucket(name)
    yield name
    _empty_and_delete(s3client, name)


@pytest.fixture
def caplog_error(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.ERROR)
    return caplog


@pytest.fixture
def client_factory(s3server: S3Server) -> Iterator[Callable[..., s3.Client]]:
    """Build extra ``s3.Client``s for ``s3server`` with options; all closed afterwards."""
    made: list[s3.Client] = []

    def build(**options: object) -> s3.Client:
        client = make_client(s3server, **options)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()
