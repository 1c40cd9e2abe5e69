"""A throw-away single-node Ceph cluster with radosgw: a real S3 server on loopback.

Used by the S3 tests, ``make demo`` and ``benchmarks/s3.py``. The recipe: one monitor, one
bluestore OSD on a sparse file, radosgw (beast, ``tcp_nodelay=1``) and an S3 user with fixed
keys, all inside a fresh state directory and all on 127.0.0.1. Every daemon runs in the
foreground as a child process whose PID is
recorded; :meth:`RadosGateway.stop` ends exactly those PIDs (radosgw, OSD, mon).

Deviations from the recipe: the monitor and radosgw ports are free ports picked at start,
not 3300/6789/7480, so several clusters (parallel test runs) can coexist; and
``rgw_relaxed_s3_bucket_names = true``, so bucket names such as the seed README's
``my_other_bucket`` (legal in AWS us-east-1's legacy rules) are accepted.

    with RadosGateway() as rgw:
        print(rgw.endpoint, rgw.access_key, rgw.secret_key)
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

__all__ = [
    "DEBIAN_PACKAGES",
    "RadosGateway",
    "RadosGatewayUnavailable",
    "ensure_installed",
    "is_installed",
]

DEBIAN_PACKAGES = ("radosgw", "ceph-mon", "ceph-osd", "ceph-common")
_PROGRAMS = (
    "radosgw",
    "ceph-mon",
    "ceph-osd",
    "ceph",
    "ceph-authtool",
    "monmaptool",
    "radosgw-admin",
)

ACCESS_KEY = "testaccesskey"
SECRET_KEY = "testsecretkey"
REGION = "us-east-1"


class RadosGatewayUnavailable(RuntimeError):
    """radosgw is not installed and could not be installed, or the cluster did not start."""


def is_installed() -> bool:
    """True when every Ceph program the launcher needs is on PATH."""
    return all(shutil.which(p) for p in _PROGRAMS)


def ensure_installed() -> None:
    """Install the Debian packages when a program is missing (root or sudo needed)."""
    if is_installed():
        return
    apt = shutil.which("apt-get")
    if apt is None:
        raise RadosGatewayUnavailable("radosgw is not installed and apt-get is not available")
    prefix: list[str] = []
    if os.geteuid() != 0:
        sudo = shutil.which("sudo")
        if sudo is None:
            raise RadosGatewayUnavailable("installing radosgw needs root (or sudo)")
        prefix = [sudo, "-n"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = [*prefix, apt, "install", "-y", "-qq", "--no-install-recommends", *DEBIAN_PACKAGES]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        update = subprocess.run(
            [*prefix, apt, "update", "-qq"], env=env, capture_output=True, check=False
        )
        if update.returncode == 0:
            result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not is_installed():
        raise RadosGatewayUnavailable(f"apt-get install failed: {result.stderr.strip()[-500:]}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class RadosGateway:
    """A fresh Ceph cluster (1 mon, 1 OSD) plus radosgw, started by :meth:`start`.

    ``block_size_bytes`` is the size of the OSD's sparse block file (it only grows with the
    data written). ``state_dir`` keeps the cluster's files there instead of a temporary
    directory (which :meth:`stop` removes).
    """

    def __init__(
        self,
        *,
        block_size_bytes: int = 8 * 1024**3,
        state_dir: str | os.PathLike[str] | None = None,
        access_key: str = ACCESS_KEY,
        secret_key: str = SECRET_KEY,
        start_timeout_s: float = 90.0,
    ) -> None:
        self.block_size_bytes = block_size_bytes
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = REGION
        self.start_timeout_s = start_timeout_s
        self._given_dir = Path(state_dir) if state_dir is not None else None
        self.dir: Path | None = None
        self.port = 0
        self._conf = ""
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    # -- public ---------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """``host:port`` of the S3 endpoint (what ``S3Connection(endpoint=)`` takes)."""
        return f"127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        """The S3 endpoint URL, ``http://127.0.0.1:<port>``."""
        return f"http://{self.host}"

    @property
    def pids(self) -> list[int]:
        return [p.pid for _, p in self._procs]

    def __repr__(self) -> str:
        return f"RadosGateway(endpoint={self.endpoint!r}, dir={str(self.dir)!r})"

    def start(self) -> RadosGateway:
        ensure_installed()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop radosgw, the OSD and the mon (by PID, in that order), then remove the
        temporary state directory."""
        for _, proc in reversed(self._procs):
            _terminate(proc)
        self._procs.clear()
        if self.dir is not None and self._given_dir is None:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def __enter__(self) -> RadosGateway:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log_tail(self, name: str = "client.rgw.a", lines: int = 40) -> str:
        """The last lines of a daemon's log (for failure reports)."""
        if self.dir is None:
            return ""
        path = self.dir / "log" / f"{name}.log"
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- steps -----------------------------------------------------

    def _start(self) -> None:
        if self._given_dir is not None:
            self.dir = self._given_dir
            self.dir.mkdir(parents=True, exist_ok=True)
        else:
            self.dir = Path(tempfile.mkdtemp(prefix="storewire-rgw-"))
        d = self.dir
        for sub in ("run", "log", "mon", "osd", "crash"):
            (d / sub).mkdir(exist_ok=True)
        mon_v2, mon_v1, self.port = _free_port(), _free_port(), _free_port()
        mon_addr = f"[v2:127.0.0.1:{mon_v2},v1:127.0.0.1:{mon_v1}]"
        fsid = str(uuid.uuid4())
        self._conf = str(d / "ceph.conf")
        (d / "ceph.conf").write_text(self._config(fsid, mon_addr))

        # Keyrings: mon. and client.admin, the admin one imported into the mon's.
        mon_keyring = str(d / "mon.a.keyring")
        admin_keyring = str(d / "client.admin.keyring")
        self._run(
            "ceph-authtool",
            "--create-keyring",
            mon_keyring,
            "--gen-key",
            "-n",
            "mon.",
            "--cap",
            "mon",
            "allow *",
        )
        self._run(
            "ceph-authtool",
            "--create-keyring",
            admin_keyring,
            "--gen-key",
            "-n",
            "client.admin",
            "--cap",
            "mon",
            "allow *",
            "--cap",
            "osd",
            "allow *",
            "--cap",
            "mgr",
            "allow *",
            "--cap",
            "mds",
            "allow *",
        )
        self._run("ceph-authtool", mon_keyring, "--import-keyring", admin_keyring)
        # Monmap and the monitor's store.
        self._run(
            "monmaptool",
            "--create",
            "--addv",
            "a",
            mon_addr,
            "--fsid",
            fsid,
            str(d / "monmap"),
            with_conf=False,
        )
        self._run(
            "ceph-mon", "--mkfs", "-i", "a", "--monmap", str(d / "monmap"), "--keyring", mon_keyring
        )
        self._spawn("mon.a", "ceph-mon", "-i", "a", "-f")
        self._wait_for(lambda: self._ok("ceph", "-s", "--connect-timeout", "5"), "ceph-mon")

        # The OSD: register, mkfs, start.
        osd_uuid = str(uuid.uuid4())
        secret = self._run("ceph-authtool", "--gen-print-key", with_conf=False).strip()
        osd_id = self._run(
            "ceph", "osd", "new", osd_uuid, "-i", "-", stdin=json.dumps({"cephx_secret": secret})
        ).strip()
        (d / "osd" / f"osd.{osd_id}").mkdir(exist_ok=True)
        self._run(
            "ceph-authtool",
            "--create-keyring",
            str(d / f"osd.{osd_id}.keyring"),
            "--name",
            f"osd.{osd_id}",
            "--add-key",
            secret,
        )
        self._run("ceph-osd", "-i", osd_id, "--mkfs", "--osd-uuid", osd_uuid)
        self._spawn(f"osd.{osd_id}", "ceph-osd", "-i", osd_id, "-f")
        self._wait_for(lambda: self._osd_up(osd_id), "ceph-osd")

        # radosgw with its own key, then the S3 user with fixed keys.
        self._run(
            "ceph",
            "auth",
            "get-or-create",
            "client.rgw.a",
            "mon",
            "allow rw",
            "osd",
            "allow rwx",
            "-o",
            str(d / "client.rgw.a.keyring"),
        )
        self._spawn("client.rgw.a", "radosgw", "-n", "client.rgw.a", "-f")
        self._wait_for(self._rgw_answers, "radosgw")
        self._run(
            "radosgw-admin",
            "user",
            "create",
            "--uid=tester",
            "--display-name=tester",
            f"--access-key={self.access_key}",
            f"--secret-key={self.secret_key}",
        )

    def _config(self, fsid: str, mon_addr: str) -> str:
        d = self.dir
        return f"""[global]
fsid = {fsid}
mon_host = {mon_addr}
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv6 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
keyring = {d}/$name.keyring
run_dir = {d}/run
admin_socket = {d}/run/$name.asok
log_file = {d}/log/$name.log
pid_file = {d}/run/$name.pid
crash_dir = {d}/crash
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_crush_chooseleaf_type = 0
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
mon_pg_warn_min_per_osd = 0

[mon]
mon_data = {d}/mon/$name
mon_allow_pool_delete = true

[osd]
osd_data = {d}/osd/$name
osd_objectstore = bluestore
bluestore_block_path = {d}/osd/$name/block.file
bluestore_block_create = true
bluestore_block_size = {self.block_size_bytes}
bluestore_fsck_on_mkfs = false
bluestore_fsck_on_mount = false
osd_memory_target = 1073741824
osd_op_num_shards = 2
osd_op_num_threads_per_shard = 1

[client.rgw.a]
rgw_frontends = beast endpoint=127.0.0.1:{self.port} tcp_nodelay=1
rgw_thread_pool_size = 64
rgw_dns_name =
rgw_relaxed_s3_bucket_names = true
"""

    # -- helpers --------------------------------------------------------------------------

    def _argv(self, program: str, args: tuple[str, ...], with_conf: bool) -> list[str]:
        return [program, "-c", self._conf, *args] if with_conf else [program, *args]

    def _run(
        self,
        program: str,
        *args: str,
        with_conf: bool = True,
        stdin: str | None = None,
        timeout_s: float = 60.0,
    ) -> str:
        argv = self._argv(program, args, with_conf)
        try:
            result = subprocess.run(
                argv, input=stdin, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise RadosGatewayUnavailable(f"{program} timed out after {timeout_s} s") from exc
        if result.returncode != 0:
            raise RadosGatewayUnavailable(
                f"{' '.join(argv[:3])}... exited {result.returncode}: {result.stderr[-800:]}"
            )
        return result.stdout

    def _ok(self, program: str, *args: str) -> bool:
        try:
            self._run(program, *args, timeout_s=15.0)
        except RadosGatewayUnavailable:
            return False
        return True

    def _spawn(self, name: str, program: str, *args: str) -> None:
        assert self.dir is not None
        out = open(self.dir / "log" / f"{name}.stdout", "wb")
        try:
            proc = subprocess.Popen(
                self._argv(program, args, True),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in the test run does not hit the daemons
            )
        finally:
            out.close()
        self._procs.append((name, proc))

    def _check_alive(self) -> None:
        for name, proc in self._procs:
            if proc.poll() is not None:
                raise RadosGatewayUnavailable(
                    f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}"
                )

    def _wait_for(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while True:
            self._check_alive()
            if ready():
                return
            if time.monotonic() > deadline:
                raise RadosGatewayUnavailable(f"{what} not ready after {self.start_timeout_s} s")
            time.sleep(0.5)

    def _osd_up(self, osd_id: str) -> bool:
        try:
            out = self._run("ceph", "osd", "dump", "--format", "json", timeout_s=15.0)
        except RadosGatewayUnavailable:
            return False
        with contextlib.suppress(ValueError, KeyError, TypeError):
            for osd in json.loads(out)["osds"]:
                if str(osd["osd"]) == osd_id and osd["up"] == 1:
                    return True
        return False

    def _rgw_answers(self) -> bool:
        try:
            with _NO_PROXY.open(self.endpoint + "/", timeout=2) as reply:
                return bool(reply.status)
        except urllib.error.HTTPError:
            return True  # any HTTP status means the frontend is serving
        except OSError:
            return False


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _terminate(proc: subprocess.Popen[bytes], timeout_s: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=timeout_s)


@dataclasses.dataclass(frozen=True)
class S3TestServer:
    """Where the S3 tests send their requests."""

    host: str  # host:port
    access_key: str
    secret_key: str
    region: str = "us-east-1"


def s3_test_server(stack: contextlib.ExitStack) -> S3TestServer:
    """The server named by ``STOREWIRE_S3_TEST_ENDPOINT`` (with ``STOREWIRE_S3_TEST_ACCESS_KEY``
    and ``STOREWIRE_S3_TEST_SECRET_KEY``) when set; otherwise a fresh gateway that ``stack``
    stops. A free port picked for it can be taken before it binds: then one more try."""
    endpoint = os.environ.get("STOREWIRE_S3_TEST_ENDPOINT")
    if endpoint:
        return S3TestServer(endpoint,
                            os.environ.get("STOREWIRE_S3_TEST_ACCESS_KEY", "testaccesskey"),
                            os.environ.get("STOREWIRE_S3_TEST_SECRET_KEY", "testsecretkey"))
    gateway = RadosGateway(block_size_bytes=6 * 1024**3)
    try:
        gateway.start()
    except RadosGatewayUnavailable:
        gateway = RadosGateway(block_size_bytes=6 * 1024**3)
        gateway.start()
    stack.callback(gateway.stop)
    return S3TestServer(gateway.host, gateway.access_key, gateway.secret_key, gateway.region)
