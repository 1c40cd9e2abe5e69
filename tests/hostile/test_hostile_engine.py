"""The HTTP engine against hostile answers: every cut, malformed or oversized response
head or body ends in a typed error within its bound, never an empty "success"; and
nothing a caller passes can inject or cut request text (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_harness import expect_ok, expect_typed, run_case
from hostile_http import Close, HostileHTTPServer, Request, Reset, Stall, response

S = b"HTTP/1.1 200 OK\r\n"  # a status line, to keep the table readable
OK = S + b"Content-Length: 5\r\n\r\nhello"

# (answer to every request, the typed error expected). Each is a distinct hostile answer.
CUTS = {
    "closed-at-once": (Close(b""), "ProtocolError"),
    "reset-at-once": (Reset(b""), "TransportError"),
    "inside-version": (Close(b"HTTP/1."), "ProtocolError"),
    "inside-status-code": (Close(b"HTTP/1.1 20"), "ProtocolError"),
    "after-status-code": (Close(b"HTTP/1.1 200"), "ProtocolError"),
    "inside-reason": (Close(b"HTTP/1.1 200 O"), "ProtocolError"),
    "after-status-line": (Close(S + b""), "ProtocolError"),
    "inside-header-name": (Close(S + b"Content-Ty"), "ProtocolError"),
    "inside-header-value": (Close(S + b"Content-Type: text/pl"), "ProtocolError"),
    "after-one-header": (Close(S + b"Content-Type: text/plain\r\n"), "ProtocolError"),
    "after-length-header": (Close(S + b"Content-Length: 5\r\n"), "ProtocolError"),
    "inside-final-crlf": (Close(S + b"Content-Length: 5\r\n\r"), "ProtocolError"),
    "reset-inside-headers": (Reset(S + b"ETag: \"ab"), "TransportError"),
    "after-100-continue": (Close(b"HTTP/1.1 100 Continue\r\n\r\n"), "ProtocolError"),
    "inside-after-100": (Close(b"HTTP/1.1 100 Continue\r\n\r\n" + S + b"X"), "ProtocolError"),
    "body-cut": (Close(S + b"Content-Length: 100\r\n\r\nshort"), "ProtocolError"),
    "body-reset": (Reset(S + b"Content-Length: 100\r\n\r\nshort"), "TransportError"),
    "chunked-cut": (Close(S + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhel"),
                    "ProtocolError"),
    "chunked-no-terminator": (
        Close(S + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
        "ProtocolError",
    ),
}

MALFORMED = {
    "status-letters": b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
    "status-999": b"HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n",
    "status-099": b"HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n",
    "status-four-digits": b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
    "status-missing": b"HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
    "not-http": b"\x00\xff\xfeSSH-2.0-nope\r\n\r\n",
    "http09-body": b"hello there, no status line at all",
    "header-without-colon": S + b"Content-Length: 5\r\nBogus line\r\n\r\nhello",
    "header-name-space": S + b"Bad Name: x\r\nContent-Length: 5\r\n\r\nhello",
    "header-control-char": S + b"X-A: a\x01b\r\nContent-Length: 5\r\n\r\nhello",
    "header-nul": S + b"X-A: a\x00b\r\nContent-Length: 5\r\n\r\nhello",
    "continuation-first": S + b" folded\r\nContent-Length: 5\r\n\r\nhello",
    "negative-length": S + b"Content-Length: -5\r\n\r\nhello",
    "garbage-length": S + b"Content-Length: five\r\n\r\nhello",
    "overflowing-length": S + b"Content-Length: 99999999999999999999999\r\n\r\nhi",
    "conflicting-lengths": S + b"Content-Length: 5\r\nContent-Length: 9\r\n\r\nhello",
    "bad-chunk-size": S + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
    "overflowing-chunk-size": (
        S + b"Transfer-Encoding: chunked\r\n\r\n"
        b"fffffffffffffffffffff\r\nhello\r\n0\r\n\r\n"
    ),
    "unknown-encoding": S + b"Transfer-Encoding: zip\r\n\r\nhello",
    "too-many-headers": S + b"" + b"X-A: b\r\n" * 2000 + b"Content-Length: 0\r\n\r\n",
    "huge-head": S + b"" + b"X-Big: " + b"a" * 90_000 + b"\r\n" * 1
    + (b"X-More: " + b"b" * 90_000 + b"\r\n") * 13 + b"Content-Length: 0\r\n\r\n",
}


def _serve(answer: object) -> HostileHTTPServer:
    return HostileHTTPServer(lambda request: answer)  # type: ignore[arg-type, return-value]


@pytest.mark.parametrize("name", sorted(CUTS))
def test_a_cut_response_is_a_typed_error(name: str) -> None:
    answer, expected = CUTS[name]
    with _serve(answer) as server:
        expect_typed(run_case("hostile_engine_cases:get", server.url + "/x"), expected)


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_response_is_a_transport_error(name: str) -> None:
    # ProtocolError mostly; curl reports a few (bad chunk sizes, its own head size cap) as
    # receive errors, which are TransportErrors too and retried alike.
    with _serve(Close(MALFORMED[name])) as server:
        expect_typed(run_case("hostile_engine_cases:get", server.url + "/x"), "TransportError")


def test_a_cut_inside_the_head_is_retried_and_then_succeeds() -> None:
    def respond(request: Request) -> object:
        return Close(S + b"Content-Ty") if request.index == 0 else OK

    with HostileHTTPServer(respond) as server:  # type: ignore[arg-type]
        value = expect_ok(run_case("hostile_engine_cases:get", server.url + "/x", 2))
    assert value["body"] == "hello" and value["attempts"] == 2


def test_a_cut_inside_the_head_is_never_an_empty_success_after_retries() -> None:
    with _serve(Close(S + b"Content-Type: text/plain\r\n")) as server:
        outcome = run_case("hostile_engine_cases:get", server.url + "/x", 2)
        expect_typed(outcome, "ProtocolError")
        assert len(server.requests) == 3


def test_a_stalled_server_ends_at_the_timeout() -> None:
    with _serve(Stall()) as server:
        outcome = run_case("hostile_engine_cases:get", server.url + "/x", 0, 1.0, bound_s=15)
    expect_typed(outcome, "TimeoutError")


def test_a_head_cut_on_head_method_is_an_error() -> None:
    with _serve(Close(S + b"Content-Length: 5\r\n")) as server:
        expect_typed(run_case("hostile_engine_cases:head", server.url + "/x"), "ProtocolError")


def test_extra_body_bytes_do_not_become_the_next_answer() -> None:
    # 5 bytes promised, 5 + a whole fake response sent: the leftover must not be read as
    # the answer to the next request on the pooled connection.
    answer = S + b"Content-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil"
    with _serve(answer) as server:
        outcome = run_case("hostile_engine_cases:get_twice", server.url + "/x")
    if outcome.kind == "ok":
        assert [r["body"] for r in outcome.value] == ["hello", "hello"], outcome.describe()
    else:
        expect_typed(outcome, "ProtocolError")


def test_a_body_larger_than_the_buffer_is_refused() -> None:
    with _serve(response(200, b"x" * 100)) as server:
        expect_typed(run_case("hostile_engine_cases:get_into", server.url + "/x", 10),
                     "BufferTooSmallError")


def test_an_error_reply_creates_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with _serve(response(500, b"oops", reason="Internal")) as server:
        value = expect_ok(run_case("hostile_engine_cases:get_into_file", server.url + "/x",
                                   str(target)))
    assert value["status"] == 500 and not target.exists()


def test_a_head_cut_into_a_file_creates_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with _serve(Close(S + b"Content-Length: 5\r\n")) as server:
        expect_typed(run_case("hostile_engine_cases:get_into_file", server.url + "/x",
                              str(target)), "ProtocolError")
    assert not target.exists()


@pytest.mark.parametrize("value", ["-5", "nan", "inf", "1e309", "99999999999", "soon", ""])
def test_a_hostile_retry_after_is_bounded(value: str) -> None:
    answer = response(503, b"busy", {"Retry-After": value}, reason="Busy")
    with _serve(answer) as server:
        outcome = run_case("hostile_engine_cases:retry_after", server.url + "/x", 0.5, bound_s=15)
    assert expect_ok(outcome)["status"] == 503 and outcome.seconds < 10


# -- what the caller sends -------------------------------------------------------------

INJECTIONS = {
    "method-crlf": ["GET\r\nX-Evil: 1", [], "/x"],
    "method-space": ["GET /other", [], "/x"],
    "method-nul": ["GE\x00T", [], "/x"],
    "header-value-crlf": ["GET", [["X-A", "v\r\nX-Evil: 1"]], "/x"],
    "header-value-lf": ["GET", [["X-A", "v\nX-Evil: 1"]], "/x"],
    "header-value-nul": ["GET", [["X-A", "before\x00after"]], "/x"],
    "header-name-colon": ["GET", [["X-A: b", "v"]], "/x"],
    "header-name-crlf": ["GET", [["X-A\r\nX-Evil", "v"]], "/x"],
    "header-name-empty": ["GET", [["", "v"]], "/x"],
    "header-lone-surrogate": ["GET", [["X-A", "\udc80"]], "/x"],
    "url-nul": ["GET", [], "/x\x00/../secret"],
    "url-crlf": ["GET", [], "/x\r\nX-Evil: 1"],
    "url-space": ["GET", [], "/x HTTP/1.1\r\nX-Evil: 1"],
}


@pytest.mark.parametrize("name", sorted(INJECTIONS))
def test_request_text_that_would_inject_or_cut_is_refused(name: str) -> None:
    method, headers, path = INJECTIONS[name]
    with _serve(OK) as server:
        outcome = run_case("hostile_engine_cases:send", method, server.url + path, headers)
        expect_typed(outcome, "InvalidRequestError")
        assert server.requests == []


@pytest.mark.parametrize("agent", ["agent\r\nX-Evil: 1", "agent\x00cut", "agent\n"])
def test_a_user_agent_that_would_inject_is_refused(agent: str) -> None:
    with _serve(OK) as server:
        expect_typed(run_case("hostile_engine_cases:with_agent", server.url + "/x", agent),
                     "InvalidRequestError")
        assert server.requests == []


@pytest.mark.parametrize("path", ["/a/../b", "/a/./b", "/bucket/..", "/x/%2e%2e/y", "/a//b"])
def test_paths_are_sent_exactly_as_written(path: str) -> None:
    with _serve(OK) as server:
        expect_ok(run_case("hostile_engine_cases:send", "GET", server.url + path, []))
        assert [r.target for r in server.requests] == [path]


def test_userinfo_and_signatures_stay_out_of_error_text() -> None:
    with _serve(Close(S + b"Content-Ty")) as server:
        url = (f"http://alice:s3cr3t-pw@127.0.0.1:{server.port}/k"
               "?X-Amz-Signature=deadbeefcafe&Signature=feedface")
        outcome = expect_typed(run_case("hostile_engine_cases:get", url), "ProtocolError")
    for secret in ("s3cr3t-pw", "deadbeefcafe", "feedface"):
        assert secret not in outcome.message, outcome.message


def _dies_on_the_second_request(request: Request) -> object:
    # The kept-alive connection dies when the second request arrives, before any answer:
    # libcurl then re-sends that request on a fresh connection by itself.
    return Close(b"") if request.index == 1 else OK


@pytest.mark.parametrize(("method", "retry"), [("PUT", None), ("POST", True)])
def test_a_silent_resend_on_a_fresh_connection_counts_as_an_attempt(
    method: str, retry: bool | None
) -> None:
    with HostileHTTPServer(_dies_on_the_second_request) as server:  # type: ignore[arg-type]
        value = expect_ok(run_case("hostile_engine_cases:warm_then_send", server.url + "/x",
                                   method, retry))
        assert [r.method for r in server.requests] == ["GET", method, method]
    assert value["attempts"] == 2


def test_a_post_is_never_resent_silently() -> None:
    with HostileHTTPServer(_dies_on_the_second_request) as server:  # type: ignore[arg-type]
        outcome = run_case("hostile_engine_cases:warm_then_send", server.url + "/x", "POST")
        expect_typed(outcome, "TransportError")
        assert [r.method for r in server.requests] == ["GET", "POST"]


def test_a_silent_resend_of_a_request_without_body_counts_too() -> None:
    with HostileHTTPServer(_dies_on_the_second_request) as server:  # type: ignore[arg-type]
        value = expect_ok(run_case("hostile_engine_cases:warm_then", server.url + "/x",
                                   "DELETE"))
        assert [r.method for r in server.requests] == ["GET", "DELETE", "DELETE"]
    assert value["attempts"] == 2


def test_a_post_without_body_is_never_resent_silently() -> None:
    with HostileHTTPServer(_dies_on_the_second_request) as server:  # type: ignore[arg-type]
        outcome = run_case("hostile_engine_cases:warm_then", server.url + "/x", "POST")
        expect_typed(outcome, "TransportError")
        assert "may have applied" in outcome.message
        assert [r.method for r in server.requests] == ["GET", "POST"]
