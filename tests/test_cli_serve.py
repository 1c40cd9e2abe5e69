"""`storewire serve` as a user runs it: a process that starts the emulators on loopback,
writes the client environment, answers real signed requests, and stops on Ctrl-C."""

from __future__ import annotations

import email.utils
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storewire._native import auth, http, xml


def _start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    env_file = tmp_path / "storewire.env"
    proc = subprocess.Popen(
        # The console script the wheel installs, as a user would type it.
        [
            str(Path(sys.executable).with_name("storewire")),
            "serve",
            *args,
            "--env-file",
            str(env_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not env_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"serve did not start: {out}\n{err}")
        time.sleep(0.05)
    time.sleep(0.1)  # the file is written in one call; let it land
    pairs = (line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    return proc, dict(pairs)


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode in (0, 130), out
    return out


def _ds3_get_service(endpoint: str, access: str, secret: str) -> http.Response:
    date = email.utils.formatdate(usegmt=False)
    authorization = auth.authorization_v2(access, secret, "GET", "/", headers={"Date": date})
    with http.Client(use_env_proxy=False, max_retries=0) as client:
        return client.request(
            "GET", endpoint + "/", headers={"Date": date, "Authorization": authorization}
        )


def test_serve_ds3_writes_env_and_answers_signed_requests(tmp_path):
    proc, env = _start(tmp_path, "--only", "ds3", "--ds3", "127.0.0.1:0")
    try:
        assert set(env) == {"DS3_ENDPOINT", "DS3_ACCESS_KEY", "DS3_SECRET_KEY"}
        assert env["DS3_ENDPOINT"].startswith("http://127.0.0.1:")
        ok = _ds3_get_service(env["DS3_ENDPOINT"], env["DS3_ACCESS_KEY"], env["DS3_SECRET_KEY"])
        assert ok.status == 200, ok.body
        assert xml.parse(ok.body).tag == "ListAllMyBucketsResult"
        bad = _ds3_get_service(env["DS3_ENDPOINT"], env["DS3_ACCESS_KEY"], "not-the-secret")
        assert bad.status == 403
    finally:
        out = _stop(proc)
    assert env["DS3_ENDPOINT"] in out
    assert "DS3_SECRET_KEY=" in out


def test_serve_v3io_writes_env_and_refuses_a_wrong_key(tmp_path):
    proc, env = _start(tmp_path, "--only", "v3io", "--v3io", "127.0.0.1:0")
    try:
        assert set(env) == {"V3IO_API", "V3IO_ACCESS_KEY"}
        with http.Client(use_env_proxy=False, max_retries=0) as client:
            good = client.request(
                "GET", env["V3IO_API"] + "/", headers={"X-v3io-session-key": env["V3IO_ACCESS_KEY"]}
            )
            bad = client.request("GET", env["V3IO_API"] + "/", headers={"X-v3io-session-key": "x"})
        assert good.status == 200, good.body
        assert b"users" in good.body  # the default containers are listed
        assert bad.status in (401, 403)
    finally:
        _stop(proc)
