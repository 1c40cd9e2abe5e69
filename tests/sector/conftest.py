"""Fixtures: a Sector master emulator on loopback and native clients logged in to it."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from storewire._native import sector as native
from storewire.emulators.sector import SectorEmulator

# Short resend intervals keep the lossy-network tests fast.
RETRANSMIT_S = 0.2


@pytest.fixture(scope="session")
def master_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One RSA key + certificate for every test master (key generation takes ~0.5 s)."""
    where = tmp_path_factory.mktemp("sector-cert")
    cert, key = where / "master_node.cert", where / "master_node.key"
    native.make_self_signed_cert(cert, key)
    return cert, key


@pytest.fixture
def master_dir(tmp_path: Path, master_cert: tuple[Path, Path]) -> Path:
    """A data dir already holding the shared certificate."""
    data = tmp_path / "master"
    data.mkdir()
    for src in master_cert:
        shutil.copy(src, data / src.name)
    return data


@pytest.fixture
def master(master_dir: Path) -> Iterator[SectorEmulator]:
    with SectorEmulator(data_dir=master_dir, retransmit_s=RETRANSMIT_S, seed=7) as emulator:
        yield emulator


@pytest.fixture
def make_client(master: SectorEmulator) -> Iterator[Callable[..., Any]]:
    """Builds native clients (closed at teardown); ``login=False`` skips the login."""
    made: list[Any] = []

    def make(*, login: bool = True, **options: Any) -> Any:
        options.setdefault("timeout_s", 20.0)
        options.setdefault("retransmit_s", RETRANSMIT_S)
        client = native.Client(master.host, master.port, **options)
        made.append(client)
        if login:
            client.login(master.user, master.password, master.cert_path)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., Any]) -> Any:
    return make_client()


@pytest.fixture
def start_cluster(master_dir: Path) -> Iterator[Callable[..., SectorEmulator]]:
    """Starts emulated clusters (``masters=``, ``slaves=``, ``replicas=`` ...) on the
    shared certificate; all are stopped at teardown."""
    started: list[SectorEmulator] = []

    def start(**options: Any) -> SectorEmulator:
        options.setdefault("retransmit_s", RETRANSMIT_S)
        emulator = SectorEmulator(data_dir=master_dir, **options)
        started.append(emulator)
        return emulator.start()

    yield start
    for emulator in reversed(started):
        emulator.stop()


@pytest.fixture
def login_to() -> Iterator[Callable[[SectorEmulator], Any]]:
    """Native clients logged in to a given emulator, closed at teardown."""
    made: list[Any] = []

    def login(emulator: SectorEmulator) -> Any:
        client = native.Client(emulator.host, emulator.port, timeout_s=20.0,
                               retransmit_s=RETRANSMIT_S)
        made.append(client)
        client.login(emulator.user, emulator.password, emulator.cert_path)
        return client

    yield login
    for client in made:
        client.close()
