"""A fork server for the hostile suite: imports the clients once, then forks a fresh
process per case, so that a thousand cases each run in their own process without each
paying for an interpreter start and the imports (most of a case's time otherwise).

Protocol, one JSON object per line. In on stdin: ``{"id", "spec", "out", "err", "env"}``.
Out on stdout: ``{"id", "pid"}`` once the case's process runs, ``{"id", "status"}`` (the
raw wait status) when it has ended. The zygote stays single-threaded (fork safety) and
exits when stdin closes.
"""

from __future__ import annotations

import atexit
import faulthandler
import json
import os
import select
import sys
import threading

import hostile_child

# Everything a case may import, loaded once here and shared copy-on-write by every fork.
import ds3  # noqa: F401
import s3  # noqa: F401
import sector  # noqa: F401
import storewire.errors  # noqa: F401
import v3io.dataplane  # noqa: F401


def _child(request: dict[str, object]) -> None:
    os.setsid()  # its own process group: the test can signal or kill it alone
    out = os.open(str(request["out"]), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err = os.open(str(request["err"]), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.close(out)
    os.close(err)
    sys.stdin.close()
    faulthandler.enable()
    os.environ.update(dict(request.get("env") or {}))  # type: ignore[arg-type]
    code = 1
    try:
        code = hostile_child.run(request["spec"])  # type: ignore[arg-type]
    finally:
        # What interpreter exit does: wait for non-daemon threads, run atexit hooks.
        sys.stdout.flush()
        sys.stderr.flush()
        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _say(message: dict[str, object]) -> None:
    os.write(1, (json.dumps(message) + "\n").encode())


def main() -> None:
    running: dict[int, object] = {}
    buffer = b""
    stdin = sys.stdin.fileno()
    open_input = True
    while open_input or running:
        ready, _, _ = select.select([stdin] if open_input else [], [], [], 0.01)
        if ready:
            data = os.read(stdin, 65536)
            if not data:
                open_input = False
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                assert threading.active_count() == 1, "the zygote must not have threads"
                pid = os.fork()
                if pid == 0:
                    _child(request)
                running[pid] = request["id"]
                _say({"id": request["id"], "pid": pid})
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            case_id = running.pop(pid, None)
            if case_id is not None:
                _say({"id": case_id, "status": status})


if __name__ == "__main__":
    main()
