"""The native HTTP engine against a real local server: methods, headers, bodies from
buffers and file ranges, responses into memory / buffers / files, timings, keep-alive and
concurrency (proved from the server's side)."""

from __future__ import annotations

import array
import hashlib
import json
import threading
import time

import pytest

import fault_servers
from fault_servers import ScriptedServer
from storewire import errors
from storewire._native import auth
from storewire._native import http as native_http
from storewire.testing import pattern_bytes

MIB = 1 << 20


def _sha(data: bytes | bytearray | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


# -- basic methods ----------------------------------------------------------------------


def test_get_returns_status_reason_headers_and_body(http_server, client):
    url = http_server.url_for("/bytes/1000?seed=3")
    r = client.request("GET", url)
    assert r.status == 200
    assert r.reason == "OK"
    assert r.body == pattern_bytes(1000, 3)
    assert r.bytes_received == 1000
    assert r.header("Content-Length") == "1000"
    assert r.header("content-type") == "application/octet-stream"
    assert r.attempts == 1
    assert r.error is None
    assert r.effective_url == url
    r.raise_for_transport()  # no transport error: does nothing


def test_get_chunked_response(http_server, client):
    size = 2 * MIB + 12345
    r = client.request("GET", http_server.url_for(f"/bytes/{size}?seed=9&chunked=1"))
    assert r.status == 200
    assert r.header("Transfer-Encoding") == "chunked"
    assert r.bytes_received == size
    assert r.body == pattern_bytes(size, 9)


def test_put_get_head_delete_round_trip(http_server, client, make_payload):
    data = make_payload(300_000)
    url = http_server.url_for("/files/dir/obj.bin")

    put = client.request("PUT", url, body=data)
    assert put.status == 201
    assert json.loads(put.body) == {"size": len(data), "sha256": _sha(data)}
    assert put.bytes_sent == len(data)
    assert (http_server.root / "dir" / "obj.bin").read_bytes() == data

    get = client.request("GET", url)
    assert get.status == 200
    assert get.body == data

    head = client.request("HEAD", url)
    assert head.status == 200
    assert head.body == b""
    assert head.header("Content-Length") == str(len(data))

    delete = client.request("DELETE", url)
    assert delete.status == 204
    assert delete.body == b""

    gone = client.request("GET", url)
    assert gone.status == 404
    assert json.loads(gone.body) == {"error": "no such file"}


def test_ranged_get(http_server, client, make_payload):
    data = make_payload(10_000)
    url = http_server.url_for("/files/r.bin")
    assert client.request("PUT", url, body=data).status == 201
    r = client.request("GET", url, headers={"Range": "bytes=100-199"})
    assert r.status == 206
    assert r.header("Content-Range") == "bytes 100-199/10000"
    assert r.body == data[100:200]


def test_body_crc32c_is_summed_as_the_bytes_arrive(http_server, client, make_payload, tmp_path):
    """crc32c=True: the engine checksums the 2xx body on its thread, whatever the sink."""
    data = make_payload(3 * MIB + 17)
    url = http_server.url_for("/files/c.bin")
    assert client.request("PUT", url, body=data).status == 201
    expected = auth.crc32c(data)

    into_memory = client.request("GET", url, crc32c=True)
    assert into_memory.body == data and into_memory.body_crc32c == expected
    target = tmp_path / "c.bin"
    into_file = client.perform_many(
        [native_http.Request("GET", url, into_file=target, crc32c=True)])[0]
    assert target.read_bytes() == data and into_file.body_crc32c == expected
    ranged = client.request("GET", url, headers={"Range": "bytes=1000-1999999"}, crc32c=True)
    assert ranged.status == 206 and ranged.body_crc32c == auth.crc32c(data[1000:2000000])

    assert client.request("GET", url).body_crc32c is None  # not asked for
    missing = client.request("GET", http_server.url_for("/files/none.bin"), crc32c=True)
    assert missing.status == 404 and missing.body_crc32c is None  # only a 2xx body counts


@pytest.mark.parametrize("method", ["POST", "PATCH", "OPTIONS", "FROBNICATE"])
def test_methods_with_a_body_reach_the_server(http_server, client, method):
    r = client.request(method, http_server.url_for("/echo"), body=b"hello")
    assert r.status == 200
    seen = json.loads(r.body)
    assert seen["method"] == method
    assert seen["body_length"] == 5
    assert seen["body_sha256"] == _sha(b"hello")


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_methods_without_a_body_send_none(http_server, client, method):
    r = client.request(method, http_server.url_for("/echo?x=1&x=2"))
    seen = json.loads(r.body)
    assert seen["method"] == method
    assert seen["body_length"] == 0
    assert seen["query"] == {"x": ["1", "2"]}


# -- headers ------------------------------------------------------------------------------


def test_request_headers_from_a_mapping(http_server, client):
    r = client.request("GET", http_server.url_for("/echo"), headers={"X-One": "1", "X-Two": "b c"})
    sent = json.loads(r.body)["headers"]
    assert ["X-One", "1"] in sent
    assert ["X-Two", "b c"] in sent


def test_request_headers_as_pairs_keep_repeats_and_order(http_server, client):
    pairs = [("X-Multi", "a"), ("X-Other", "o"), ("X-Multi", "b")]
    r = client.request("GET", http_server.url_for("/echo"), headers=pairs)
    sent = [tuple(h) for h in json.loads(r.body)["headers"]]
    ours = [h for h in sent if h[0].startswith("X-")]
    assert ours == pairs


def test_request_headers_in_every_accepted_shape(http_server, client):
    # dict and list/tuple are read natively; other mappings and iterables take the generic path
    from collections import OrderedDict

    shapes = [
        {"X-A": "1", "X-B": 2},
        [("X-A", "1"), ["X-B", 2]],
        (("X-A", "1"), ("X-B", "2")),
        OrderedDict([("X-A", "1"), ("X-B", "2")]),
        iter([("X-A", "1"), ("X-B", "2")]),
    ]
    for headers in shapes:
        r = client.request("GET", http_server.url_for("/echo"), headers=headers)
        sent = [tuple(h) for h in json.loads(r.body)["headers"] if h[0].startswith("X-")]
        assert sent == [("X-A", "1"), ("X-B", "2")], headers


def test_malformed_headers_are_refused_before_anything_is_sent(http_server, client):
    for bad in ([("X-A", "1", "extra")], [("X-A",)], ["X-A"]):
        with pytest.raises(ValueError, match="pairs"):
            client.request("GET", http_server.url_for("/echo"), headers=bad)
    with pytest.raises(errors.InvalidRequestError, match="X-A"):
        client.request("GET", http_server.url_for("/echo"), headers=[("X-A", "\ud800")])
    assert http_server.requests_seen == 0


def test_caller_headers_override_engine_defaults(http_server, client):
    r = client.request(
        "PUT",
        http_server.url_for("/echo"),
        body=b"{}",
        headers={"Content-Type": "application/json", "User-Agent": "tester/1"},
    )
    sent = {k.lower(): v for k, v in json.loads(r.body)["headers"]}
    assert sent["content-type"] == "application/json"
    assert sent["user-agent"] == "tester/1"


def test_client_user_agent(http_server, clean_proxy_env):
    with native_http.Client(user_agent="storewire-test-agent") as c:
        r = c.request("GET", http_server.url_for("/echo"))
    sent = {k.lower(): v for k, v in json.loads(r.body)["headers"]}
    assert sent["user-agent"] == "storewire-test-agent"


def test_header_with_newline_is_rejected(http_server, client):
    with pytest.raises(errors.InvalidRequestError):
        client.request("GET", http_server.url_for("/echo"), headers={"X-Bad": "a\r\nX-Evil: 1"})
    assert http_server.requests_seen == 0


def test_multi_valued_response_headers(http_server, client):
    r = client.request("GET", http_server.url_for("/response-headers?X-M=1&X-M=2&X-Single=z"))
    assert r.status == 200
    ours = [(k, v) for k, v in r.headers if k.startswith("X-")]
    assert ours == [("X-M", "1"), ("X-M", "2"), ("X-Single", "z")]
    assert r.header("X-M") == "2"  # the last value
    assert r.header("x-m") == "2"
    assert r.header("X-SINGLE") == "z"
    assert r.header("x-missing") is None
    assert r.header("x-missing", "fallback") == "fallback"


# -- request bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_body",
    [
        pytest.param(lambda b: b, id="bytes"),
        pytest.param(bytearray, id="bytearray"),
        pytest.param(lambda b: memoryview(b)[7:-5], id="memoryview-slice"),
        pytest.param(lambda b: array.array("d", b), id="array-of-double"),
        pytest.param(lambda b: memoryview(bytearray(b)).cast("I"), id="memoryview-of-uint32"),
    ],
)
def test_body_from_buffers(http_server, client, make_payload, make_body):
    body = make_body(make_payload(200_000))  # a multiple of every item size used
    expected = body.tobytes() if isinstance(body, (array.array, memoryview)) else bytes(body)
    r = client.request("PUT", http_server.url_for("/echo"), body=body)
    seen = json.loads(r.body)
    assert seen["body_length"] == len(expected)
    assert seen["body_sha256"] == _sha(expected)


