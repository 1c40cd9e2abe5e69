"""Secrets never show in a repr, a log line or an exception message (issue 19): the ds3
secret key, the Sector password and the password of an endpoint URL, with the clients
talking to real emulators."""

from __future__ import annotations

import logging
import pickle
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import ds3
import sector
from ds3 import ds3 as seed
from storewire import errors, log
from storewire.emulators.ds3 import DS3Emulator
from storewire.emulators.sector import SectorEmulator


def fresh(prefix: str) -> str:
    return prefix + secrets.token_hex(10)


@pytest.fixture
def swlog(caplog: pytest.LogCaptureFixture) -> logging.Logger:
    caplog.set_level(logging.DEBUG, logger="storewire")
    return log.get_logger("tests.secrets")


@pytest.fixture
def emulator() -> Iterator[DS3Emulator]:
    with DS3Emulator() as emu:
        yield emu


@pytest.fixture
def ds3_user(emulator: DS3Emulator) -> Iterator[tuple[str, str]]:
    """A user with a secret nobody registered before this test."""
    access, secret = fresh("AK"), fresh("ds3-secret-")
    emulator.add_user(access, secret, "alice")
    yield access, secret
    log.forget_secret(secret)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- ds3 1.x Credentials ----------------------------------------------------------------


def test_credentials_repr_masks_the_secret_key(emulator: DS3Emulator, ds3_user) -> None:
    access, secret = ds3_user
    creds = seed.Credentials(access, secret)
    assert secret not in repr(creds) and secret not in str(creds)
    assert repr(creds) == f"Credentials(accessKey={access!r}, secretKey='***')"
    assert creds.secretKey == secret  # 1.x callers still read it
    client = seed.Ds3Client(emulator.endpoint, creds, proxy="")
    assert list(client.getService()) == []  # the unmasked secret signs the requests
    assert secret not in repr(vars(client))


def test_ds3_secret_is_masked_in_log_records(emulator: DS3Emulator, ds3_user, swlog,
                                             caplog) -> None:
    access, secret = ds3_user
    with ds3.Client(emulator.endpoint, access, secret, proxy="") as client:
        client.put_bucket("logs")
        swlog.warning("signing with %s for %s", secret, client.endpoint)
        # (a dict key that no other test registers as a secret: registrations are global)
        swlog.info("quoted %r", {"ds3-credential-under-test": secret})
    assert len(caplog.records) == 2
    assert secret not in caplog.text
    assert caplog.text.count(log.MASK) == 2


def test_ds3_1x_secret_is_masked_in_log_records(emulator: DS3Emulator, swlog, caplog) -> None:
    access, secret = fresh("AK"), fresh("ds3-1x-secret-")
    emulator.add_user(access, secret)
    try:
        client = seed.Ds3Client(emulator.endpoint, seed.Credentials(access, secret), proxy="")
        client.putBucket("one")
        swlog.error("credentials %s", client.credentials.secretKey)
        assert secret not in caplog.text and log.MASK in caplog.text
    finally:
        log.forget_secret(secret)


# -- Sector password ---------------------------------------------------------------------


@pytest.fixture
def sector_master(tmp_path: Path) -> Iterator[SectorEmulator]:
    with SectorEmulator(data_dir=tmp_path / "master", users={"carol": fresh("pw-")},
                        retransmit_s=0.2) as master:
        yield master
    log.forget_secret(master.password)


def test_sector_password_is_masked_in_log_records(sector_master: SectorEmulator, swlog,
                                                  caplog) -> None:
    m = sector_master
    with sector.Client(m.host, m.port, user=m.user, password=m.password,
                       cert=m.cert_path) as client:
        assert client.logged_in
        swlog.warning("login %s/%s", m.user, m.password)
    assert m.password not in caplog.text
    assert f"login {m.user}/{log.MASK}" in caplog.text


def test_sector_functional_login_masks_the_password(sector_master: SectorEmulator, swlog,
                                                    caplog) -> None:
    m = sector_master
    assert sector.init(m.host, m.port) == 0
    try:
        assert sector.login(m.user, m.password, str(m.cert_path)) == 0
        swlog.debug("password=%s", m.password)
        assert sector.logout() == 0
    finally:
        sector.closeclient()
    assert m.password not in caplog.text


# -- passwords in endpoint URLs ----------------------------------------------------------


def test_a_url_password_works_and_never_shows_in_ds3_errors(emulator: DS3Emulator,
                                                            ds3_user) -> None:
    access, secret = ds3_user
    password = fresh("url-pw-")
    endpoint = emulator.endpoint.replace("http://", f"http://alice:{password}@")
    with ds3.Client(endpoint, access, secret, proxy="", max_retries=0) as client:
        client.put_bucket("b")  # the userinfo does not get in the way of a real request
        with pytest.raises(errors.NotFoundError) as missing:
            client.get_object("b", "missing")
    refused = endpoint.replace(str(emulator.port), str(closed_port()))
    with ds3.Client(refused, access, secret, proxy="", max_retries=0) as client, \
            pytest.raises(errors.TransportError) as transport:
        client.get_service()
    for exc in (missing.value, transport.value):
        for text in (str(exc), repr(exc), repr(exc.args), exc.message, exc.resource,
                     str(pickle.loads(pickle.dumps(exc)))):
            assert password not in text
    assert "***@127.0.0.1:" in str(transport.value)  # still says which URL failed


def test_a_url_password_never_shows_in_ds3_1x_errors(emulator: DS3Emulator, ds3_user) -> None:
    access, secret = ds3_user
    password = fresh("url-pw-")
    endpoint = f"http://bob:{password}@127.0.0.1:{closed_port()}"
    client = seed.Ds3Client(endpoint, seed.Credentials(access, secret), proxy="")
    with pytest.raises(seed.Ds3Error) as info:
        client.getService()
    exc = info.value
    assert isinstance(exc, errors.TransportError)
    for text in (str(exc), repr(exc), exc.reason, str(exc.message), exc.resource):
        assert password not in text
    assert "***@127.0.0.1:" in str(exc)


def test_a_url_password_is_masked_in_log_records(swlog, caplog) -> None:
    password = fresh("pw-")
    swlog.warning("GET http://u:%s@host:8080/b/k failed", password)
    swlog.warning("proxy %s", f"https://{password}@proxy.example:3128")
    assert password not in caplog.text
    assert "http://u:***@host:8080/b/k" in caplog.text
    assert "https://***@proxy.example:3128" in caplog.text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("GET http://u:p4ss@h:1/x", "GET http://u:***@h:1/x"),
        ("(http://u:p@ss@h/x?y=a@b)", "(http://u:***@h/x?y=a@b)"),
        ("https://tok3n@h", "https://***@h"),
        ("mailto user@example.org at http://h/p@q", "mailto user@example.org at http://h/p@q"),
        ("s3://k:s@bucket/key", "s3://k:***@bucket/key"),
    ],
)
def test_every_error_masks_url_userinfo(text: str, shown: str) -> None:
    """StorageError, the root of every client's errors, is the one place that does it."""
    exc = errors.from_native("connection", text, "CURLE_COULDNT_CONNECT", resource=text)
    assert exc.message == shown and exc.resource == shown
    assert str(pickle.loads(pickle.dumps(exc))) == str(exc)
