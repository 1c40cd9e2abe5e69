"""``storewire serve`` starts the Sector master and writes its client environment."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import sector
from storewire.emulators import serve as serve_module


def test_sector_is_registered_on_port_6000():
    spec = serve_module.REGISTRY["sector"]
    assert spec.default_address == ("127.0.0.1", 6000)


def test_serve_starts_the_master_and_writes_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / "sector.env"
    args = SimpleNamespace(ds3=None, v3io=None, sector=("127.0.0.1", 0), only=("sector",),
                           data=tmp_path / "data", env_file=env_file)
    stop = threading.Event()
    out = io.StringIO()
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(serve_module.serve(args, stop=stop, out=out)))
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not env_file.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        env = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        assert set(env) == {"SECTOR_HOST", "SECTOR_PORT", "SECTOR_USER", "SECTOR_PASSWORD",
                            "SECTOR_CERT"}
        assert f"sector: sector://127.0.0.1:{env['SECTOR_PORT']}" in out.getvalue()
        assert Path(env["SECTOR_CERT"]) == tmp_path / "data" / "sector" / "master_node.cert"
        with sector.Client(env["SECTOR_HOST"], int(env["SECTOR_PORT"]), user=env["SECTOR_USER"],
                           password=env["SECTOR_PASSWORD"], cert=env["SECTOR_CERT"]) as client:
            client.mkdir("/served")
            assert [e.name for e in client.list("/")] == ["served"]
    finally:
        stop.set()
        thread.join(20)
    assert result == [0]
    # The password and certificate persist in the data dir.
    assert (tmp_path / "data" / "sector" / "password").read_text().strip() == \
        env["SECTOR_PASSWORD"]
