"""The engine when things go wrong: resets, truncation, stalls, garbage, refused
connections, retries (5xx, Retry-After, idempotency), proxies and TLS verification."""

from __future__ import annotations

import builtins
import hashlib
import json
import time

import pytest

import fault_servers
from fault_servers import ForwardProxy, ScriptedServer
from storewire import errors
from storewire._native import http as native_http
from storewire.testing.tls import make_tls_files

pytestmark = pytest.mark.usefixtures("clean_proxy_env")


def _no_retry_client(**options: object) -> native_http.Client:
    return native_http.Client(max_retries=0, **options)


# -- broken transports ----------------------------------------------------------------------


def test_reset_mid_body_is_a_transport_error():
    with ScriptedServer(fault_servers.reset_mid_body) as srv, _no_retry_client() as c:
        url = srv.url + "/reset"
        with pytest.raises(errors.TransportError) as caught:
            c.request("GET", url)
    assert isinstance(caught.value, ConnectionError)
    assert not isinstance(caught.value, builtins.TimeoutError)
    assert url in str(caught.value)


def test_reset_is_retried_for_idempotent_methods():
    with (
        ScriptedServer(fault_servers.reset_mid_body) as srv,
        native_http.Client(max_retries=2, retry_base_delay_s=0.01) as c,
    ):
        with pytest.raises(errors.TransportError):
            c.request("GET", srv.url + "/a")
        assert srv.connections == 3  # one try + two retries


def test_reset_is_not_retried_for_post_unless_asked():
    with (
        ScriptedServer(fault_servers.reset_mid_body) as srv,
        native_http.Client(max_retries=2, retry_base_delay_s=0.01) as c,
    ):
        with pytest.raises(errors.TransportError):
            c.request("POST", srv.url + "/a", body=b"payload")
        assert srv.connections == 1
        with pytest.raises(errors.TransportError):
            c.request("POST", srv.url + "/a", body=b"payload", retry=True)
        assert srv.connections == 1 + 3


def test_truncated_response_is_a_protocol_error():
    with ScriptedServer(fault_servers.truncated) as srv, _no_retry_client() as c:
        with pytest.raises(errors.ProtocolError) as caught:
            c.request("GET", srv.url + "/short")
    assert isinstance(caught.value, errors.TransportError)
    assert isinstance(caught.value, ConnectionError)


def test_truncated_response_into_a_buffer_is_a_protocol_error():
    buf = bytearray(200_000)
    with ScriptedServer(fault_servers.truncated) as srv, _no_retry_client() as c:
        with pytest.raises(errors.ProtocolError):
            c.request("GET", srv.url + "/short", into=buf)


def test_stalled_server_times_out():
    with ScriptedServer(fault_servers.stall) as srv, _no_retry_client() as c:
        start = time.monotonic()
        with pytest.raises(errors.TimeoutError) as caught:
            c.request("GET", srv.url + "/never", timeout_s=0.5)
        elapsed = time.monotonic() - start
    assert isinstance(caught.value, builtins.TimeoutError)
    assert isinstance(caught.value, errors.TransportError)
    assert 0.4 <= elapsed < 3.0


def test_client_timeout_applies_when_headers_arrived_but_the_body_stalls():
    with (
        ScriptedServer(fault_servers.stall_after_headers) as srv,
        _no_retry_client(timeout_s=0.5) as c,
    ):
        start = time.monotonic()
        with pytest.raises(builtins.TimeoutError):
            c.request("GET", srv.url + "/slow")
        assert time.monotonic() - start < 3.0


def test_low_speed_limit_aborts_a_crawling_transfer():
    with (
        ScriptedServer(fault_servers.stall_after_headers) as srv,
        _no_retry_client(low_speed_limit_bytes_per_s=1000, low_speed_time_s=1.0) as c,
    ):
        start = time.monotonic()
        with pytest.raises(errors.TimeoutError):
            c.request("GET", srv.url + "/slow")
        assert time.monotonic() - start < 4.0


def test_connection_refused_is_a_transport_error():
    url = f"http://127.0.0.1:{fault_servers.free_port()}/nothing-here"
    with _no_retry_client() as c:
        with pytest.raises(errors.TransportError) as caught:
            c.request("GET", url)
    err = caught.value
    assert isinstance(err, ConnectionError)
    assert not isinstance(err, (errors.TimeoutError, errors.TlsError, errors.ProtocolError))
    assert err.status == 0


@pytest.mark.parametrize("script", [fault_servers.garbage, fault_servers.bad_status_line])
def test_garbage_from_the_network_is_a_protocol_error(script):
    with ScriptedServer(script) as srv, _no_retry_client() as c:
        with pytest.raises(errors.ProtocolError):
            c.request("GET", srv.url + "/x")
        # The client survives and can still talk to the same (bad) server.
        with pytest.raises(errors.ProtocolError):
            c.request("GET", srv.url + "/y")


