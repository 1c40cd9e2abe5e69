"""``serve()`` (what ``storewire serve`` calls) and persistence under a data dir."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from ds3_client import DS3Raw

from storewire.emulators import serve as serve_module
from storewire.emulators.ds3 import DS3Emulator


def test_serve_starts_ds3_and_writes_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / "ds3.env"
    args = SimpleNamespace(
        ds3=("127.0.0.1", 0),
        v3io=None,
        sector=None,
        only=("ds3",),
        data=tmp_path / "data",
        env_file=env_file,
    )
    stop = threading.Event()
    out = io.StringIO()
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(serve_module.serve(args, stop=stop, out=out))
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not env_file.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        env = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        assert set(env) == {"DS3_ENDPOINT", "DS3_ACCESS_KEY", "DS3_SECRET_KEY"}
        assert env["DS3_ENDPOINT"].startswith("http://127.0.0.1:")
        assert f"ds3: {env['DS3_ENDPOINT']}" in out.getvalue()
        with DS3Raw(env["DS3_ENDPOINT"], env["DS3_ACCESS_KEY"], env["DS3_SECRET_KEY"]) as c:
            assert c.request("PUT", "/served").status == 200
    finally:
        stop.set()
        thread.join(10)
    assert result == [0]
    assert (tmp_path / "data" / "ds3" / "ds3.sqlite3").exists()


def test_serve_skips_unregistered_emulators(tmp_path: Path) -> None:
    args = SimpleNamespace(only=("no-such-system",), data=None, env_file=None)
    assert serve_module.serve(args, stop=threading.Event()) == 2


def test_state_and_credentials_persist_in_a_data_dir(tmp_path: Path) -> None:
    with DS3Emulator(data_dir=tmp_path) as first:
        secret = first.secret_key
        with DS3Raw(first.endpoint, first.access_key, secret) as c:
            c.request("PUT", "/keep")
            assert c.request("PUT", "/keep/k", body=b"persisted").status == 200
            job = c.request(
                "PUT",
                "/_rest_/bucket/keep",
                "operation=start_bulk_put",
                b'<Objects><Object Name="later" Size="5"/></Objects>',
            ).xml()
    with DS3Emulator(data_dir=tmp_path) as second:
        assert second.secret_key == secret
        with DS3Raw(second.endpoint, second.access_key, secret) as c:
            assert c.request("GET", "/keep/k").body == b"persisted"
            # An interrupted job resumes after a restart.
            job_id = job.get("JobId")
            assert c.request("PUT", "/keep/later", f"job={job_id}&offset=0", b"12345").status == 200
            assert c.request("GET", f"/_rest_/job/{job_id}").xml().get("Status") == "COMPLETED"