def test_empty_body(http_server, client):
    r = client.request("PUT", http_server.url_for("/files/empty"), body=b"")
    assert r.status == 201
    assert json.loads(r.body)["size"] == 0
    assert (http_server.root / "empty").read_bytes() == b""


def test_non_contiguous_buffer_is_refused(http_server, client):
    strided = memoryview(b"0123456789")[::2]
    with pytest.raises((TypeError, ValueError)):
        client.request("PUT", http_server.url_for("/echo"), body=strided)


def test_body_buffer_is_not_copied_before_send(http_server, client):
    # A large body is sent from the caller's memory; the server must see exactly it.
    big = bytearray(8 * MIB)
    big[::4096] = b"\x01" * len(big[::4096])
    r = client.request("PUT", http_server.url_for("/echo"), body=big)
    assert json.loads(r.body)["body_sha256"] == _sha(big)


def test_body_from_a_file_range(http_server, client, make_data_file):
    path, _ = make_data_file(3 * MIB + 17, seed=5)
    whole = path.read_bytes()
    url = http_server.url_for("/echo")
    cases = [
        (dict(body_offset=1000, body_length=500_000), whole[1000:501_000]),
        (dict(body_offset=2 * MIB), whole[2 * MIB :]),
        (dict(), whole),
        (dict(body_offset=len(whole), body_length=0), b""),
    ]
    for kwargs, expected in cases:
        r = client.request("PUT", url, body_file=path, **kwargs)
        seen = json.loads(r.body)
        assert seen["body_length"] == len(expected), kwargs
        assert seen["body_sha256"] == _sha(expected), kwargs


