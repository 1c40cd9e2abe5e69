"""The engine releases the GIL while it waits, and Ctrl-C interrupts a blocked call."""

from __future__ import annotations

import _thread
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

import fault_servers
from fault_servers import ScriptedServer
from storewire._native import http as native_http
from storewire.testing import pattern_sha256

pytestmark = pytest.mark.usefixtures("clean_proxy_env")


class _Counter:
    """A Python thread incrementing a number as fast as the GIL lets it."""

    def __init__(self) -> None:
        self.value = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for _ in range(1000):
                self.value += 1

    def __enter__(self) -> _Counter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _count_during(action: Callable[[], object]) -> tuple[int, float]:
    """Increments the counter thread managed while ``action`` ran, and its duration."""
    with _Counter() as counter:
        time.sleep(0.05)  # let the thread get going
        before = counter.value
        start = time.monotonic()
        action()
        elapsed = time.monotonic() - start
        after = counter.value
    return after - before, elapsed


def _baseline_rate() -> float:
    """Increments per second when the main thread only sleeps (GIL free)."""
    count, elapsed = _count_during(lambda: time.sleep(0.3))
    return count / elapsed


def test_gil_is_released_while_waiting_for_a_slow_response(http_server, client):
    rate = _baseline_rate()
    count, elapsed = _count_during(
        lambda: client.request("GET", http_server.url_for("/delay/1"), timeout_s=10)
    )
    assert elapsed >= 0.9
    # Holding the GIL would freeze the counter (and the in-process server) entirely.
    assert count >= 0.2 * rate * elapsed, (
        f"{count} increments in {elapsed:.2f} s, {rate:.0f}/s free"
    )


def test_gil_is_released_during_perform_many(http_server, client):
    rate = _baseline_rate()
    requests = [
        native_http.Request("GET", http_server.url_for("/delay/0.5"), timeout_s=10)
        for _ in range(16)
    ]
    count, elapsed = _count_during(lambda: client.perform_many(requests))
    assert count >= 0.2 * rate * elapsed


def test_gil_is_released_during_a_large_transfer(http_server, client, tmp_path):
    size = 256 << 20
    target = tmp_path / "big.out"
    responses = []
    count, elapsed = _count_during(
        lambda: responses.append(
            client.request(
                "GET", http_server.url_for(f"/bytes/{size}?seed=3"), into_file=target, timeout_s=60
            )
        )
    )
    assert responses[0].status == 200
    assert responses[0].bytes_received == size
    # The server thread streaming the body needs the GIL too; the counter shares it with
    # that thread, so the bar is lower than for an idle wait, but far above zero.
    assert count >= 100_000, f"{count} increments in {elapsed:.2f} s"
    digest = hashlib.sha256()
    with open(target, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    assert digest.hexdigest() == pattern_sha256(size, 3)


@contextmanager
def _interrupt_main_after(delay_s: float) -> Iterator[None]:
    timer = threading.Timer(delay_s, _thread.interrupt_main)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()


def test_ctrl_c_interrupts_a_blocked_perform(http_server, client):
    with ScriptedServer(fault_servers.stall) as stalled:
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt), _interrupt_main_after(0.3):
            client.request("GET", stalled.url + "/never", timeout_s=20)
        elapsed = time.monotonic() - start
        assert stalled.connections == 1  # the request really was in flight
    assert 0.25 <= elapsed < 1.5, f"interrupt took {elapsed:.2f} s"
    # The client is still usable afterwards.
    assert client.in_flight == 0
    assert client.request("GET", http_server.url_for("/bytes/10")).status == 200


def test_ctrl_c_interrupts_perform_many(http_server, client):
    with ScriptedServer(fault_servers.stall) as stalled:
        requests = [
            native_http.Request("GET", f"{stalled.url}/never/{i}", timeout_s=20) for i in range(8)
        ]
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt), _interrupt_main_after(0.3):
            client.perform_many(requests)
        elapsed = time.monotonic() - start
    assert 0.25 <= elapsed < 1.5, f"interrupt took {elapsed:.2f} s"
    assert client.in_flight == 0
    assert client.request("GET", http_server.url_for("/bytes/10")).status == 200


def test_ctrl_c_interrupts_while_a_buffer_is_being_filled(http_server, client):
    # The engine writes into `buf` from its own thread: after the interrupt nothing may
    # still be writing there, so the buffer can be reused or freed at once.
    buf = bytearray(1 << 20)
    with ScriptedServer(fault_servers.stall_after_headers) as stalled:
        with pytest.raises(KeyboardInterrupt), _interrupt_main_after(0.3):
            client.request("GET", stalled.url + "/slow", into=buf, timeout_s=20)
    del buf
    assert client.in_flight == 0
    assert client.request("GET", http_server.url_for("/bytes/10")).status == 200
