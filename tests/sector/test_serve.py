"""``storewire serve`` starts the Sector master and writes its client environment."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import sector
from storewire.emulators import serve as serve_module
from storewire.testing.polling import wait_for
from storewire.testing.serve_process import ServeProcess, serve_command


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


def test_serve_cluster_flags_and_signal_knobs(tmp_path: Path) -> None:
    """--sector-masters/-slaves/-replicas/-drop-rate, then SIGUSR1 (kill a slave) and
    SIGHUP (restart the masters) on the running process."""
    flags = ("--sector-masters", "2", "--sector-slaves", "2", "--sector-replicas", "2",
             "--sector-drop-rate", "0.05")
    with ServeProcess("sector", tmp_path, *flags) as server:
        env = server.variables
        data = os.urandom(1 << 20)
        (tmp_path / "in.bin").write_bytes(data)
        with sector.Client(env["SECTOR_HOST"], int(env["SECTOR_PORT"]), user=env["SECTOR_USER"],
                           password=env["SECTOR_PASSWORD"], cert=env["SECTOR_CERT"]) as client:
            client.upload(tmp_path / "in.bin", "/f.bin")
            assert len(client.masters()) == 2
            printed = "\n".join(server.output)
            assert "master 1: 127.0.0.1:" in printed and "slave 1: 127.0.0.2:" in printed
            wait_for(lambda: len(client.stat("/f.bin").locations) == 2)
            assert len({ip for ip, _ in client.stat("/f.bin").locations}) == 2
            server.proc.send_signal(signal.SIGUSR1)
            wait_for(lambda: any("slave 0" in line and "killed" in line
                                  for line in server.output))
            assert len(client.stat("/f.bin").locations) == 1
            client.download("/f.bin", tmp_path / "out.bin")  # from the surviving replica
            assert (tmp_path / "out.bin").read_bytes() == data
            key = client.session_key
            server.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: any("masters restarted" in line for line in server.output))
            assert [e.name for e in client.list("/")] == ["f.bin"]  # re-login, same key
            assert client.session_key == key


def test_serve_refuses_bad_cluster_flags() -> None:
    for flag, value in (("--sector-slaves", "0"), ("--sector-drop-rate", "1.5"),
                        ("--sector-delay", "-1")):
        done = subprocess.run([*serve_command(), "serve", flag, value], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 2
        assert flag in done.stderr
