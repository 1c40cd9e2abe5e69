"""`storewire serve` as a user runs it: a process that starts the emulators on loopback,
writes the client environment, answers real signed requests, and stops on Ctrl-C."""

from __future__ import annotations

import email.utils

from storewire._native import auth, http, xml
from storewire.testing.serve_process import ServeProcess


def _ds3_get_service(endpoint: str, access: str, secret: str) -> http.Response:
    date = email.utils.formatdate(usegmt=False)
    authorization = auth.authorization_v2(access, secret, "GET", "/", headers={"Date": date})
    with http.Client(use_env_proxy=False, max_retries=0) as client:
        return client.request(
            "GET", endpoint + "/", headers={"Date": date, "Authorization": authorization}
        )


def test_serve_ds3_writes_env_and_answers_signed_requests(tmp_path):
    # ServeProcess runs the console script the wheel installs, as a user would type it.
    with ServeProcess("ds3", tmp_path) as server:
        env = server.variables
        assert set(env) == {"DS3_ENDPOINT", "DS3_ACCESS_KEY", "DS3_SECRET_KEY"}
        assert env["DS3_ENDPOINT"].startswith("http://127.0.0.1:")
        ok = _ds3_get_service(env["DS3_ENDPOINT"], env["DS3_ACCESS_KEY"], env["DS3_SECRET_KEY"])
        assert ok.status == 200, ok.body
        assert xml.parse(ok.body).tag == "ListAllMyBucketsResult"
        bad = _ds3_get_service(env["DS3_ENDPOINT"], env["DS3_ACCESS_KEY"], "not-the-secret")
        assert bad.status == 403
    assert server.proc is not None and server.proc.returncode == 0  # stopped by SIGINT
    out = "\n".join(server.output)
    assert env["DS3_ENDPOINT"] in out
    assert "DS3_SECRET_KEY=" in out


def test_serve_v3io_writes_env_and_refuses_a_wrong_key(tmp_path):
    with ServeProcess("v3io", tmp_path) as server:
        env = server.variables
        assert set(env) == {"V3IO_API", "V3IO_ACCESS_KEY"}
        with http.Client(use_env_proxy=False, max_retries=0) as client:
            good = client.request(
                "GET", env["V3IO_API"] + "/", headers={"X-v3io-session-key": env["V3IO_ACCESS_KEY"]}
            )
            bad = client.request("GET", env["V3IO_API"] + "/", headers={"X-v3io-session-key": "x"})
        assert good.status == 200, good.body
        assert b"users" in good.body  # the default containers are listed
        assert bad.status in (401, 403)
    assert server.proc is not None and server.proc.returncode == 0
