"""Debian's nginx as the benchmark's local server: static GETs plus WebDAV PUT.

nginx runs as a foreground child (``daemon off``) with a generated config in a temporary
prefix, listens on a free loopback port and is stopped when the context exits — or by
the kernel when this process dies, so a killed benchmark leaves no server behind.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

_PR_SET_PDEATHSIG = 1

# nginx.conf template; {placeholders} are filled by NginxServer._write_config.
_CONFIG = """\
{user_line}
worker_processes {workers};
pid nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 100000000;
    keepalive_timeout 600s;
    default_type application/octet-stream;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        root {root};
        location / {{
            dav_methods PUT DELETE;
            create_full_put_path on;
            client_max_body_size 0;
            client_body_buffer_size 1m;
        }}
    }}
}}
"""


def find_nginx() -> str:
    """Path of the nginx binary (Debian installs it in /usr/sbin, often off PATH)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise RuntimeError("nginx not found: install Debian's nginx-light (make deps)")
    return found


def nginx_version(binary: str) -> str:
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return (out.stderr or out.stdout).strip().removeprefix("nginx version: ")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    # Runs in the child before exec: SIGTERM it if the benchmark process dies.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class NginxServer:
    """nginx serving ``root`` on 127.0.0.1; files are GET-able and PUT-able by path."""

    def __init__(self, root: Path, prefix: Path, *, workers: int = 1) -> None:
        self.root = root
        self.prefix = prefix
        self.workers = workers
        self.binary = find_nginx()
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _write_config(self) -> Path:
        # Workers must be able to write into our (root-owned, 0700) temp dirs.
        user_line = "user root root;" if os.geteuid() == 0 else ""
        text = _CONFIG.format(
            user_line=user_line,
            workers=self.workers,
            prefix=self.prefix,
            port=self.port,
            root=self.root,
        )
        conf = self.prefix / "nginx.conf"
        conf.write_text(text)
        return conf

    def start(self, *, attempts: int = 3) -> None:
        self.prefix.mkdir(parents=True, exist_ok=True)
        last_error = ""
        for _ in range(attempts):  # the free port may be taken between probe and bind
            self.port = _free_port()
            conf = self._write_config()
            cmd = [
                self.binary,
                "-e",
                str(self.prefix / "error.log"),
                "-p",
                str(self.prefix),
                "-c",
                str(conf),
                "-g",
                "daemon off;",
            ]
            self._proc = subprocess.Popen(
                cmd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                preexec_fn=_die_with_parent,
            )
            if self._wait_ready(timeout_s=10.0):
                return
            last_error = self._stop_and_collect()
        raise RuntimeError(f"nginx did not start: {last_error}")

    def _wait_ready(self, *, timeout_s: float) -> bool:
        assert self._proc is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return True
            except OSError:
                time.sleep(0.02)
        return False

    def _stop_and_collect(self) -> str:
        proc, self._proc = self._proc, None
        if proc is None:
            return ""
        if proc.poll() is None:
            proc.send_signal(signal.SIGQUIT)  # graceful: finish in-flight requests
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        log = self.prefix / "error.log"
        if log.exists():
            err += log.read_text(errors="replace")
        return err.strip()[-2000:]

    def stop(self) -> None:
        self._stop_and_collect()

    def __enter__(self) -> NginxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
