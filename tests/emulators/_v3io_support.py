"""Shared by the V3IO emulator tests: a raw HTTP client for wire-level tests and the
separate virtual environment holding the official ``v3io`` SDK from PyPI.

The official SDK's import name is ``v3io``, the same as our drop-in package, so it lives in
its own venv (``build/official-v3io-venv``, created once and reused) and runs in
subprocesses: driver scripts in ``v3io_drivers/`` print JSON that the tests check.
"""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
OFFICIAL_VERSION = "0.7.2"
VENV_DIR = REPO / "build" / "official-v3io-venv"
DRIVER = Path(__file__).resolve().parent / "v3io_drivers" / "official_v3io.py"


def official_python() -> Path:
    """The venv's interpreter, installing ``v3io==0.7.2`` (and ``aiohttp``, which its
    ``v3io.aio`` needs) from PyPI the first time.

    A file lock makes concurrent test runs share one installation."""
    python = VENV_DIR / "bin" / "python"
    # aiohttp: the official v3io.aio client needs it and does not depend on it
    stamp = VENV_DIR / f".installed-v3io-{OFFICIAL_VERSION}-aiohttp"
    VENV_DIR.parent.mkdir(parents=True, exist_ok=True)
    lock_path = VENV_DIR.parent / "official-v3io-venv.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists():
            if not python.exists():
                subprocess.run([sys.executable, "-m", "venv", str(VENV_DIR)], check=True)
            subprocess.run(
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "--disable-pip-version-check",
                    f"v3io=={OFFICIAL_VERSION}",
                    "aiohttp",
                ],
                check=True,
                timeout=600,
                env=_clean_env(),
            )
            stamp.touch()
    return python


def _clean_env() -> dict[str, str]:
    """The environment without anything that could redirect the driver's imports or traffic."""
    dropped = ("PYTHON", "V3IO_", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")
    return {k: v for k, v in os.environ.items() if not k.startswith(dropped)}


def run_official(python: Path, scenario: str, env: dict[str, str], *args: str) -> Any:
    """Run one driver scenario with the official SDK; its JSON result."""
    completed = subprocess.run(
        [str(python), "-I", str(DRIVER), scenario, *args],
        env={**_clean_env(), **env},
        capture_output=True,
        text=True,
        timeout=240,
    )
    if completed.returncode != 0:
        raise AssertionError(
            f"driver scenario {scenario!r} failed ({completed.returncode}):\n"
            f"{completed.stdout[-4000:]}\n{completed.stderr[-8000:]}"
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


class Wire:
    """A keep-alive HTTP connection speaking V3IO by hand, for wire-level tests."""

    def __init__(self, port: int, access_key: str) -> None:
        self.port = port
        self.access_key = access_key
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def close(self) -> None:
        self.conn.close()

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        *,
        key: str | None = "default",
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        all_headers = {}
        if key is not None:
            all_headers["X-v3io-session-key"] = self.access_key if key == "default" else key
        all_headers.update(headers or {})
        try:
            self.conn.request(method, path, body, all_headers)
            response = self.conn.getresponse()
            data = response.read()
        except (ConnectionError, http.client.HTTPException):
            self.conn.close()  # reconnects on the next request
            raise
        return response.status, response.headers, data

    def function(
        self, name: str, path: str, body: Any = None, *, method: str = "PUT"
    ) -> tuple[int, Any]:
        """A data-service call; (status, decoded JSON body or None when empty)."""
        if body is None:
            payload: bytes | None = None
        elif isinstance(body, (bytes, str)):
            payload = body.encode() if isinstance(body, str) else body
        else:
            payload = json.dumps(body).encode()
        headers = {"X-v3io-function": name}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        status, _, data = self.request(method, path, payload, headers)
        return status, json.loads(data) if data else None


@contextlib.contextmanager
def wire(port: int, access_key: str) -> Any:
    client = Wire(port, access_key)
    try:
        yield client
    finally:
        client.close()