# -- retries on status -----------------------------------------------------------------------


def test_503_with_retry_after_is_retried_after_the_delay(http_server, client):
    start = time.monotonic()
    r = client.request("GET", http_server.url_for("/flaky/a?fail=1&status=503&retry_after=1"))
    elapsed = time.monotonic() - start
    assert r.status == 200
    assert r.attempts == 2
    assert http_server.flaky_calls("a") == 2
    assert elapsed >= 0.9, "Retry-After: 1 was not honoured"
    assert elapsed < 5


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_default_retry_statuses(http_server, status):
    with native_http.Client(retry_base_delay_s=0.01) as c:
        r = c.request("GET", http_server.url_for(f"/flaky/s{status}?fail=2&status={status}"))
    assert r.status == 200
    assert r.attempts == 3
    assert http_server.flaky_calls(f"s{status}") == 3


@pytest.mark.parametrize("status", [400, 404, 409, 429, 501])
def test_other_statuses_are_not_retried(http_server, status):
    with native_http.Client(retry_base_delay_s=0.01) as c:
        r = c.request("GET", http_server.url_for(f"/flaky/n{status}?fail=1&status={status}"))
    assert r.status == status
    assert r.attempts == 1
    assert http_server.flaky_calls(f"n{status}") == 1


def test_custom_retry_statuses(http_server):
    with native_http.Client(retry_base_delay_s=0.01, retry_statuses=[429]) as c:
        r = c.request("GET", http_server.url_for("/flaky/t?fail=1&status=429&retry_after=0"))
        assert (r.status, r.attempts) == (200, 2)
        r = c.request("GET", http_server.url_for("/flaky/u?fail=1&status=503"))
        assert (r.status, r.attempts) == (503, 1)


def test_post_is_not_retried_unless_asked(http_server, client):
    r = client.request("POST", http_server.url_for("/flaky/p?fail=1&retry_after=0"), body=b"x")
    assert (r.status, r.attempts) == (503, 1)
    assert http_server.flaky_calls("p") == 1
    r = client.request(
        "POST", http_server.url_for("/flaky/q?fail=1&retry_after=0"), body=b"x", retry=True
    )
    assert (r.status, r.attempts) == (200, 2)
    assert http_server.flaky_calls("q") == 2


@pytest.mark.parametrize("method", ["PUT", "DELETE", "HEAD"])
def test_idempotent_methods_are_retried(http_server, client, method):
    body = b"data" if method == "PUT" else None
    r = client.request(
        method, http_server.url_for(f"/flaky/{method}?fail=1&retry_after=0"), body=body
    )
    assert (r.status, r.attempts) == (200, 2)


def test_retry_false_disables_retries_for_get(http_server, client):
    r = client.request("GET", http_server.url_for("/flaky/g?fail=1&retry_after=0"), retry=False)
    assert (r.status, r.attempts) == (503, 1)


def test_retried_put_sends_the_whole_body_again(http_server, client, make_data_file):
    path, _ = make_data_file(3 << 20, seed=2)
    want = hashlib.sha256(path.read_bytes()[5:]).hexdigest()
    url = http_server.url_for("/flaky/up?fail=2&retry_after=0")
    r = client.request("PUT", url, body_file=path, body_offset=5)
    assert (r.status, r.attempts) == (200, 3)
    last = json.loads(r.body)
    assert (last["body_length"], last["body_sha256"]) == ((3 << 20) - 5, want)


def test_retried_post_from_a_buffer_sends_the_whole_body_again(http_server, client, make_payload):
    data = make_payload(700_000)
    url = http_server.url_for("/flaky/post?fail=1&retry_after=0")
    r = client.request("POST", url, body=memoryview(data)[100:], retry=True)
    assert (r.status, r.attempts) == (200, 2)
    assert json.loads(r.body)["body_sha256"] == hashlib.sha256(data[100:]).hexdigest()


def test_exhausted_retries_return_the_last_response(http_server):
    with native_http.Client(max_retries=2, retry_base_delay_s=0.01) as c:
        r = c.request("GET", http_server.url_for("/status/503"))
    assert r.status == 503
    assert r.attempts == 3
    assert r.error is None
    assert json.loads(r.body) == {"status": 503}
    assert http_server.requests_seen == 3


def test_zero_retries(http_server):
    with native_http.Client(max_retries=0) as c:
        r = c.request("GET", http_server.url_for("/status/500"))
    assert (r.status, r.attempts) == (500, 1)


