"""sector.Client reads SECTOR_* through sector.config, only when asked to (real emulator)."""

from __future__ import annotations

import pytest

import sector
from sector.config import DEFAULT_PORT, Config
from storewire.config import Secret, load
from storewire.emulators.sector import SectorEmulator

SECTOR_VARS = ("SECTOR_HOST", "SECTOR_PORT", "SECTOR_USER", "SECTOR_PASSWORD", "SECTOR_CERT")


@pytest.fixture
def sector_env(master: SectorEmulator, monkeypatch: pytest.MonkeyPatch) -> SectorEmulator:
    monkeypatch.setenv("SECTOR_HOST", master.host)
    monkeypatch.setenv("SECTOR_PORT", str(master.port))
    monkeypatch.setenv("SECTOR_USER", master.user)
    monkeypatch.setenv("SECTOR_PASSWORD", master.password)
    monkeypatch.setenv("SECTOR_CERT", str(master.cert_path))
    return master


def test_from_env_logs_in_with_the_sector_variables(sector_env: SectorEmulator) -> None:
    with sector.Client.from_env(timeout_s=20.0) as client:
        assert client.logged_in
        assert (client.host, client.port) == (sector_env.host, sector_env.port)
        client.mkdir("/from-env")
        assert sector_env.password not in repr(client.config)


def test_init_never_logs_in_on_its_own(sector_env: SectorEmulator) -> None:
    # SECTOR_USER is set, yet init(host, port) only connects, as PySector's does.
    assert sector.init(sector_env.host, sector_env.port) == 0
    try:
        assert sector.mkdir("/needs-login") < 0
        cert = str(sector_env.cert_path)
        assert sector.login(sector_env.user, sector_env.password, cert) == 0
        assert sector.mkdir("/needs-login") == 0
    finally:
        sector.logout()
        sector.closeclient()


def test_a_config_object_with_argument_overrides(master: SectorEmulator) -> None:
    cfg = Config(host=master.host, port=master.port, user=master.user,
                 password=Secret("wrong"), cert=str(master.cert_path), timeout_s=20.0)
    with pytest.raises(PermissionError):
        sector.Client(config=cfg)
    with sector.Client(config=cfg, password=master.password) as client:
        assert client.logged_in


def test_defaults_and_parsing() -> None:
    cfg = load(Config, env={"SECTOR_PORT": "6100"})
    assert (cfg.host, cfg.port, cfg.user, cfg.cert) == ("127.0.0.1", 6100, None, None)
    assert load(Config, env={}).port == DEFAULT_PORT
    with pytest.raises(ValueError, match="SECTOR_PORT"):
        load(Config, env={"SECTOR_PORT": "six"})
