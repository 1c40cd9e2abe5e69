"""What the DS3 emulator checks before it serves a request (issue 19): a Content-Length it
cannot trust and a request target with raw bytes get a 400 at once, signed or not; a
well-formed request next to them still works. Requests go over raw sockets, signed with
the test's own SigV2 code (ds3_client.py), so the bytes on the wire are exactly these."""

from __future__ import annotations

import email.utils
import socket
import time

import pytest
from ds3_client import DS3Raw, signature, string_to_sign

from storewire.emulators.ds3 import DS3Emulator

TIMEOUT_S = 10.0


def _raw(emu: DS3Emulator, method: str, target: bytes, headers: list[tuple[str, str]],
         body: bytes = b"") -> tuple[int, bytes, bool]:
    """Sends one signed request; returns (status, body, whether the server then closed)."""
    date = email.utils.formatdate(usegmt=True)
    path = target.split(b"?", 1)[0].decode("latin-1")
    query = target.split(b"?", 1)[1].decode("latin-1") if b"?" in target else ""
    sts = string_to_sign("c", method, path, query, {"Date": date})
    lines = [f"Host: 127.0.0.1:{emu.port}", f"Date: {date}",
             f"Authorization: AWS {emu.access_key}:{signature(emu.secret_key, sts)}",
             *(f"{k}: {v}" for k, v in headers)]
    head = method.encode() + b" " + target + b" HTTP/1.1\r\n" + \
        "".join(line + "\r\n" for line in lines).encode("utf-8") + b"\r\n"
    with socket.create_connection(("127.0.0.1", emu.port), timeout=TIMEOUT_S) as sock:
        sock.sendall(head + body)
        data = b""
        while b"\r\n\r\n" not in data:
            piece = sock.recv(65536)
            assert piece, f"closed without an answer: {data!r}"
            data += piece
        header_block, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in header_block.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            piece = sock.recv(65536)
            assert piece
            rest += piece
        sock.settimeout(0.3)  # a close comes at once; an open connection just waits
        try:
            closed = sock.recv(1) == b""
        except TimeoutError:
            closed = False
    return int(header_block.split(b" ")[1]), rest[:length], closed


@pytest.fixture
def bucket(ds3_emulator: DS3Emulator) -> str:
    with DS3Raw(ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key) as c:
        assert c.request("PUT", "/b").status == 200
    return "b"


def _exists(emu: DS3Emulator, key: str) -> bool:
    with DS3Raw(emu.endpoint, emu.access_key, emu.secret_key) as c:
        return c.request("HEAD", f"/b/{key}").status == 200


@pytest.mark.parametrize(
    "lengths",
    [["-5"], ["+3"], ["1_0"], ["0x3"], ["3.0"], ["\u0663"], ["3 4"], ["3", "4"], ["3,4"],
     [""], ["99999999999999999999"], ["9223372036854775808"]],
    ids=lambda v: repr(v),
)
def test_an_untrustworthy_content_length_is_refused(
    ds3_emulator: DS3Emulator, bucket: str, lengths: list[str]
) -> None:
    status, body, closed = _raw(ds3_emulator, "PUT", b"/b/k",
                                [("Content-Length", v) for v in lengths], b"abc")
    assert status == 400, body
    assert b"<Code>InvalidRequest</Code>" in body and b"Content-Length" in body
    assert closed  # where the body ends is unknown: the connection cannot be reused
    assert not _exists(ds3_emulator, "k")


def test_repeated_equal_content_lengths_are_one(ds3_emulator: DS3Emulator, bucket: str) -> None:
    status, body, _ = _raw(ds3_emulator, "PUT", b"/b/k",
                           [("Content-Length", "3"), ("Content-Length", "3")], b"abc")
    assert status == 200, body
    assert _exists(ds3_emulator, "k")


