"""ds3.Client and createClientFromEnv read their settings through ds3.config (real emulator)."""

from __future__ import annotations

import pytest

import ds3
from ds3 import ds3 as seed
from ds3.config import Config, SdkConfig
from storewire.config import Secret, load
from storewire.emulators.ds3 import DS3Emulator
from storewire.errors import PermissionDeniedError

DS3_VARS = ("DS3_ENDPOINT", "DS3_ACCESS_KEY", "DS3_SECRET_KEY")


@pytest.fixture
def ds3_env(emulator: DS3Emulator, monkeypatch: pytest.MonkeyPatch) -> DS3Emulator:
    monkeypatch.setenv("DS3_ENDPOINT", emulator.endpoint)
    monkeypatch.setenv("DS3_ACCESS_KEY", emulator.access_key)
    monkeypatch.setenv("DS3_SECRET_KEY", emulator.secret_key)
    return emulator


def test_client_without_arguments_reads_the_ds3_variables(ds3_env: DS3Emulator) -> None:
    with ds3.Client() as client:
        client.put_bucket("from-env")
        assert "from-env" in [b.name for b in client.get_service()]
        assert client.endpoint.rstrip("/") == ds3_env.endpoint.rstrip("/")
        assert ds3_env.secret_key not in repr(client.config)


def test_arguments_beat_the_environment(
    ds3_env: DS3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DS3_SECRET_KEY", "not-the-secret")
    with ds3.Client() as wrong, pytest.raises(PermissionDeniedError):
        wrong.get_service()
    with ds3.Client(secret_key=ds3_env.secret_key) as right:
        right.get_service()


def test_a_config_object_replaces_the_environment(
    emulator: DS3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in DS3_VARS:
        monkeypatch.delenv(name, raising=False)
    cfg = Config(
        endpoint=emulator.endpoint,
        access_key=Secret(emulator.access_key),
        secret_key=Secret(emulator.secret_key),
        max_retries=0,
    )
    with ds3.Client(config=cfg, connect_timeout_s=2.0) as client:
        client.put_bucket("from-config")
        assert client.config.max_retries == 0
        assert client.config.connect_timeout_s == 2.0


def test_missing_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in DS3_VARS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="DS3_ENDPOINT"):
        ds3.Client()
    with pytest.raises(ValueError, match="DS3_SECRET_KEY"):
        ds3.Client("http://127.0.0.1:9", "key")


def test_create_client_from_env_keeps_the_sdk_behaviour(
    ds3_env: DS3Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = seed.createClientFromEnv()
    assert client.endpoint == ds3_env.endpoint and client.proxy is None
    client.putBucket("sdk-env")
    assert "sdk-env" in [b.name for b in client.getService()]
    for missing in DS3_VARS:
        monkeypatch.setenv(missing, "")
        with pytest.raises(seed.Ds3Error, match=f"Missing enviornment variable '{missing}'"):
            seed.createClientFromEnv()
        monkeypatch.setenv(missing, "x")


def test_sdk_config_takes_http_proxy_as_the_proxy() -> None:
    env = {"DS3_ENDPOINT": "http://h:1", "http_proxy": "http://proxy:3128"}
    assert load(SdkConfig, env=env).proxy == "http://proxy:3128"
    assert load(Config, env=env).proxy is None  # the modern client leaves it to the engine
