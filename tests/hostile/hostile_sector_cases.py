"""Sector client calls for the hostile suite, run in a child interpreter by hostile_harness.

``call(peer, op, path, timeout_s)`` logs in to the (hostile) master described by ``peer``
(host, port, user, password, cert) and makes one client call named ``op``; it returns a
JSON-able summary so that the test can check a result that came back is the right one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from typing import Any

import sector
from storewire import errors


def _client(peer: dict[str, Any], timeout_s: float) -> sector.Client:
    return sector.Client(peer["host"], peer["port"], user=peer["user"],
                         password=peer["password"], cert=peer["cert"], timeout_s=timeout_s,
                         retransmit_s=0.2, bind_ip="127.0.0.1")


def _info(i: sector.FileInfo) -> dict[str, Any]:
    return {"name": i.name, "is_dir": i.is_dir, "size": i.size,
            "locations": [list(x) for x in i.locations]}


def _download(client: sector.Client, path: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as where:
        local = os.path.join(where, "copy")
        size = client.download(path, local)
        with open(local, "rb") as f:
            data = f.read()
    return {"size": size, "sha256": hashlib.sha256(data).hexdigest()}


def _download_over(client: sector.Client, path: str) -> dict[str, Any]:
    """A download over an existing local file: what is left in the directory afterwards."""
    with tempfile.TemporaryDirectory() as where:
        local = os.path.join(where, "copy")
        with open(local, "wb") as f:
            f.write(b"old contents")
        try:
            client.download(path, local)
            error = ""
        except errors.StorageError as exc:
            error = type(exc).__name__
        with open(local, "rb") as f:
            data = f.read()
        return {"error": error, "files": sorted(os.listdir(where)),
                "local": "old" if data == b"old contents" else hashlib.sha256(data).hexdigest()}


def _upload(client: sector.Client, path: str) -> int:
    with tempfile.TemporaryDirectory() as where:
        local = os.path.join(where, "src")
        with open(local, "wb") as f:
            f.write(bytes(range(256)) * 40)
        return client.upload(local, path)


def _read(client: sector.Client, path: str) -> dict[str, Any]:
    with client.open(path, "r") as f:
        data = f.read()
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _sink_calls(action: str) -> Callable[[sector.Client, str], Any]:
    """File.download(sink) whose sink touches the same file (or the client)."""

    def run(client: sector.Client, path: str) -> Any:
        f = client._native.open(path, 1)
        try:
            def sink(piece: bytes) -> None:
                if action == "tell":
                    f.tell()
                elif action == "read":
                    f.read(1)
                elif action == "close":
                    f.close()
                elif action == "seek":
                    f.seek(0)
                elif action == "stat":
                    client.stat(path)

            return f.download(sink)
        finally:
            try:
                f.close()
            except Exception:
                pass

    return run


def _login(client: sector.Client, path: str) -> Any:
    out = {"key_positive": client.session_key > 0,
           "ports": sorted(port for _, _, port in client.masters())}
    client._native.close()  # a scripted login server has no GMP side to log out from
    return out


OPS: dict[str, Callable[[sector.Client, str], Any]] = {
    "login": _login,
    "stat": lambda c, p: _info(c.stat(p)),
    "list": lambda c, p: [_info(i) for i in c.list(p)],
    "sysinfo": lambda c, p: {k: len(v) if isinstance(v, list) else v
                             for k, v in c.sysinfo().items()
                             if k in ("clusters", "masters", "slaves", "total_files")},
    "sysinfo_ports": lambda c, p: [m["port"] for m in c.sysinfo()["masters"]],
    "df": lambda c, p: [c.df().available_bytes >= 0, c.df().used_bytes >= 0],
    "mkdir": lambda c, p: c.mkdir(p),
    "read": _read,
    "download": _download,
    "download_over": _download_over,
    "upload": _upload,
    # many paths: with two masters, about half of them belong to the second one
    "mkdirs": lambda c, p: [c.mkdir(f"{p}/d{i}") for i in range(8)] and sorted(
        i.name for i in c.list(p)),
    "sink_tell": _sink_calls("tell"),
    "sink_read": _sink_calls("read"),
    "sink_close": _sink_calls("close"),
    "sink_seek": _sink_calls("seek"),
    "sink_stat": _sink_calls("stat"),
}


def call(peer: dict[str, Any], op: str, path: str = "/", timeout_s: float = 3.0) -> Any:
    with _client(peer, timeout_s) as client:
        return OPS[op](client, path)
