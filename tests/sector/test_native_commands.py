"""The native Sector client against the emulated master: every namespace command, its
error replies mapped to ``storewire.errors`` classes, large GMP messages both ways."""

from __future__ import annotations

import threading

import pytest

from storewire import errors
from storewire._native import sector as native


def names(entries):
    return [e.name for e in entries]


def test_login_registers_a_session_at_the_client_gmp_port(master, client):
    assert client.logged_in
    key = client.session_key
    assert key > 0
    (session,) = master.sessions()
    assert session.key == key
    assert session.gmp_port == client.gmp_port
    assert session.ip == "127.0.0.1"


def test_mkdir_creates_parents_and_refuses_an_existing_path(client):
    client.mkdir("/a/b/c")
    assert names(client.list("/")) == ["a"]
    assert names(client.list("/a/b")) == ["c"]
    with pytest.raises(errors.AlreadyExistsError) as info:
        client.mkdir("/a/b")
    assert isinstance(info.value, FileExistsError)
    assert info.value.code == "-1002"
    assert info.value.operation == "mkdir"
    assert info.value.resource == "/a/b"


def test_stat_of_files_directories_and_root(master, client):
    client.mkdir("/dir")
    master.add_file("/dir/f.bin", 1234, mtime=1_700_000_000)
    f = client.stat("/dir/f.bin")
    assert (f.name, f.is_dir, f.size, f.mtime) == ("f.bin", False, 1234, 1_700_000_000)
    assert (f.replicas_target, f.replicas_max, f.replica_dist) == (1, 1, 65536)
    d = client.stat("//dir/./")
    assert (d.name, d.is_dir, d.size) == ("dir", True, 0)
    root = client.stat("/")
    assert (root.name, root.is_dir, root.size) == ("/", True, 1234)


def test_missing_paths_raise_not_found(client):
    with pytest.raises(errors.NotFoundError) as info:
        client.stat("/nope")
    assert isinstance(info.value, FileNotFoundError)
    assert info.value.code == "-1003"
    with pytest.raises(FileNotFoundError):
        client.list("/nope")


def test_list_is_name_ordered_and_a_file_is_not_a_directory(master, client):
    for name in ("zeta", "alpha", "with space", "m$'()*+-=?@_~"):
        client.mkdir(f"/d/{name}")
    master.add_file("/d/file", 7)
    assert names(client.list("/d")) == sorted(["zeta", "alpha", "with space",
                                               "m$'()*+-=?@_~", "file"])
    assert client.list("/d/alpha") == []
    with pytest.raises(errors.InvalidRequestError) as info:
        client.list("/d/file")
    assert info.value.code == "-1007"


def test_move_renames_moves_into_directories_and_refuses_existing_files(master, client):
    client.mkdir("/src")
    client.mkdir("/dst")
    master.add_file("/src/f", 10)
    master.add_file("/dst/taken", 1)
    client.move("/src/f", "/src/g")
    assert names(client.list("/src")) == ["g"]
    client.move("/src/g", "/dst")  # into an existing directory, same name
    assert names(client.list("/dst")) == ["g", "taken"]
    with pytest.raises(errors.AlreadyExistsError):
        client.move("/dst/g", "/dst/taken")
    with pytest.raises(errors.NotFoundError):
        client.move("/src/missing", "/dst/x")
    with pytest.raises(errors.NotFoundError):
        client.move("/dst/g", "/no/parent/x")


def test_remove_files_and_empty_directories_only(master, client):
    client.mkdir("/r/sub")
    master.add_file("/r/f", 3)
    with pytest.raises(errors.ConflictError) as info:
        client.remove("/r")
    assert info.value.code == "-1006"
    client.remove("/r/f")
    client.remove("/r/sub")
    client.remove("/r")
    assert client.list("/") == []
    with pytest.raises(errors.PermissionDeniedError):
        client.remove("/")
    with pytest.raises(errors.NotFoundError):
        client.remove("/r")


def test_rmr_removes_a_tree_and_a_single_file(master, client):
    for d in ("/t/a/b", "/t/c", "/keep"):
        client.mkdir(d)
    for f in ("/t/a/b/x", "/t/a/y", "/t/z", "/single"):
        master.add_file(f, 5)
    client.rmr("/t")
    client.rmr("/single")
    assert names(client.list("/")) == ["keep"]


def test_copy_files_and_directories(master, client):
    client.mkdir("/c/tree/inner")
    master.add_file("/c/tree/inner/f", 42)
    master.add_file("/c/one", 9)
    client.copy("/c/one", "/c/two")
    client.copy("/c/tree", "/c/tree2")
    assert client.stat("/c/two").size == 9
    assert client.stat("/c/tree2/inner/f").size == 42
    assert client.stat("/c/one").size == 9  # the source stays
    with pytest.raises(errors.AlreadyExistsError):
        client.copy("/c/one", "/c/two")


def test_utime_sets_the_mtime(master, client):
    master.add_file("/u", 1)
    client.utime("/u", 1_234_567_890)
    assert client.stat("/u").mtime == 1_234_567_890
    with pytest.raises(errors.NotFoundError):
        client.utime("/missing", 1)


def test_sysinfo_and_df(master, client):
    master.add_file("/a", 100)
    master.add_file("/b/c", 23)
    info = client.sysinfo()
    assert info["start_time"] == master.start_time
    assert info["total_file_bytes"] == 123
    assert info["total_files"] == 2
    assert info["free_disk"] > 0
    assert info["masters"] == [{"key": master.router_key, "ip": "", "port": master.port}]
    (slave,) = info["slaves"]
    assert (slave["ip"], slave["port"]) == (master.slave.host, master.slave.data_port)
    assert slave["status"] == 1 and slave["file_bytes"] == 123
    assert slave["path"] == str(master.slave.root)
    available, used = client.df()
    assert used == 123
    assert available > 0


def test_keepalive_logout_and_commands_after_logout(client):
    client.keepalive()
    client.logout()
    assert not client.logged_in
    with pytest.raises(errors.PermissionDeniedError) as info:
        client.list("/")
    assert info.value.code == "-2007"


def test_large_reply_arrives_over_the_udt_listener(client):
    for i in range(80):  # ~40 bytes per record: the ls reply is far over 1456 bytes
        client.mkdir(f"/big/entry-{i:03d}-with-a-longer-name")
    entries = client.list("/big")
    assert len(entries) == 80
    assert client.gmp_stats["large_received"] >= 1


def test_large_request_goes_over_udt(master, client):
    deep = "/" + "/".join(f"level{i:04d}" for i in range(160))  # 1600 bytes
    client.mkdir(deep)
    assert client.stat(deep).name == "level0159"
    assert client.gmp_stats["large_sent"] >= 1
    assert master.gmp.stats["large_received"] >= 1


def test_error_code_names():
    assert native.code_name(-1003) == "E_NOEXIST"
    assert native.code_name(-2000) == "E_SECURITY"
    assert native.code_name(-424242) == "E_UNKNOWN"
    assert native.code_text(-1006) == "directory not empty"


def test_concurrent_commands_from_many_threads(client):
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                client.mkdir(f"/par/t{n}/d{i}")
                assert client.stat(f"/par/t{n}/d{i}").is_dir
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures
    assert len(client.list("/par")) == 8
