"""Sector names allow only A-Z a-z 0-9 space and $'()*+-.=?@_~. A real
master does not refuse other names: it cuts the path before the first bad one, so the
client refuses them itself rather than let "rm /a/b#c" act on "/a"."""

from __future__ import annotations

import pytest

from storewire import errors
from storewire.emulators.sector.metadata import normalize

LEGAL = "/Az 09 $'()*+-.=?@_~"


def test_every_legal_character_round_trips(client):
    client.mkdir(LEGAL)
    assert [e.name for e in client.list("/")] == [LEGAL[1:]]
    assert client.stat(LEGAL).is_dir


@pytest.mark.parametrize("bad", ["/a/b#c", "/a,b", "/semi;colon", "/caf\u00e9", "/tab\there",
                                 "/back\\slash", "/q\"uote", "/pct%20"])
def test_illegal_names_are_refused_before_anything_is_sent(master, client, bad):
    client.mkdir("/a")
    sent = client.gmp_stats["sent"]
    for call in (lambda: client.mkdir(bad), lambda: client.stat(bad),
                 lambda: client.remove(bad), lambda: client.open(bad, 2),
                 lambda: client.move("/a", bad)):
        with pytest.raises(errors.InvalidRequestError) as info:
            call()
        assert info.value.code == "-6000"  # E_INVALID
    assert client.gmp_stats["sent"] == sent
    assert [e.name for e in client.list("/")] == ["a"]  # "/a" untouched


def test_the_emulated_master_cuts_paths_as_the_real_one_does():
    assert normalize("//a/./b//c/..") == "/a/b"
    assert normalize("/a/b#c/d") == "/a"
    assert normalize("/x#y") == "/"
    assert normalize("/../x") == "/"
    assert normalize("") == "/"
