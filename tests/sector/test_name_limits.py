"""Names a slave cannot store (over 255 bytes, or a path over 4095): the emulated master
answers E_INVALID (-6000) at once and creates nothing, and the native client refuses them
before sending (InvalidRequestError)."""

from __future__ import annotations

import struct

import pytest
from sector_raw import RawSectorClient, cstr, open_request, two_paths

from storewire import errors

E_INVALID = -6000
LONG = "n" * 256
LONGEST = "n" * 255


@pytest.fixture
def raw(master):
    with RawSectorClient(master) as client:
        yield client


def error_code(reply: tuple[int, bytes]) -> int:
    rtype, data = reply
    assert rtype == -1, reply
    return int(struct.unpack_from("<i", data)[0])


@pytest.mark.parametrize("request_", [
    (103, cstr(f"/d/{LONG}")),                      # mkdir
    (110, open_request(f"/d/{LONG}", 2 | 4)),       # open a new file for writing
    (110, open_request(f"/d/{LONG}/f", 2 | 4)),     # ... below a name too long
], ids=["mkdir", "open", "open-below"])
def test_the_master_refuses_a_name_too_long_and_creates_nothing(master, raw, request_):
    mtype, data = request_
    assert error_code(raw.request(mtype, data)) == E_INVALID
    assert master.namespace.lookup("/d") is None  # not even the parent was made
    assert not any(master.slave.root.iterdir())


def test_a_move_to_a_name_too_long_is_refused_and_the_source_stays(master, raw):
    assert raw.request(103, cstr("/src"))[0] == 103
    assert error_code(raw.request(104, two_paths("/src", f"/{LONG}"))) == E_INVALID
    assert master.namespace.lookup("/src") is not None
    assert master.namespace.lookup(f"/{LONG}") is None


def test_255_bytes_is_still_a_name(master, raw, client):
    assert raw.request(103, cstr(f"/{LONGEST}"))[0] == 103
    assert [e.name for e in client.list("/")] == [LONGEST]


def test_the_native_client_refuses_them_before_sending(client):
    sent = client.gmp_stats["sent"]
    for call in (lambda: client.mkdir(f"/{LONG}"), lambda: client.open(f"/a/{LONG}", 6),
                 lambda: client.stat("/" + "/".join(["p" * 200] * 21))):
        with pytest.raises(errors.InvalidRequestError) as info:
            call()
        assert info.value.code == "-6000"
    assert client.gmp_stats["sent"] == sent
