"""s3.Client reads the AWS variables through s3.config (against the DS3 emulator's S3 side)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import s3
from s3.config import Config
from storewire.config import Secret, load
from storewire.emulators.ds3 import DS3Emulator
from storewire.errors import PermissionDeniedError

AWS_VARS = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION")


@pytest.fixture
def emulator() -> Iterator[DS3Emulator]:
    with DS3Emulator() as emu:
        yield emu


@pytest.fixture
def aws_env(emulator: DS3Emulator, monkeypatch: pytest.MonkeyPatch) -> DS3Emulator:
    for name in AWS_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", emulator.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", emulator.secret_key)
    return emulator


def test_client_reads_the_aws_variables(aws_env: DS3Emulator) -> None:
    with s3.Client(signature_version="v2") as client:
        assert client.endpoint == aws_env.endpoint.rstrip("/")
        client.create_bucket("aws-env")
        assert "aws-env" in [b.name for b in client.list_buckets()]
        assert aws_env.secret_key not in repr(client.config)


def test_arguments_and_config_beat_the_environment(
    aws_env: DS3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    with s3.Client(signature_version="v2") as wrong, pytest.raises(PermissionDeniedError):
        wrong.list_buckets()
    with s3.Client(signature_version="v2", secret_key=aws_env.secret_key) as right:
        right.list_buckets()
    cfg = Config(endpoint=aws_env.endpoint, access_key=Secret(aws_env.access_key),
                 secret_key=Secret(aws_env.secret_key), region="eu-west-3")
    with s3.Client(config=cfg, signature_version="v2") as from_config:
        assert from_config.region == "eu-west-3"
        from_config.list_buckets()


def test_connection_arguments_are_not_replaced_by_the_environment(
    aws_env: DS3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    host = aws_env.endpoint.split("//", 1)[1]
    conn = s3.S3Connection(aws_env.access_key, aws_env.secret_key, endpoint=host, tls=False,
                           signature_version="v2")
    with conn.client as client:
        assert client.region == "us-east-1"  # the connector's default, as before
        client.list_buckets()


def test_region_variables_and_missing_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load(Config, env={"AWS_DEFAULT_REGION": "eu-north-1"}).region == "eu-north-1"
    both = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-north-1"}
    assert load(Config, env=both).region == "eu-west-1"
    assert load(Config, env={}).endpoint == "s3.amazonaws.com"
    for name in AWS_VARS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="AWS_ACCESS_KEY_ID"):
        s3.Client()
