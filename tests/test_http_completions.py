"""``storewire._native.http.Completions``: tickets submitted at once, announced on an
eventfd, drained with their responses; cancel and close stop transfers in flight."""

from __future__ import annotations

import select
import time

import pytest

from storewire import errors
from storewire._native import http
from storewire.testing import LocalHTTPServer


def wait_readable(fd: int, timeout: float = 10.0) -> bool:
    return bool(select.select([fd], [], [], timeout)[0])


def drain_all(queue: http.Completions, count: int) -> dict[int, list[http.Response]]:
    done: dict[int, list[http.Response]] = {}
    while len(done) < count:
        assert wait_readable(queue.fileno()), "no completion announced"
        done.update(queue.drain())
    return done


def test_tickets_complete_through_the_fd(http_server: LocalHTTPServer,
                                         client: http.Client) -> None:
    with http.Completions(client) as queue:
        assert not wait_readable(queue.fileno(), 0)  # nothing yet: not readable
        requests = [http.Request("GET", http_server.url_for(f"/bytes/{n}?seed={n}"))
                    for n in (10, 2000, 300000)]
        tickets = [queue.submit([r]) for r in requests]
        pair = queue.submit(requests[:2])  # one ticket, two requests
        assert queue.pending == 4
        requests.clear()  # the queue keeps its own references
        done = drain_all(queue, 4)
        assert sorted(done) == sorted([*tickets, pair])
        assert [len(done[t][0].body) for t in tickets] == [10, 2000, 300000]
        assert [len(r.body) for r in done[pair]] == [10, 2000]
        assert queue.pending == 0 and queue.drain() == []
        assert not wait_readable(queue.fileno(), 0)  # drained: not readable again


def test_cancel_stops_a_transfer_in_flight(http_server: LocalHTTPServer,
                                           client: http.Client) -> None:
    with http.Completions(client) as queue:
        ticket = queue.submit([http.Request("GET", http_server.url_for("/delay/30"))])
        while client.in_flight == 0:
            time.sleep(0.005)
        started = time.monotonic()
        assert queue.cancel(ticket)
        [(done, [response])] = drain_all(queue, 1).items()
        assert done == ticket and time.monotonic() - started < 2
        assert isinstance(response.error, errors.CancelledError)
        assert not queue.cancel(ticket)  # no longer pending


def test_close_cancels_and_waits_for_pending_tickets(http_server: LocalHTTPServer,
                                                     client: http.Client) -> None:
    queue = http.Completions(client)
    for _ in range(3):
        queue.submit([http.Request("GET", http_server.url_for("/delay/30"), body=b"x" * 100)])
    started = time.monotonic()
    queue.close()  # returns once no transfer uses the requests' buffers any more
    assert time.monotonic() - started < 5 and client.in_flight == 0
    assert queue.drain() == []
    with pytest.raises(ValueError):
        queue.fileno()


def test_a_closed_client_refuses_submissions(http_server: LocalHTTPServer,
                                             client: http.Client) -> None:
    queue = http.Completions(client)
    client.close()
    with pytest.raises(ValueError, match="closed"):
        queue.submit([http.Request("GET", http_server.url_for("/bytes/1"))])
    assert queue.pending == 0
    queue.close()


def test_cancel_reaches_requests_still_waiting_for_a_slot(http_server: LocalHTTPServer) -> None:
    # One slot: the first ticket's later requests and the second ticket wait unstarted.
    with http.Client(max_in_flight=1, use_env_proxy=False) as one_slot, \
            http.Completions(one_slot) as queue:
        slow = queue.submit([http.Request("GET", http_server.url_for("/delay/30"))
                             for _ in range(3)])
        fast = queue.submit([http.Request("GET", http_server.url_for(f"/bytes/{n}?seed=1"))
                             for n in (5, 6)])
        while one_slot.in_flight == 0:
            time.sleep(0.005)
        started = time.monotonic()
        assert queue.cancel(slow)
        done = drain_all(queue, 2)
        assert time.monotonic() - started < 5
        assert all(isinstance(r.error, errors.CancelledError) for r in done[slow])
        assert len(done[slow]) == 3
        assert [(r.status, len(r.body)) for r in done[fast]] == [(200, 5), (200, 6)]