def test_body_file_accepts_str_and_pathlike(http_server, client, make_data_file):
    path, sha = make_data_file(4096, seed=1)
    for p in (path, str(path)):
        r = client.request("PUT", http_server.url_for("/files/p.bin"), body_file=p)
        assert json.loads(r.body)["sha256"] == sha


def test_missing_body_file_raises_local_io_error(http_server, client, tmp_path):
    with pytest.raises(errors.LocalIOError) as caught:
        client.request("PUT", http_server.url_for("/files/x"), body_file=tmp_path / "nope.bin")
    assert isinstance(caught.value, OSError)
    assert http_server.requests_seen == 0


def test_body_and_body_file_together_are_refused(http_server, client, make_data_file):
    path, _ = make_data_file(10)
    with pytest.raises(ValueError):
        native_http.Request("PUT", http_server.url_for("/echo"), body=b"x", body_file=path)


# -- response sinks ---------------------------------------------------------------------------


def test_response_into_a_bytearray(http_server, client):
    size = 3 * MIB + 1
    buf = bytearray(size + 100)
    r = client.request("GET", http_server.url_for(f"/bytes/{size}?seed=4"), into=buf)
    assert r.status == 200
    assert r.body == b""
    assert r.bytes_received == size
    assert buf[:size] == pattern_bytes(size, 4)
    assert buf[size:] == bytes(100)  # untouched past the body


def test_response_into_a_memoryview_slice(http_server, client):
    buf = bytearray(b"#" * 300)
    r = client.request(
        "GET", http_server.url_for("/bytes/100?seed=8"), into=memoryview(buf)[50:150]
    )
    assert r.bytes_received == 100
    assert buf[:50] == b"#" * 50
    assert buf[50:150] == pattern_bytes(100, 8)
    assert buf[150:] == b"#" * 150


def test_response_into_an_exact_size_buffer(http_server, client):
    buf = bytearray(4096)
    r = client.request("GET", http_server.url_for("/bytes/4096?seed=2"), into=buf)
    assert r.status == 200
    assert bytes(buf) == pattern_bytes(4096, 2)


def test_response_too_big_for_the_buffer(http_server, client):
    buf = bytearray(1000)
    with pytest.raises(errors.BufferTooSmallError) as caught:
        client.request("GET", http_server.url_for("/bytes/1001"), into=buf, retry=False)
    assert isinstance(caught.value, ValueError)