def test_retry_after_is_capped_by_retry_max_delay(http_server):
    with native_http.Client(retry_max_delay_s=0.2) as c:
        start = time.monotonic()
        r = c.request("GET", http_server.url_for("/flaky/cap?fail=1&retry_after=30"))
        elapsed = time.monotonic() - start
    assert (r.status, r.attempts) == (200, 2)
    assert elapsed < 2.0


def test_backoff_waits_between_attempts(http_server):
    # No Retry-After: exponential backoff from retry_base_delay_s (with jitter, at least
    # half of each step): 0.2/2 + 0.4/2 = 0.3 s minimum for two retries.
    with native_http.Client(retry_base_delay_s=0.2) as c:
        start = time.monotonic()
        r = c.request("GET", http_server.url_for("/flaky/b?fail=2&status=500"))
        elapsed = time.monotonic() - start
    assert (r.status, r.attempts) == (200, 3)
    assert 0.3 <= elapsed < 3.0


def test_retries_in_perform_many_are_independent(http_server):
    with native_http.Client(retry_base_delay_s=0.01) as c:
        rs = c.perform_many(
            [
                native_http.Request(
                    "GET", http_server.url_for(f"/flaky/m{i}?fail={i % 3}&status=502")
                )
                for i in range(12)
            ]
        )
    assert [r.status for r in rs] == [200] * 12
    assert [r.attempts for r in rs] == [i % 3 + 1 for i in range(12)]


# -- proxies ------------------------------------------------------------------------------------


def test_explicit_proxy(http_server):
    with ForwardProxy() as proxy, native_http.Client(proxy=proxy.url) as c:
        url = http_server.url_for("/echo?via=proxy")
        r = c.request("GET", url)
        assert r.status == 200
        assert json.loads(r.body)["query"] == {"via": ["proxy"]}
        r = c.request("PUT", http_server.url_for("/files/p.bin"), body=b"through the proxy")
        assert r.status == 201
    assert proxy.forwarded == [url, http_server.url_for("/files/p.bin")]
    assert (http_server.root / "p.bin").read_bytes() == b"through the proxy"


def test_proxy_from_the_environment(http_server, monkeypatch):
    with ForwardProxy() as proxy:
        monkeypatch.setenv("http_proxy", proxy.url)
        with native_http.Client() as c:
            r = c.request("GET", http_server.url_for("/bytes/10"))
        assert r.status == 200
        assert proxy.forwarded == [http_server.url_for("/bytes/10")]


def test_no_proxy_bypasses_the_environment_proxy(http_server, monkeypatch):
    with ForwardProxy() as proxy:
        monkeypatch.setenv("http_proxy", proxy.url)
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        with native_http.Client() as c:
            r = c.request("GET", http_server.url_for("/bytes/10"))
        assert r.status == 200
        assert proxy.relayed == 0
        assert http_server.requests_seen == 1


def test_use_env_proxy_false_ignores_the_environment(http_server, monkeypatch):
    with ForwardProxy() as proxy:
        monkeypatch.setenv("http_proxy", proxy.url)
        with native_http.Client(use_env_proxy=False) as c:
            assert c.request("GET", http_server.url_for("/bytes/10")).status == 200
        assert proxy.relayed == 0


def test_https_through_a_proxy_uses_connect(tls_server, tls_files):
    with (
        ForwardProxy() as proxy,
        native_http.Client(proxy=proxy.url, ca_file=tls_files.ca_cert) as c,
    ):
        r = c.request("GET", tls_server.url_for("/bytes/5000?seed=1"))
        assert r.status == 200
        assert len(r.body) == 5000
    assert proxy.tunnels == [f"127.0.0.1:{tls_server.port}"]
    assert proxy.forwarded == []


def test_unreachable_proxy_is_a_transport_error(http_server):
    with _no_retry_client(proxy=f"http://127.0.0.1:{fault_servers.free_port()}") as c:
        with pytest.raises(errors.TransportError):
            c.request("GET", http_server.url_for("/bytes/1"))
    assert http_server.requests_seen == 0


# -- TLS ------------------------------------------------------------------------------------------


