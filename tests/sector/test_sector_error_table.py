"""Every Sector code the emulated master (or the client itself) produces arrives as the class
``storewire.errors.SECTOR_ERRORS`` names for it, with the code as text: the table is the one
place a Sector code becomes an exception class."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from storewire import errors

READ, WRITE = 1, 2


def _busy(master: Any, client: Any) -> None:
    f = client.open("/busy", WRITE)
    try:
        client.open("/busy", READ)
    finally:
        f.close()


def _closed_file(master: Any, client: Any) -> None:
    f = client.open("/closed", WRITE)
    f.close()
    f.write(b"late")


def _expired(master: Any, client: Any) -> None:
    client.logout()
    client.list("/")


# code, what produces it (against a master with one slave)
PRODUCERS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("-1001", lambda m, c: c.remove("/")),  # E_PERMISSION
    ("-1002", lambda m, c: (c.mkdir("/e"), c.mkdir("/e"))),  # E_EXIST
    ("-1003", lambda m, c: c.stat("/missing")),  # E_NOEXIST
    ("-1004", _busy),  # E_BUSY
    ("-1006", lambda m, c: (c.mkdir("/full/sub"), c.remove("/full"))),  # E_NOEMPTY
    ("-1007", lambda m, c: (m.add_file("/f", 1), c.list("/f"))),  # E_NOTDIR
    ("-1008", _closed_file),  # E_FILENOTOPEN (client side)
    ("-1010", lambda m, c: (c.mkdir("/d"), c.open("/d", READ))),  # E_NOTFILE
    ("-2000", lambda m, c: c.login(m.user, "wrong", m.cert_path)),  # E_SECURITY
    ("-2007", _expired),  # E_EXPIRED
    ("-6000", lambda m, c: c.mkdir("/bad#name")),  # E_INVALID (client side)
]


@pytest.mark.parametrize(("code", "produce"), PRODUCERS, ids=[c for c, _ in PRODUCERS])
def test_a_sector_code_is_raised_as_its_table_class(master, make_client, code, produce):
    client = make_client(login=code != "-2000")
    with pytest.raises(errors.StorageError) as info:
        produce(master, client)
    error = info.value
    assert error.code == code
    assert type(error) is errors.SECTOR_ERRORS.codes[code]
    assert error.status == 0
