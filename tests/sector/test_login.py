"""The TLS login exchange: credentials, certificate pinning, TLS 1.0, re-login."""

from __future__ import annotations

import socket
import ssl
import struct

import pytest

from storewire import errors
from storewire._native import sector as native
from storewire.emulators.sector import SectorEmulator


def test_wrong_password_is_e_security_and_a_permission_error(master, make_client):
    client = make_client(login=False)
    with pytest.raises(errors.PermissionDeniedError) as info:
        client.login(master.user, "not-the-password", master.cert_path)
    assert isinstance(info.value, PermissionError)
    assert info.value.code == "-2000"
    assert info.value.operation == "login"
    assert not client.logged_in
    with pytest.raises(PermissionError):
        client.login("nobody", master.password, master.cert_path)
    assert master.sessions() == []


def test_a_certificate_other_than_the_masters_is_refused(master, make_client, tmp_path):
    other_cert, other_key = tmp_path / "other.cert", tmp_path / "other.key"
    native.make_self_signed_cert(other_cert, other_key)
    client = make_client(login=False)
    with pytest.raises(errors.TlsError):
        client.login(master.user, master.password, other_cert)
    with pytest.raises(errors.TlsError):
        client.login(master.user, master.password, tmp_path / "missing.cert")


def test_login_works_with_a_tls_1_0_only_master(master_dir):
    # The real master speaks TLS 1.0 only; the client allows it for Sector.
    with SectorEmulator(data_dir=master_dir, tls10_only=True) as tls10:
        client = native.Client(tls10.host, tls10.port, timeout_s=10)
        try:
            client.login(tls10.user, tls10.password, tls10.cert_path)
            client.mkdir("/tls10")
            assert client.stat("/tls10").is_dir
        finally:
            client.close()
    # ... and a client that insists on TLS 1.2 cannot even connect to it.
    with SectorEmulator(data_dir=master_dir, tls10_only=True) as tls10:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(tls10.cert_path)
        ctx.check_hostname = False
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        with socket.create_connection((tls10.host, tls10.port), timeout=5) as raw:
            with pytest.raises(ssl.SSLError):
                ctx.wrap_socket(raw)


def test_master_restart_relogin_keeps_the_session_key(master, client):
    key = client.session_key
    client.mkdir("/before")
    master.restart()  # the master forgets every session
    assert master.sessions() == []
    assert [e.name for e in client.list("/")] == ["before"]  # E_EXPIRED → re-login → retry
    assert client.session_key == key
    assert [s.key for s in master.sessions()] == [key]


def test_explicit_relogin_and_second_client_get_distinct_keys(make_client):
    first, second = make_client(), make_client()
    assert first.session_key != second.session_key
    key = first.session_key
    first.relogin()
    assert first.session_key == key


def test_fetch_certificate_serves_master_node_cert(master):
    pem = native.fetch_certificate(master.host, master.port)
    assert pem == master.cert_path.read_text()


def test_connection_refused_is_a_transport_error(make_client, master):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]  # bound, not listening: connect is refused
        client = native.Client("127.0.0.1", dead_port, timeout_s=5)
        try:
            with pytest.raises(errors.TransportError) as info:
                client.login(master.user, master.password, master.cert_path)
            assert info.value.code == "-3000"
        finally:
            client.close()


def test_version_mismatch_is_answered_with_e_version(master):
    # A raw TLS client speaking another protocol version gets -5000 at once.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(master.cert_path)
    ctx.check_hostname = False
    with socket.create_connection((master.host, master.port), timeout=5) as raw:
        with ctx.wrap_socket(raw) as tls:
            tls.sendall(struct.pack("<i", 2006030))
            assert struct.unpack("<i", tls.recv(4)) == (-5000,)


def test_a_fetched_certificate_is_private_to_the_client_and_kept_until_close(master, tmp_path):
    import os
    import tempfile

    import sector

    shared = os.path.join(tempfile.gettempdir(), "master_node.cert")
    planted = os.path.exists(shared)
    client = sector.Client(master.host, master.port, user=master.user, password=master.password)
    try:
        cert_dir = client._cert_dir
        assert cert_dir is not None
        kept = os.path.join(cert_dir.name, "master_node.cert")
        with open(kept, encoding="ascii") as f:
            assert f.read() == master.cert_path.read_text()
        assert os.stat(cert_dir.name).st_mode & 0o077 == 0  # no other user may swap it
        client._native.relogin()  # a re-login reads the same file again
        assert client.logged_in
    finally:
        client.close()
    assert not os.path.exists(kept)
    assert os.path.exists(shared) == planted  # nothing written to the shared temp dir


def test_fetching_the_certificate_keeps_to_the_clients_timeout():
    import time

    import sector

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts, then never answers
        port = silent.getsockname()[1] + 1  # the certificate is served on master port - 1
        started = time.monotonic()
        with pytest.raises(errors.TimeoutError):
            sector.Client("127.0.0.1", port, user="u", password="pw", timeout_s=1.0)
        assert time.monotonic() - started < 10  # not the 30 s default of a bare fetch
