"""Where the DS3 emulator keeps its users' secret keys (issue 19): the database of a
persistent data dir is owner-only, and a user's repr does not show the key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ds3_client import DS3Raw

from storewire.emulators.ds3 import DS3Emulator, User


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_the_database_and_its_wal_are_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual umask would make them 0644
    try:
        with DS3Emulator(data_dir=tmp_path) as emu:
            with DS3Raw(emu.endpoint, emu.access_key, emu.secret_key) as c:
                assert c.request("PUT", "/b").status == 200  # something in the WAL
            files = sorted(tmp_path.glob("ds3.sqlite3*"))
            assert tmp_path / "ds3.sqlite3" in files and len(files) >= 2, files
            for path in files:
                assert _mode(path) == 0o600, (path, oct(_mode(path)))
            secret = emu.secret_key
    finally:
        os.umask(old_umask)
    assert secret.encode() in (tmp_path / "ds3.sqlite3").read_bytes()  # why it matters


def test_an_existing_world_readable_database_is_made_owner_only(tmp_path: Path) -> None:
    with DS3Emulator(data_dir=tmp_path) as emu:
        secret = emu.secret_key
    (tmp_path / "ds3.sqlite3").chmod(0o644)
    with DS3Emulator(data_dir=tmp_path) as emu:
        assert emu.secret_key == secret  # the same data, reopened
        assert _mode(tmp_path / "ds3.sqlite3") == 0o600


def test_a_user_repr_hides_the_secret_key(ds3_emulator: DS3Emulator) -> None:
    user = ds3_emulator.add_user("YWxpY2U=", "alice-secret-key", "alice")
    assert "alice-secret-key" not in repr(user)
    assert user == User("YWxpY2U=", "alice-secret-key", "alice")
    with DS3Raw(ds3_emulator.endpoint, "YWxpY2U=", "alice-secret-key") as c:
        assert c.request("GET", "/").status == 200