def test_buffer_too_small_in_perform_many_is_per_response(http_server, client):
    small, big = bytearray(10), bytearray(100)
    rs = client.perform_many(
        [
            native_http.Request("GET", http_server.url_for("/bytes/50"), into=small),
            native_http.Request("GET", http_server.url_for("/bytes/50?seed=1"), into=big),
        ]
    )
    assert isinstance(rs[0].error, errors.BufferTooSmallError)
    with pytest.raises(errors.BufferTooSmallError):
        rs[0].raise_for_transport()
    assert rs[1].error is None
    assert big[:50] == pattern_bytes(50, 1)


def test_read_only_buffer_cannot_receive(http_server, client):
    with pytest.raises((TypeError, ValueError)):
        client.request("GET", http_server.url_for("/bytes/10"), into=b"\0" * 10)


def test_response_into_a_file_at_an_offset(http_server, client, tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"x" * 100)
    size = 2 * MIB + 3
    r = client.request(
        "GET", http_server.url_for(f"/bytes/{size}?seed=6"), into_file=target, into_offset=50
    )
    assert r.status == 200
    assert r.body == b""
    assert r.bytes_received == size
    data = target.read_bytes()
    assert len(data) == 50 + size
    assert data[:50] == b"x" * 50
    assert data[50:] == pattern_bytes(size, 6)


def test_response_into_a_new_file_and_into_a_hole(http_server, client, tmp_path):
    target = tmp_path / "fresh.bin"
    r = client.request("GET", http_server.url_for("/bytes/10?seed=1"), into_file=str(target))
    assert r.status == 200
    assert target.read_bytes() == pattern_bytes(10, 1)
    # Parts of one file filled out of order, as a parallel download would.
    r = client.request(
        "GET", http_server.url_for("/bytes/10?seed=2"), into_file=target, into_offset=30
    )
    assert target.read_bytes() == pattern_bytes(10, 1) + bytes(20) + pattern_bytes(10, 2)


def test_error_status_body_goes_to_memory_not_the_file(http_server, client, tmp_path):
    target = tmp_path / "never.bin"
    r = client.request("GET", http_server.url_for("/files/missing"), into_file=target)
    assert r.status == 404
    assert json.loads(r.body) == {"error": "no such file"}
    assert not target.exists()


# -- timings, connections ------------------------------------------------------------------------


def test_timings_are_present_and_ordered(http_server, client):
    r = client.request("GET", http_server.url_for("/delay/0.1"))
    t = r.timings
    assert 0 <= t.name_lookup_s <= t.connect_s <= t.start_transfer_s <= t.total_s
    assert t.tls_s == 0  # plain HTTP has no handshake
    assert t.start_transfer_s >= 0.09  # the server waited before answering
    assert t.total_s < 5


def test_keep_alive_reuses_one_connection(http_server, client):
    url = http_server.url_for("/bytes/100")
    first = client.request("GET", url)
    assert first.new_connections == 1
    for i in range(200):
        r = client.request("GET", url)
        assert r.status == 200
        assert r.new_connections == 0, f"request {i} opened a connection"
    assert http_server.connections_accepted <= 2
    assert http_server.requests_seen == 201


def test_keep_alive_survives_request_bodies_and_errors(http_server, client):
    for i in range(30):
        assert (
            client.request("PUT", http_server.url_for(f"/files/k{i}"), body=b"z" * i).status == 201
        )
        assert client.request("GET", http_server.url_for("/status/404")).status == 404
    assert http_server.connections_accepted == 1


def test_perform_many_keeps_64_requests_in_flight(http_server, client):
    requests = [
        native_http.Request("GET", http_server.url_for(f"/delay/0.5?i={i}")) for i in range(128)
    ]
    start = time.monotonic()
    responses = client.perform_many(requests)
    elapsed = time.monotonic() - start
    assert [r.status for r in responses] == [200] * 128
    # Results come back in request order.
    assert [json.loads(r.body)["query"]["i"] for r in responses] == [[str(i)] for i in range(128)]
    assert http_server.max_concurrent == 64  # the default max_in_flight, reached and respected
    assert elapsed < 2.0, f"two waves of 0.5 s took {elapsed:.2f} s"
    assert client.in_flight == 0


