"""The event loop's connection pool: sockets of pooled connections stay registered with
epoll while idle (so reusing one costs no system call), an idle socket the server closes
is dropped without spinning the loop, and a closed socket's number can come back as a new
connection without confusing the loop."""

from __future__ import annotations

import os
import time

import fault_servers
from fault_servers import ScriptedServer
from storewire._native import http as native_http


def _process_cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def test_server_closing_idle_pooled_connections(clean_proxy_env: None) -> None:
    # Every connection answers once and is then closed by the server, as an idle timeout
    # would: the loop sees events on idle sockets, curl closes them on its next look, and
    # the new sockets of the next round reuse their numbers.
    with ScriptedServer(fault_servers.one_response_per_connection) as srv:
        with native_http.Client(max_in_flight=8) as c:
            for round_ in range(5):
                reqs = [native_http.Request("GET", f"{srv.url}/r{round_}/{i}") for i in range(16)]
                for r in c.perform_many(reqs):
                    r.raise_for_transport()
                    # libcurl notices most closed connections itself; a close that races
                    # with reuse (this server closes right after answering) costs a re-send,
                    # once per pooled connection it lands on, so only success is certain.
                    assert (r.status, r.body) == (200, b"ok") and r.attempts >= 1
                # The server closes the pooled sockets now; an idle loop must not spin on
                # those events (level-triggered epoll would report them forever).
                before = _process_cpu_s()
                time.sleep(0.3)
                assert _process_cpu_s() - before < 0.15
        assert srv.connections >= 80


def test_pooled_connections_are_reused_across_batches(http_server, client) -> None:
    url = http_server.url_for("/bytes/100")
    for _ in range(20):
        responses = client.perform_many([native_http.Request("GET", url) for _ in range(8)])
        for r in responses:
            assert (r.status, len(r.body)) == (200, 100)
    # Eight at a time over one pool: connections are kept and found again, never one per
    # request (the server may see a few more than eight while the pool warms up).
    assert http_server.requests_seen == 160
    assert http_server.connections_accepted <= 16


def test_responses_outlive_their_batch_and_client(http_server) -> None:
    # A response shares its batch's memory, which goes back to the loop thread when the
    # last response is dropped: after close the responses stay readable.
    with native_http.Client() as c:
        responses = c.perform_many(
            [native_http.Request("GET", http_server.url_for("/bytes/1000")) for _ in range(10)]
        )
        url = http_server.url_for("/bytes/1000")
    assert [len(r.body) for r in responses] == [1000] * 10
    assert all(r.effective_url == url and r.header("Content-Length") == "1000" for r in responses)
    del responses[:5]
    assert [r.status for r in responses] == [200] * 5