def test_a_negative_length_on_an_xml_request_is_answered_at_once(
    ds3_emulator: DS3Emulator, bucket: str
) -> None:
    """It used to read "-5 bytes", i.e. until the client hung up."""
    started = time.monotonic()
    status, body, closed = _raw(
        ds3_emulator, "PUT", b"/_rest_/bucket/b?operation=start_bulk_put",
        [("Content-Length", "-5")], b"<Objects><Object Name='x' Size='1'/></Objects>")
    assert time.monotonic() - started < 5
    assert status == 400 and closed, body


@pytest.mark.parametrize("target", [b"/b/\xff", b"/b/caf\xc3\xa9", b"/b/a\x7fb", b"/b/a\x01b",
                                    b"/b/k?x=\xe9"])
def test_raw_bytes_in_the_request_target_are_refused(
    ds3_emulator: DS3Emulator, bucket: str, target: bytes
) -> None:
    status, body, _ = _raw(ds3_emulator, "PUT", target, [("Content-Length", "1")], b"x")
    assert status == 400, body
    assert b"<Code>InvalidURI</Code>" in body
    with DS3Raw(ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key) as c:
        assert c.request("GET", "/b").xml().findall("Contents") == []


def test_the_percent_encoded_form_of_the_same_key_works(
    ds3_emulator: DS3Emulator, bucket: str
) -> None:
    status, body, closed = _raw(ds3_emulator, "PUT", b"/b/caf%C3%A9",
                                [("Content-Length", "1")], b"x")
    assert status == 200 and not closed, body
    assert _exists(ds3_emulator, "caf%C3%A9")


@pytest.mark.parametrize(
    ("operation", "attrs"),
    [
        ("start_bulk_put", 'Size="-1"'),
        ("start_bulk_put", 'Size="+1"'),
        ("start_bulk_put", 'Size="1_0"'),
        ("start_bulk_put", 'Size="9223372036854775808"'),
        ("start_bulk_put", 'Size="\u0661"'),
        ("start_bulk_get", 'Offset="-4" Length="5"'),
        ("start_bulk_get", 'Offset="0" Length="-1"'),
        ("start_bulk_get", 'Offset="99999999999999999999" Length="1"'),
        ("start_bulk_get", 'Offset=" 1" Length="1"'),
    ],
)
def test_bulk_job_numbers_are_plain_non_negative_integers(
    ds3_emulator: DS3Emulator, bucket: str, operation: str, attrs: str
) -> None:
    with DS3Raw(ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key) as c:
        assert c.request("PUT", "/b/k", body=b"0123456789").status == 200
        doc = f'<Objects><Object Name="k" {attrs}/></Objects>'.encode()
        r = c.request("PUT", "/_rest_/bucket/b", f"operation={operation}", body=doc)
        assert r.status == 400, r.body
        assert r.xml().findtext("Code") == "InvalidRequest"
        assert "must be an integer from 0 to 2^63-1" in (r.xml().findtext("Message") or "")
        assert c.request("GET", "/_rest_/job").xml().findall("Job") == []  # no job made


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("GET", "/b", "max-keys=-1"),
        ("GET", "/b", "max-keys=1_0"),
        ("GET", "/b", "max-keys=%2B5"),
        ("GET", "/b", "max-keys=99999999999999999999"),
        ("GET", "/_rest_/bucket", "page_length=-1"),
        ("GET", "/_rest_/bucket", "page_offset=%E0%A5%A7"),  # a Devanagari digit one
        ("PUT", "/b/k", "job=00000000-0000-0000-0000-000000000000&offset=-1"),
    ],
)
def test_query_numbers_are_plain_non_negative_integers(
    ds3_emulator: DS3Emulator, bucket: str, method: str, path: str, query: str
) -> None:
    with DS3Raw(ds3_emulator.endpoint, ds3_emulator.access_key, ds3_emulator.secret_key) as c:
        r = c.request(method, path, query, body=b"x" if method == "PUT" else b"")
        assert r.status == 400, r.body
        assert "must be an integer from 0 to 2^63-1" in (r.xml().findtext("Message") or "")
        assert c.request("GET", "/b", "max-keys=5").status == 200  # the plain form works
