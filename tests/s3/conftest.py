"""S3 tests run against a real S3 server: a fresh Ceph radosgw cluster per session.

The cluster is started once by the session fixture ``rgw`` and torn
down by PID at the end. To reuse a running server instead (faster iterations), set
``STOREWIRE_S3_TEST_ENDPOINT`` (``host:port``) plus ``STOREWIRE_S3_TEST_ACCESS_KEY`` and
``STOREWIRE_S3_TEST_SECRET_KEY``.
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
def rgw() -> Iterator[S3Server]:
    endpoint = os.environ.get("STOREWIRE_S3_TEST_ENDPOINT")
    if endpoint:
        yield S3Server(
            endpoint,
            os.environ.get("STOREWIRE_S3_TEST_ACCESS_KEY", "testaccesskey"),
            os.environ.get("STOREWIRE_S3_TEST_SECRET_KEY", "testsecretkey"),
        )
        return
    from storewire.testing import radosgw

    try:
        radosgw.ensure_installed()
    except radosgw.RadosGatewayUnavailable as exc:
        pytest.skip(f"radosgw unavailable: {exc}")
    gateway = radosgw.RadosGateway(block_size_bytes=6 * 1024**3)
    try:
        gateway.start()
    except radosgw.RadosGatewayUnavailable:  # e.g. a picked free port got taken: once more
        gateway = radosgw.RadosGateway(block_size_bytes=6 * 1024**3)
        gateway.start()
    try:
        yield S3Server(gateway.host, gateway.access_key, gateway.secret_key, gateway.region)
    finally:
        gateway.stop()


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
def s3client(rgw: S3Server) -> Iterator[s3.Client]:
    with make_client(rgw) as client:
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
def connection(rgw: S3Server, bucket: str) -> Iterator[s3.S3Connection]:
    """A seed-API connection whose default bucket is ``bucket``."""
    conn = s3.S3Connection(
        access_key_id=rgw.access_key,
        secret_access_key=rgw.secret_key,
        default_bucket=bucket,
        endpoint=rgw.host,
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
def client_factory(rgw: S3Server) -> Iterator[Callable[..., s3.Client]]:
    """Build extra ``s3.Client``s for ``rgw`` with options; all closed afterwards."""
    made: list[s3.Client] = []

    def build(**options: object) -> s3.Client:
        client = make_client(rgw, **options)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()
