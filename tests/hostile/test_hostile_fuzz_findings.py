"""Answers the fuzz targets (fuzz/) found to slip through a parser, kept as hostile cases so
they stay fixed: each must end in a typed error, never an answer carrying the bytes."""

from __future__ import annotations

import pytest
from hostile_harness import expect_ok, expect_typed, run_case
from hostile_http import Close, HostileHTTPServer

S = b"HTTP/1.1 200 OK\r\n"
TAIL = b"Content-Length: 5\r\n\r\nhello"

# fuzz_http_head: control characters in the reason phrase and in folded header values were
# kept (and reached exception text and header values) while the same byte in an unfolded
# value was refused.
FOUND = {
    "reason-control-char": b"HTTP/1.1 200 HTTP/1\x12.r: 3\r\n" + TAIL,
    "reason-escape-sequence": b"HTTP/1.1 404 \x1b[2JNot Found\r\n" + TAIL,
    "reason-inner-cr": b"HTTP/1.1 200 O\rK\r\n" + TAIL,
    "reason-nul": b"HTTP/1.1 500 Internal\x00Error\r\n" + TAIL,
    "folded-control-char": S + b"X-A: a\r\n \x01b\r\n" + TAIL,
    "folded-nul": S + b"X-A: a\r\n\tb\x00c\r\n" + TAIL,
    "folded-escape-sequence": S + b"ETag: \"e\"\r\n \x1b[1m\r\n" + TAIL,
}


@pytest.mark.parametrize("name", sorted(FOUND))
def test_a_fuzz_finding_is_a_protocol_error(name: str) -> None:
    with HostileHTTPServer(lambda request: Close(FOUND[name])) as server:
        expect_typed(run_case("hostile_engine_cases:get", server.url + "/x"), "ProtocolError")


def test_clean_reason_and_folded_values_still_pass() -> None:
    answer = b"HTTP/1.1 200 All Good\r\nX-A: a\r\n \tb\r\n" + TAIL
    with HostileHTTPServer(lambda request: Close(answer)) as server:
        value = expect_ok(run_case("hostile_engine_cases:get", server.url + "/x"))
    assert value["body"] == "hello"
