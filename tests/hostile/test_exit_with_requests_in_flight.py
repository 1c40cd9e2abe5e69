"""Interpreter exit while daemon threads wait inside native calls: the process ends
normally. CPython < 3.14 ends such a thread with pthread_exit when it takes the GIL back
during shutdown, and the forced unwinding through a C++ destructor used to abort the
process ("terminate called without an active exception", SIGABRT)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from fault_servers import ScriptedServer, stall

CALLS = {
    "request": "client.request('GET', url)",
    "perform_many": "client.perform_many([native_http.Request('GET', url)])",
    "ds3": "ds3.Client(base, 'a', 's').get_object('b', 'k')",
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_exit_with_a_request_in_flight_on_a_daemon_thread_is_clean(call: str) -> None:
    with ScriptedServer(stall) as server:
        script = textwrap.dedent(f"""
            import threading, time
            import ds3
            from storewire._native import http as native_http
            base = {server.url!r}
            url = base + "/x"
            client = native_http.Client(max_retries=0)
            for _ in range(3):
                threading.Thread(target=lambda: {CALLS[call]}, daemon=True).start()
            time.sleep(0.5)
            print("bye")
        """)
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "bye"
