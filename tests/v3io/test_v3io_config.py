"""v3io.dataplane.Client reads V3IO_API / V3IO_ACCESS_KEY through v3io.dataplane.config."""

from __future__ import annotations

import pytest

import v3io.dataplane
from storewire.config import Secret
from storewire.emulators.v3io import V3IOEmulator
from v3io.dataplane.config import DEFAULT_MAX_CONNECTIONS, Config


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("V3IO_API", "V3IO_ACCESS_KEY", "STOREWIRE_MAX_IN_FLIGHT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_environment_as_the_official_sdk(
    emulator: V3IOEmulator, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("V3IO_API", emulator.endpoint.split("://", 1)[1])  # no scheme: http
    clean_env.setenv("V3IO_ACCESS_KEY", emulator.access_key)
    with v3io.dataplane.Client(use_env_proxy=False) as client:
        assert client.endpoint == emulator.endpoint.rstrip("/")
        assert client.max_connections == DEFAULT_MAX_CONNECTIONS
        client.put_object(container="bigdata", path="/cfg/env", body=b"env")
        got = client.get_object(container="bigdata", path="/cfg/env")
        assert got.body == b"env"
        assert emulator.access_key not in repr(client.config)


def test_config_object_and_sdk_arguments(
    emulator: V3IOEmulator, clean_env: pytest.MonkeyPatch
) -> None:
    cfg = Config(endpoint=emulator.endpoint, access_key=Secret(emulator.access_key))
    with v3io.dataplane.Client(config=cfg, max_connections=3, use_env_proxy=False) as client:
        assert client.max_connections == 3
        client.put_object(container="bigdata", path="/cfg/obj", body=b"cfg")
    with v3io.dataplane.Client(
        config=cfg, access_key="wrong-key", use_env_proxy=False
    ) as wrong, pytest.raises(v3io.dataplane.HttpResponseError):
        wrong.get_object(container="bigdata", path="/cfg/obj")


def test_missing_endpoint_and_key_raise_as_before(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError, match="V3IO_API"):
        v3io.dataplane.Client()
    with pytest.raises(ValueError, match="V3IO_ACCESS_KEY"):
        v3io.dataplane.Client(endpoint="http://127.0.0.1:9")
    with pytest.raises(ValueError, match="V3IO_ACCESS_KEY"):
        v3io.dataplane.Client(endpoint="http://127.0.0.1:9", access_key="")
