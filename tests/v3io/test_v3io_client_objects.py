"""Containers and objects through storewire's v3io client."""

from __future__ import annotations

import pytest

import v3io.dataplane
from storewire import errors


def test_get_containers(client):
    response = client.get_containers()
    assert response.status_code == 200
    names = [c.name for c in response.output.containers]
    assert names[:2] == ["users", "bigdata"]
    assert all(isinstance(c.identifier, int) for c in response.output.containers)
    assert client.container.get().output.containers[0].name == "users"


def test_put_get_delete_object(client, name):
    path = f"/{name}/obj ect#1.txt"
    assert client.put_object(container="bigdata", path=path, body="hello, there").status_code == 200
    response = client.get_object(container="bigdata", path=path)
    assert response.body == b"hello, there"
    assert response.output is None
    assert client.get_object("bigdata", path, offset=3).body == b"lo, there"
    assert client.get_object("bigdata", path, offset=0, num_bytes=5).body == b"hello"
    assert client.object.get("bigdata", path, offset=7, num_bytes=5).body == b"there"
    head = client.object.head("bigdata", path)
    assert head.headers["Content-Length"] == "12"
    assert ("Content-Length", "12") in head.headers.items()
    assert client.delete_object(container="bigdata", path=path).status_code == 204
    with pytest.raises(FileNotFoundError):
        client.get_object("bigdata", path)


def test_object_bodies_and_append(client, name):
    path = f"{name}/data.bin"
    client.object.put("bigdata", path, body=bytearray(b"\x00\x01"))
    client.object.put("bigdata", path, body=memoryview(b"\x02\x03"), append=True)
    client.object.put("bigdata", path, body=b"\x04", append=True)
    assert client.object.get("bigdata", path).body == b"\x00\x01\x02\x03\x04"
    client.object.put("bigdata", path)  # no body: an empty object
    assert client.object.get("bigdata", path).body == b""


def test_listing(client, name):
    for i in range(5):
        client.put_object("bigdata", f"{name}/dir/file-{i}.txt", body=b"x" * i)
    client.put_object("bigdata", f"{name}/dir/sub/")  # a directory
    out = client.get_container_contents("bigdata", f"{name}/dir").output
    assert [c.key for c in out.contents] == [f"{name}/dir/file-{i}.txt" for i in range(5)]
    assert [c.size for c in out.contents] == list(range(5))
    assert [p.prefix for p in out.common_prefixes] == [f"{name}/dir/sub/"]
    assert out.is_truncated == "false"
    page = client.container.list("bigdata", f"{name}/dir/", limit=2).output
    assert len(page.contents) == 2 and page.is_truncated == "true"
    rest = client.container.list("bigdata", f"{name}/dir/", marker=page.next_marker).output
    assert [c.key for c in rest.contents] == [f"{name}/dir/file-{i}.txt" for i in (2, 3, 4)]
    dirs = client.container.list("bigdata", f"{name}/dir", directories_only=True).output
    assert dirs.contents == [] and len(dirs.common_prefixes) == 1
    full = client.container.list("bigdata", f"{name}/dir", get_all_attributes=True).output
    assert full.contents[0].mode.startswith("0") and isinstance(full.contents[0].inode_number, int)


def test_listing_missing_directory(client, name):
    response = client.container.list(
        "bigdata", f"{name}/nope", raise_for_status=v3io.dataplane.RaiseForStatus.never
    )
    assert response.status_code == 404
    assert "No such file" in response.output.error["ErrorMessage"]


def test_unknown_container(client):
    with pytest.raises(errors.NotFoundError) as info:
        client.get_object("no-such-container", "x")
    assert "Container not found" in str(info.value)


def test_closed_client_refuses(emulator):
    c = v3io.dataplane.Client(endpoint=emulator.endpoint, access_key=emulator.access_key,
                              use_env_proxy=False)
    c.close()
    with pytest.raises(RuntimeError, match="closed client"):
        c.get_containers()


def test_endpoint_and_key_from_environment(emulator, monkeypatch):
    monkeypatch.setenv("V3IO_API", emulator.endpoint.removeprefix("http://"))
    monkeypatch.setenv("V3IO_ACCESS_KEY", emulator.access_key)
    with v3io.dataplane.Client(use_env_proxy=False) as c:
        assert c.endpoint == emulator.endpoint
        assert c.get_containers().status_code == 200
    monkeypatch.delenv("V3IO_API")
    with pytest.raises(RuntimeError):
        v3io.dataplane.Client()
    monkeypatch.setenv("V3IO_API", emulator.endpoint)
    monkeypatch.delenv("V3IO_ACCESS_KEY")
    with pytest.raises(ValueError):
        v3io.dataplane.Client()


def test_access_key_never_shown(emulator):
    with v3io.dataplane.Client(endpoint=emulator.endpoint, access_key=emulator.access_key,
                               use_env_proxy=False) as c:
        assert emulator.access_key not in repr(c)
        assert emulator.access_key not in repr(vars(c))