def test_parallel_ranged_download_into_one_buffer(http_server, client, make_payload):
    # The usual parallel GET: N ranges of one object land in slices of one buffer.
    data = make_payload(64 * 100_000 + 7)
    assert client.request("PUT", http_server.url_for("/files/obj"), body=data).status == 201
    buf = bytearray(len(data))
    view = memoryview(buf)
    part = 100_000
    requests = []
    for start in range(0, len(data), part):
        end = min(start + part, len(data)) - 1
        requests.append(
            native_http.Request(
                "GET",
                http_server.url_for("/files/obj"),
                headers={"Range": f"bytes={start}-{end}"},
                into=view[start : end + 1],
            )
        )
    responses = client.perform_many(requests)
    assert [r.status for r in responses] == [206] * len(requests)
    assert buf == data


def test_parallel_ranged_download_into_one_file(http_server, client, make_data_file, tmp_path):
    source, sha = make_data_file(8 * MIB + 3, seed=12)
    assert client.request("PUT", http_server.url_for("/files/f"), body_file=source).status == 201
    target = tmp_path / "assembled.bin"
    part = MIB
    size = source.stat().st_size
    requests = [
        native_http.Request(
            "GET",
            http_server.url_for("/files/f"),
            headers={"Range": f"bytes={start}-{min(start + part, size) - 1}"},
            into_file=target,
            into_offset=start,
        )
        for start in range(0, size, part)
    ]
    # Reverse order: later parts are written first, leaving holes that fill in later.
    responses = client.perform_many(requests[::-1])
    assert all(r.status == 206 for r in responses)
    assert _sha(target.read_bytes()) == sha


def test_perform_many_with_a_thousand_small_requests(http_server, client):
    requests = [
        native_http.Request("GET", http_server.url_for(f"/bytes/{i % 50}?seed={i}"))
        for i in range(1000)
    ]
    responses = client.perform_many(requests)
    assert all(r.body == pattern_bytes(i % 50, i) for i, r in enumerate(responses))
    assert http_server.connections_accepted <= 64


def test_max_in_flight_is_honoured(http_server, clean_proxy_env):
    with native_http.Client(max_in_flight=4) as c:
        start = time.monotonic()
        rs = c.perform_many(
            [native_http.Request("GET", http_server.url_for("/delay/0.2")) for _ in range(12)]
        )
        elapsed = time.monotonic() - start
    assert all(r.status == 200 for r in rs)
    assert http_server.max_concurrent == 4
    assert elapsed >= 0.55  # three waves of 0.2 s


def test_max_in_flight_must_be_positive(clean_proxy_env):
    with pytest.raises(ValueError):
        native_http.Client(max_in_flight=0)


def test_perform_many_reports_errors_per_response(http_server, clean_proxy_env):
    refused = f"http://127.0.0.1:{fault_servers.free_port()}/x"
    with native_http.Client(max_retries=0) as c:
        rs = c.perform_many(
            [
                native_http.Request("GET", http_server.url_for("/bytes/5")),
                native_http.Request("GET", refused),
                native_http.Request("GET", http_server.url_for("/status/404")),
            ]
        )
    assert rs[0].status == 200 and rs[0].error is None
    assert rs[1].status == 0
    assert isinstance(rs[1].error, errors.TransportError)
    with pytest.raises(errors.TransportError):
        rs[1].raise_for_transport()
    assert rs[2].status == 404 and rs[2].error is None


def test_perform_many_with_no_requests(client):
    assert client.perform_many([]) == []


