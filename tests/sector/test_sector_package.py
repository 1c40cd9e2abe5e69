"""The ``sector`` package: PySector's functional API (status codes) and ``sector.Client``
(typed errors), against the emulated master."""

from __future__ import annotations

import pytest

import sector
from storewire import errors


@pytest.fixture
def functional(master):
    assert sector.init(master.host, master.port) == 0
    yield master
    sector.closeclient()


def test_readme_mkdir_and_rm_examples(functional):
    m = functional
    assert sector.login(m.user, m.password, str(m.cert_path)) == 0
    assert sector.mkdir("/mydir") == 0
    assert sector.stat("/mydir").is_dir
    assert sector.logout() == 0
    assert sector.closeclient() == 0

    assert sector.init(m.host, m.port) == 0
    assert sector.login(m.user, m.password, str(m.cert_path)) == 0
    assert sector.rm("/mydir") == 0
    assert sector.stat("/mydir") == -1003
    assert sector.logout() == 0


def test_functional_api_returns_negative_codes(functional):
    m = functional
    assert sector.login(m.user, "wrong", str(m.cert_path)) == -2000
    assert sector.mkdir("/x") == -2007  # not logged in
    assert sector.login(m.user, m.password, str(m.cert_path)) == 0
    assert sector.mkdir("/x/y") == 0
    assert sector.mkdir("/x/y") == -1002
    assert sector.move("/x/y", "/x/z") == 0
    assert sector.copy("/x/z", "/x/w") == 0
    assert [e.name for e in sector.list("/x")] == ["w", "z"]
    assert sector.list("/missing") == -1003
    assert sector.move("/missing", "/x/q") == -1003
    m.add_file("/x/z/file", 5)
    assert sector.rm("/x") == 0  # recursive, as PySector's remove
    assert sector.list("/") == []


def test_functional_api_without_init_returns_an_error():
    sector.closeclient()
    assert sector.mkdir("/x") == -6000
    assert sector.stat("/") == -6000


def test_client_context_manager_and_typed_errors(master):
    with sector.Client(master.host, master.port, user=master.user, password=master.password,
                       cert=master.cert_path) as client:
        assert client.logged_in
        client.mkdir("/p/q")
        info = client.stat("/p/q")
        assert isinstance(info, sector.FileInfo)
        assert (info.name, info.is_dir) == ("q", True)
        assert client.exists("/p") and not client.exists("/nope")
        with pytest.raises(FileNotFoundError) as err:
            client.stat("/nope")
        assert sector.error_code(err.value) == -1003
        with pytest.raises(FileExistsError):
            client.mkdir("/p/q")
        with pytest.raises(errors.ConflictError):
            client.remove("/p")
        client.remove("/p", recursive=True)
        assert client.list("/") == []
        usage = client.df()
        assert usage.available_bytes > 0 and usage.used_bytes == 0
        assert client.sysinfo()["total_files"] == 0
        client.keepalive()
    assert not client.logged_in
    assert master.sessions() == []  # closing logged out


def test_client_wrong_password_raises_permission_error(master):
    with pytest.raises(PermissionError) as err:
        sector.Client(master.host, master.port, user=master.user, password="bad",
                      cert=master.cert_path)
    assert isinstance(err.value, sector.SectorError)
    assert sector.error_code(err.value) == -2000


def test_client_from_env_and_certificate_download(master, monkeypatch):
    for key, value in master.env().items():
        monkeypatch.setenv(key, value)
    with sector.Client.from_env(timeout_s=10) as client:
        client.mkdir("/env")
    monkeypatch.delenv("SECTOR_CERT")
    with sector.Client.from_env() as client:  # fetches master_node.cert from port - 1
        assert [e.name for e in client.list("/")] == ["env"]


def test_readme_upload_download_and_read_examples(functional, tmp_path, rng):
    m = functional
    source = tmp_path / "SectorModule.cpp"
    source.write_bytes(b"".join(b"line %d %s\n" % (i, rng.randbytes(20).hex().encode())
                                for i in range(3000)))
    assert sector.login(m.user, m.password, str(m.cert_path)) == 0
    assert sector.upload(str(source), "/SectorModule.cpp") == 0
    assert sector.download("/SectorModule.cpp", str(tmp_path / "copy.cpp")) == 0
    assert (tmp_path / "copy.cpp").read_bytes() == source.read_bytes()
    f = sector.open("/SectorModule.cpp", 1)
    chunks = []
    data = sector.read(f, 4096)
    while len(data) != 0:
        chunks.append(data)
        data = sector.read(f, 4096)
    assert sector.close(f) == 0
    assert b"".join(chunks) == source.read_bytes()
    assert sector.logout() == 0


def test_functional_open_write_and_errors(functional):
    m = functional
    assert sector.login(m.user, m.password, str(m.cert_path)) == 0
    f = sector.open("/new.txt", 2)
    assert sector.write(f, b"written by sector.write\n") == 0
    assert sector.close(f) == 0
    assert sector.stat("/new.txt").size == 24
    assert sector.open("/missing.txt", 1) == -1003
    assert sector.download("/missing.txt", "/tmp/never-written") == -1003
    assert sector.upload("/no/such/local/file", "/x") == -1005


def test_sector_file_is_file_like(master):
    with sector.Client(master.host, master.port, user=master.user, password=master.password,
                       cert=master.cert_path) as client:
        with client.open("/lines.txt", "wb") as f:
            f.write(b"first\nsecond\n")
            f.write(bytearray(b"third without newline"))
        with client.open("/lines.txt") as f:
            assert f.readable() and not f.writable()
            assert list(f) == [b"first\n", b"second\n", b"third without newline"]
            f.seek(0)
            assert f.readline() == b"first\n"
            assert f.tell() == 6
            assert f.read(3) == b"sec"
            f.seek(-7, 2)
            assert f.read() == b"newline"
        with client.open("/lines.txt", "a") as f:
            f.write(b"\nfourth")
        with client.open("/lines.txt", "r+") as f:
            f.seek(0)
            f.write(b"FIRST")
            f.seek(0)
            assert f.read().splitlines() == [b"FIRST", b"second", b"third without newline",
                                             b"fourth"]
        assert f.closed
        with pytest.raises(ValueError):
            f.read()
        with pytest.raises(ValueError):
            client.open("/lines.txt", "x")
        with pytest.raises(FileNotFoundError):
            client.open("/nope")


def test_client_upload_download_encrypted(master, tmp_path, rng):
    src = tmp_path / "in.bin"
    src.write_bytes(rng.randbytes(1_000_000))
    with sector.Client(master.host, master.port, user=master.user, password=master.password,
                       cert=master.cert_path) as client:
        assert client.upload(src, "/e.bin", encrypt=True) == 1_000_000
        assert client.download("/e.bin", tmp_path / "out.bin", encrypt=True) == 1_000_000
        with client.open("/e.bin", "rb", encrypt=True) as f:
            assert f.read(100) == src.read_bytes()[:100]
    assert (tmp_path / "out.bin").read_bytes() == src.read_bytes()
