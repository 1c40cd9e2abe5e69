"""The emulator's storage layer directly: path rules, caches that stay coherent with
SQLite (rollback, reopen), and group commit surviving a clean close."""

from __future__ import annotations

from pathlib import Path

import pytest

from storewire.emulators.v3io.errors import V3ioError
from storewire.emulators.v3io.store import Clock, Store, split_path


@pytest.mark.parametrize(
    ("path", "parts"),
    [("/a/b/", ["a", "b"]), ("a//b", ["a", "b"]), ("", []), ("/", []), ("..x/y..", ["..x", "y.."])],
)
def test_split_path(path: str, parts: list[str]) -> None:
    assert split_path(path) == parts


@pytest.mark.parametrize("path", ["a/../b", "./a", "a/\x00", "x" * 256])
def test_split_path_refuses(path: str) -> None:
    with pytest.raises(V3ioError) as info:
        split_path(path)
    assert info.value.status == 400


def test_rollback_leaves_no_trace_in_caches(tmp_path: Path) -> None:
    store = Store(tmp_path, Clock())
    try:
        root = store.ensure_container("c")
        table = store.make_dirs(root, ["t"])
        with pytest.raises(RuntimeError), store.transaction():
            store.insert(table, "ghost", is_dir=False)
            store.make_dirs(root, ["t", "sub"])
            assert store.child(table, "ghost") is not None
            raise RuntimeError("fail after writing")
        assert store.child(table, "ghost") is None
        assert store.lookup_dir(root, ["t", "sub"]) is None
        assert store.lookup_dir(root, ["t"]) == table
        kept = store.insert(table, "kept", is_dir=False, attrs='{"v":{"N":"1"}}')
        store.touch(kept, attrs='{"v":{"N":"2"}}')
        assert [n.attrs for n in store.children(table)] == ['{"v":{"N":"2"}}']
    finally:
        store.close()
    reopened = Store(tmp_path, Clock())
    try:
        root2 = reopened.container("c")
        assert root2 is not None
        node = reopened.lookup(root2, ["t", "kept"])
        assert node is not None and node.attrs == '{"v":{"N":"2"}}'
        assert reopened.lookup(root2, ["t", "ghost"]) is None
    finally:
        reopened.close()


def test_mtime_strictly_increases(tmp_path: Path) -> None:
    clock = Clock()
    store = Store(tmp_path, clock)
    try:
        root = store.ensure_container("c")
        node = store.insert(root.id, "x", is_dir=False)
        clock.offset_ns = -(10**12)  # even if the clock goes backwards
        seen = [node.mtime_ns]
        for _ in range(3):
            store.touch(node, attrs="{}")
            seen.append(node.mtime_ns)
        assert seen == sorted(set(seen))
    finally:
        store.close()