def test_client_is_shared_between_threads(http_server, client):
    failures: list[str] = []

    def worker(n: int) -> None:
        for i in range(25):
            size = 1000 + n * 100 + i
            r = client.request("GET", http_server.url_for(f"/bytes/{size}?seed={n}"))
            if r.body != pattern_bytes(size, n):
                failures.append(f"thread {n} request {i}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    assert http_server.requests_seen == 200


def test_request_object(http_server):
    url = http_server.url_for("/echo")
    req = native_http.Request("PUT", url, body=b"abc", headers=[("A", "b")])
    assert req.method == "PUT"
    assert req.url == url


def test_closed_client_refuses_requests(http_server, clean_proxy_env):
    c = native_http.Client()
    assert c.request("GET", http_server.url_for("/bytes/1")).status == 200
    c.close()
    c.close()  # idempotent
    with pytest.raises(errors.StorageError):
        c.request("GET", http_server.url_for("/bytes/1"))


# -- edge cases -------------------------------------------------------------------------------


def test_header_with_an_empty_value_is_sent(http_server, client):
    r = client.request("GET", http_server.url_for("/echo"), headers=[("X-Empty", "")])
    assert ["X-Empty", ""] in json.loads(r.body)["headers"]


def test_error_status_leaves_the_callers_buffer_alone(http_server, client):
    buf = bytearray(b"." * 64)
    r = client.request("GET", http_server.url_for("/status/404"), into=buf)
    assert r.status == 404
    assert json.loads(r.body) == {"status": 404}
    assert buf == b"." * 64
    assert r.bytes_received == len(r.body)  # counted where it went: memory


def test_body_range_past_the_end_of_the_file_is_refused(http_server, client, make_data_file):
    path, _ = make_data_file(100)
    with pytest.raises(errors.InvalidRequestError):
        client.request("PUT", http_server.url_for("/echo"), body_file=path, body_offset=101)
    with pytest.raises(errors.InvalidRequestError):
        client.request(
            "PUT", http_server.url_for("/echo"), body_file=path, body_offset=50, body_length=51
        )
    assert http_server.requests_seen == 0


def test_unwritable_target_file_is_a_local_io_error(http_server, client, tmp_path):
    target = tmp_path / "no-such-dir" / "out.bin"
    with pytest.raises(errors.LocalIOError):
        client.request("GET", http_server.url_for("/bytes/10"), into_file=target)


def test_local_errors_in_perform_many_are_per_response(http_server, client, tmp_path):
    rs = client.perform_many(
        [
            native_http.Request("PUT", http_server.url_for("/echo"), body_file=tmp_path / "nope"),
            native_http.Request("GET", http_server.url_for("/bytes/3")),
        ]
    )
    assert isinstance(rs[0].error, errors.LocalIOError)
    assert rs[1].status == 200


def test_max_host_connections_is_honoured(http_server, clean_proxy_env):
    with native_http.Client(max_host_connections=2) as c:
        rs = c.perform_many(
            [native_http.Request("GET", http_server.url_for("/delay/0.2")) for _ in range(6)]
        )
    assert [r.status for r in rs] == [200] * 6
    assert http_server.max_concurrent == 2
    assert http_server.connections_accepted == 2


def test_server_closing_pooled_connections_is_handled(clean_proxy_env):
    # Every connection dies after one response; the pool must notice and reconnect,
    # rewinding request bodies, without surfacing an error.
    with ScriptedServer(fault_servers.one_response_per_connection) as srv:
        with native_http.Client() as c:
            for i in range(10):
                r = c.request("GET", f"{srv.url}/g{i}")
                # Usually libcurl notices the closed connection itself (1 attempt); when the
                # server's close races with the next request, the retry policy covers it.
                assert (r.status, r.body) == (200, b"ok") and r.attempts in (1, 2)
                r = c.request("PUT", f"{srv.url}/p{i}", body=b"x" * 100_000)
                assert (r.status, r.body) == (200, b"ok")
        assert srv.connections == 20


def test_close_from_another_thread_cancels_a_running_request(http_server, clean_proxy_env):
    c = native_http.Client()
    outcome: list[BaseException | int] = []

    def run() -> None:
        try:
            outcome.append(c.request("GET", http_server.url_for("/delay/10"), timeout_s=20).status)
        except BaseException as exc:  # recorded for the assertion below
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(0.3)
    start = time.monotonic()
    c.close()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert time.monotonic() - start < 3.0
    assert len(outcome) == 1
    assert isinstance(outcome[0], errors.CancelledError), outcome


@pytest.mark.parametrize(
    "url",
    ["file:///etc/hostname", "ftp://127.0.0.1:{port}/x", "dict://127.0.0.1:{port}/x", "nope://x/"],
)
def test_only_http_and_https_urls_are_accepted(url, clean_proxy_env):
    # An HTTP engine must not read local files or speak other protocols because a URL
    # (perhaps from a server's reply) said so; the caller gets a ValueError, at once.
    with native_http.Client(max_retries=1, retry_base_delay_s=1.0) as c:
        start = time.monotonic()
        with pytest.raises(errors.InvalidRequestError):
            c.request("GET", url.format(port=fault_servers.free_port()))
        assert time.monotonic() - start < 0.4  # not retried with backoff


def test_in_flight_counts_running_transfers(http_server, client):
    requests = [native_http.Request("GET", http_server.url_for("/delay/0.5")) for _ in range(8)]
    worker = threading.Thread(target=client.perform_many, args=(requests,))
    worker.start()
    seen = 0
    while worker.is_alive():
        seen = max(seen, client.in_flight)
        time.sleep(0.01)
    worker.join()
    assert seen == 8
    assert client.in_flight == 0