def test_self_signed_server_fails_verification_by_default(tls_server, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with native_http.Client() as c:
        with pytest.raises(errors.TlsError) as caught:
            c.request("GET", tls_server.url_for("/bytes/10"))
    assert isinstance(caught.value, errors.TransportError)
    assert isinstance(caught.value, ConnectionError)
    assert tls_server.requests_seen == 0


def test_ca_file_makes_verification_succeed(tls_server, tls_files):
    with native_http.Client(ca_file=tls_files.ca_cert) as c:
        r = c.request("GET", tls_server.url_for("/bytes/100000?seed=3"))
        assert r.status == 200
        assert len(r.body) == 100000
        t = r.timings
        assert 0 < t.connect_s <= t.tls_s <= t.start_transfer_s <= t.total_s
        again = c.request("GET", tls_server.url_for("/bytes/10"))
        assert again.new_connections == 0  # TLS connections are pooled too
    assert tls_server.connections_accepted == 1


def test_ssl_cert_file_is_the_default_bundle(tls_server, tls_files, monkeypatch, tmp_path):
    # OpenSSL's variable, as Python's ssl honours it: how a wheel's bundled libcurl is pointed
    # at a distribution's own bundle. Read when a client is made; an explicit ca_file wins.
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files.ca_cert))
    with native_http.Client() as c:
        assert c.request("GET", tls_server.url_for("/bytes/7")).status == 200
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))  # ignored: not a file
    with native_http.Client() as c:
        with pytest.raises(errors.TlsError):
            c.request("GET", tls_server.url_for("/bytes/7"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files.ca_cert))
    other = make_tls_files(tmp_path / "other-pki")
    with native_http.Client(ca_file=other.ca_cert) as c:
        with pytest.raises(errors.TlsError):
            c.request("GET", tls_server.url_for("/bytes/7"))


def test_ca_file_accepts_a_path_object(tls_server, tls_files):
    from pathlib import Path

    with native_http.Client(ca_file=Path(tls_files.ca_cert)) as c:
        assert c.request("GET", tls_server.url_for("/bytes/1")).status == 200


def test_verify_tls_false_accepts_the_self_signed_server(tls_server):
    with native_http.Client(verify_tls=False) as c:
        assert c.request("GET", tls_server.url_for("/bytes/1")).status == 200


def test_tls_upload_and_download(tls_server, tls_files, make_data_file, tmp_path):
    path, sha = make_data_file(5 << 20, seed=4)
    with native_http.Client(ca_file=tls_files.ca_cert) as c:
        r = c.request("PUT", tls_server.url_for("/files/t.bin"), body_file=path)
        assert json.loads(r.body) == {"size": 5 << 20, "sha256": sha}
        out = tmp_path / "t.out"
        r = c.request("GET", tls_server.url_for("/files/t.bin"), into_file=out)
        assert r.status == 200
    assert out.read_bytes() == path.read_bytes()


def test_connect_timeout():
    with fault_servers.FullBacklog() as dead, _no_retry_client(connect_timeout_s=0.5) as c:
        start = time.monotonic()
        with pytest.raises(errors.TimeoutError):
            c.request("GET", dead.url + "/x")
        assert 0.4 <= time.monotonic() - start < 3.0


def test_https_proxy_from_the_environment(tls_server, tls_files, monkeypatch):
    with ForwardProxy() as proxy:
        monkeypatch.setenv("https_proxy", proxy.url)
        with native_http.Client(ca_file=tls_files.ca_cert) as c:
            assert c.request("GET", tls_server.url_for("/bytes/10")).status == 200
    assert proxy.tunnels == [f"127.0.0.1:{tls_server.port}"]


def test_non_ascii_header_bytes_do_not_break_the_response():
    # Header values may carry obs-text; Python's http.client and urllib3 read them as
    # ISO-8859-1. Reading the response must never raise.
    with ScriptedServer(fault_servers.latin1_header) as srv, _no_retry_client() as c:
        r = c.request("GET", srv.url + "/x")
        assert r.status == 200
        assert r.body == b"ok"
        assert r.header("X-Plain") == "fine"
        assert r.header("X-Latin") == "caf\xe9"
        assert ("X-Latin", "caf\xe9") in r.headers
        assert r.reason == "Caf\xe9 OK"
        assert "200" in repr(r)


def test_request_timeout_overrides_the_client_timeout(http_server):
    with native_http.Client(timeout_s=0.3) as c:
        assert c.request("GET", http_server.url_for("/delay/0.6"), timeout_s=5).status == 200
        with pytest.raises(errors.TimeoutError):
            c.request("GET", http_server.url_for("/delay/0.6"), retry=False)


def test_transport_failures_report_their_attempts():
    url = f"http://127.0.0.1:{fault_servers.free_port()}/x"
    with native_http.Client(max_retries=2, retry_base_delay_s=0.01) as c:
        [r] = c.perform_many([native_http.Request("GET", url)])
    assert isinstance(r.error, errors.TransportError)
    assert r.status == 0
    assert r.attempts == 3


def test_tls_failures_are_not_retried(tls_server):
    with native_http.Client(retry_base_delay_s=0.01) as c:
        [r] = c.perform_many([native_http.Request("GET", tls_server.url_for("/bytes/1"))])
    assert isinstance(r.error, errors.TlsError)
    assert r.attempts == 1
    assert tls_server.connections_accepted == 1
