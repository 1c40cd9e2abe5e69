"""Hostile servers against ds3 secrets (issue 19): whatever a server answers, no text a
caller can see after the call (error str/repr/fields, the 1.x error fields, log records,
the application's own log of the error) shows the secret key, the password of the
endpoint URL or the request's signature, and the password never goes on the wire.

The server echoes the request's credentials back (in the message, reason phrase, request
id, a query string, a header dump), or fails at the transport level where the native
engine's message names the URL. The call runs in a child (hostile_secrets_cases); every
case must end with a typed storewire error or a result.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable

import pytest
from hostile_harness import Outcome, expect_ok, run_case
from hostile_http import Answer, Close, HostileHTTPServer, Request, Reset, Stall, response
from hostile_secrets_cases import (
    ACCESS_KEY,
    PROXY_PASSWORD,
    SECRET_KEY,
    URL_PASSWORD,
    URL_USER,
)

CASES = "hostile_secrets_cases"
BOUND_S = 30.0


def _xml_error(status: int, code: str, message: str, *, request_id: str = "r1",
               resource: str = "/b/k", reason: str = "Error",
               headers: dict[str, str] | None = None) -> bytes:
    doc = (f"<Error><Code>{code}</Code><Message>{message}</Message><Resource>{resource}"
           f"</Resource><RequestId>{request_id}</RequestId></Error>")
    return response(status, doc.encode(), {"Content-Type": "application/xml", **(headers or {})},
                    reason=reason)


def _auth(req: Request) -> str:
    return req.headers.get("authorization", "")


def _signature(req: Request) -> str:
    return _auth(req).rsplit(":", 1)[-1]


# Each answer is the same for every request, so a call fails at its first request.
ANSWERS: dict[str, Callable[[Request], Answer]] = {
    "reset": lambda req: Reset(b""),
    "close_before_status": lambda req: Close(b""),
    "close_in_status_line": lambda req: Close(b"HTTP/1.1 20"),
    "close_in_headers": lambda req: Close(b"HTTP/1.1 200 OK\r\nContent-Ty"),
    "not_http": lambda req: Close(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
    "proxy_html_500": lambda req: response(
        500, b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        {"Content-Type": "text/html"}, reason="Internal Server Error"),
    "retry_after_503": lambda req: _xml_error(503, "SlowDown", "later",
                                              headers={"Retry-After": "1"}),
    "echo_in_message": lambda req: _xml_error(
        403, "AccessDenied", f"denied: Authorization: {_auth(req)}"),
    "echo_in_reason_phrase": lambda req: _xml_error(
        403, "AccessDenied", "denied", reason=f"Forbidden {_auth(req)}"),
    "echo_as_request_id": lambda req: _xml_error(
        400, "InvalidRequest", "bad", request_id=_auth(req),
        headers={"x-amz-request-id": _auth(req)}),
    "echo_signature_in_query": lambda req: _xml_error(
        403, "SignatureDoesNotMatch", "check the key",
        resource=f"{req.path}?AWSAccessKeyId={ACCESS_KEY}&amp;Signature={_signature(req)}"),
    "echo_header_dump": lambda req: response(
        400, "".join(f"{k}: {v}\r\n" for k, v in req.headers.items()).encode(),
        {"Content-Type": "text/plain"}, reason="Bad Request"),
    "echo_headers_json": lambda req: response(
        401, json.dumps({"error": "denied", "headers": req.headers}).encode(),
        {"Content-Type": "application/json"}, reason="Unauthorized"),
    "truncated_body": lambda req: Close(response(
        200, b"<ListAllMyB", {"Content-Length": "4096", "Content-Type": "application/xml"})),
    "not_utf8_error": lambda req: response(
        404, b"\xff\xfe<Error><Code>NoSuchKey\xc3</Code></Error>",
        {"Content-Type": "application/xml"}, reason="Not \xe9Found"),
    "stall": lambda req: Stall(),
}

CALLS = ["get_service", "put_object", "get_object", "head_object", "get_bytes",
         "seed_getService", "seed_getBucket", "seed_headObject", "seed_putBucket"]


def _check(outcome: Outcome, requests: list[Request]) -> dict[str, object]:
    result = expect_ok(outcome)
    assert isinstance(result, dict)
    raised = result["raised"]
    assert not raised or "StorageError" in raised, raised
    text = str(result["text"])
    secrets = [SECRET_KEY, URL_PASSWORD, PROXY_PASSWORD]
    secrets += [base64.b64encode(f"{URL_USER}:{pw}".encode()).decode()  # Basic credentials
                for pw in (URL_PASSWORD, PROXY_PASSWORD)]
    secrets += [_signature(r) for r in requests if _auth(r)]
    for secret in secrets:
        assert secret not in text, (secret, text)
    assert "Credentials(accessKey='AKIDSECRETSHOSTILE', secretKey='***')" in text
    for req in requests:  # the URL's password is not sent (e.g. as Basic auth) either
        assert URL_PASSWORD not in json.dumps(req.headers) + req.target
        assert PROXY_PASSWORD not in json.dumps(req.headers) + req.target
        assert _auth(req).startswith(f"AWS {ACCESS_KEY}:"), req.headers
    return result


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("answer", list(ANSWERS))
def test_no_secret_shows_after_a_hostile_answer(answer: str, call: str) -> None:
    with HostileHTTPServer(ANSWERS[answer]) as server:
        outcome = run_case(f"{CASES}:texts_after_call", server.url, call, bound_s=BOUND_S)
        requests = list(server.requests)
    result = _check(outcome, requests)
    assert requests, "the call never reached the server"
    if answer != "truncated_body" or not call.endswith(("head_object", "headObject")):
        assert result["raised"], f"{call} succeeded against {answer}"  # a HEAD has no body


@pytest.mark.parametrize("call", CALLS)
def test_no_secret_shows_when_the_connection_is_refused(call: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    outcome = run_case(f"{CASES}:texts_after_call", f"http://127.0.0.1:{port}", call,
                       bound_s=BOUND_S)
    result = _check(outcome, [])
    assert "TransportError" in result["raised"]  # type: ignore[operator]
    assert "***@127.0.0.1" in str(result["text"])  # which URL failed is still said


PROXY_ANSWERS: dict[str, Callable[[Request], Answer]] = {
    "proxy_auth_echo": lambda req: response(
        407, f"<html>got Proxy-Authorization: {req.headers.get('proxy-authorization')}"
             f" Authorization: {_auth(req)}</html>".encode(),
        {"Content-Type": "text/html", "Proxy-Authenticate": 'Basic realm="p"'},
        reason="Proxy Authentication Required"),
    "proxy_bad_gateway": ANSWERS["proxy_html_500"],
    "proxy_echo_in_message": ANSWERS["echo_in_message"],
    "proxy_reset": ANSWERS["reset"],
    "proxy_close_in_headers": ANSWERS["close_in_headers"],
}


@pytest.mark.parametrize("call", ["get_service", "put_object", "get_bytes", "seed_getService",
                                  "seed_headObject"])
@pytest.mark.parametrize("answer", list(PROXY_ANSWERS))
def test_no_secret_shows_after_a_hostile_proxy_answer(answer: str, call: str) -> None:
    """A proxy URL with a password: the proxy gets it as Proxy-Authorization (that is what
    it is for), and it shows nowhere else, whatever the proxy answers."""
    with HostileHTTPServer(PROXY_ANSWERS[answer]) as server:
        outcome = run_case(f"{CASES}:texts_after_call", server.url, call, True,
                           bound_s=BOUND_S)
        requests = list(server.requests)
    result = _check(outcome, requests)
    assert result["raised"], f"{call} succeeded against {answer}"
    expected = "Basic " + base64.b64encode(f"{URL_USER}:{PROXY_PASSWORD}".encode()).decode()
    assert requests and all(r.headers.get("proxy-authorization") == expected
                            for r in requests)
    assert all(r.target.startswith("http://127.0.0.1:9/") for r in requests)
