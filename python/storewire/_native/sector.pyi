"""Sector 2.x client: TLS login, GMP messaging, file-system commands.

Every blocking call releases the GIL and polls for Ctrl-C. A Sector error reply raises the
``storewire.errors`` class of its code (``NotFoundError`` for E_NOEXIST -1003,
``PermissionDeniedError`` for E_SECURITY -2000, ...) with ``code`` = the decimal Sector
code (``"-1003"``), ``operation`` and ``resource`` (the path). A reply that breaks the
protocol (a count or length out of range, a name that is not UTF-8, a bad address, a data
frame that does not fit) raises ``ProtocolError`` naming the field and the value. Ports
read from a master or slave are 16-bit: only the low 16 bits count, as in the stock client.

Bounds: each GMP request waits at most ``timeout_s`` for its reply; a login (connect, TLS
handshake, every step) at most ``timeout_s`` in all; a data-channel connect at most
``timeout_s``, and a transfer fails when a slave sends nothing for ``timeout_s``.
"""

import os
from collections.abc import Callable
from typing import Any

from typing_extensions import Buffer

_Path = str | os.PathLike[str]
_Masters = list[tuple[int, str, int]]  # (router key, ip, port); `list` is a method in Client

class FileAttr:
    """Attributes of one Sector file or directory (SNode)."""

    @property
    def name(self) -> str: ...
    @property
    def is_dir(self) -> bool: ...
    @property
    def mtime(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def replicas_target(self) -> int: ...
    @property
    def replicas_max(self) -> int: ...
    @property
    def replica_dist(self) -> int: ...
    @property
    def locations(self) -> list[tuple[str, int]]: ...
    def __repr__(self) -> str: ...

class File:
    """A Sector file opened with Client.open(). One call at a time: a call made from inside
    another call of the same file on the same thread (e.g. ``download``'s sink calling
    ``tell()``) raises ``InvalidRequestError`` instead of waiting for itself."""

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes from the current position (empty at EOF). If the slave fails,
        a file opened without write moves once to another replica (reopen)."""
    def download(self, sink: Callable[[bytes], None]) -> int:
        """Streams the rest of the file (data-channel cmd 3) to ``sink``, one piece per
        call; returns the bytes. If the slave fails, resumes once on another replica
        where the sink stopped (no byte twice)."""
    def write(self, data: Buffer) -> None: ...
    def seek(self, pos: int) -> None: ...
    def tell(self) -> int: ...
    def flush(self) -> None:
        """Syncs the writes so far with every replica (data-channel cmd 7)."""
    def close(self) -> None: ...
    @property
    def size(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    @property
    def path(self) -> str: ...
    @property
    def transid(self) -> int:
        """The master's transaction id (also the data-channel session)."""
    @property
    def slaves(self) -> list[tuple[str, int]]:
        """(ip, data port) of the slaves serving the file now."""

class Client:
    """A Sector 2.x client session (TLS login, GMP commands). Thread-safe."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        bind_ip: str | None = None,
        timeout_s: float | None = None,
        retransmit_s: float | None = None,
    ) -> None:
        """None keeps the native default (see :func:`defaults`)."""
    def login(self, user: str, password: str, cert: _Path) -> None:
        """TLS login trusting exactly ``cert`` (the master's master_node.cert)."""
    def relogin(self) -> None:
        """Logs in again keeping the session key (after a master restart)."""
    def logout(self) -> None: ...
    def close(self) -> None:
        """Releases the GMP ports; later calls raise CancelledError."""
    def list(self, path: str, with_locations: bool = True) -> list[FileAttr]: ...
    def stat(self, path: str) -> FileAttr: ...
    def mkdir(self, path: str) -> None: ...
    def move(self, src: str, dst: str) -> None: ...
    def remove(self, path: str) -> None: ...
    def rmr(self, path: str) -> None:
        """Removes a directory tree (client-side recursion, as Sector does)."""
    def copy(self, src: str, dst: str) -> None: ...
    def utime(self, path: str, mtime: int) -> None: ...
    def sysinfo(self) -> dict[str, Any]: ...
    def df(self) -> tuple[int, int]:
        """(available bytes, used bytes)."""
    def keepalive(self) -> None:
        """Keep-alive to every master the session is logged in to."""
    def masters(self) -> _Masters:
        """The routing table: (router key, ip, port) of every master, largest key first."""
    def reopen(self, path: str, transid: int) -> tuple[str, int]:
        """Type 112: the open transaction on another replica; its (ip, data port)."""
    def open(self, path: str, mode: int, options: str = "") -> File:
        """Opens a file. mode bits: 1 read, 2 write, 4 truncate, 8 append, 16 encrypt the
        data (Blowfish-CBC). ``options``: Sector's open options text."""
    def upload(self, local: _Path, remote: str, *, encrypt: bool = False) -> int:
        """Copies a local file into Sector; returns the bytes moved."""
    def download(self, remote: str, local: _Path, *, encrypt: bool = False) -> int:
        """Copies a Sector file to a local file; returns the bytes moved. All or nothing:
        ``local`` is replaced only by a complete copy and left as it was by a failure."""
    @property
    def data_port(self) -> int: ...
    @property
    def logged_in(self) -> bool: ...
    @property
    def session_key(self) -> int: ...
    @property
    def gmp_port(self) -> int: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def gmp_stats(self) -> dict[str, int]: ...

class DataChannel:
    """UDT rendezvous data channel (frames: session, size, bytes), for the emulated slave."""

    def __init__(self, host: str, port: int = 0, *, idle_timeout_s: float | None = None) -> None:
        """``idle_timeout_s``: a receive that gets nothing for this long fails with
        TimeoutError and drops the connection (0: wait for ever)."""
    @property
    def port(self) -> int: ...
    def connect(self, ip: str, port: int, *, timeout_s: float | None = None) -> None: ...
    def connected(self, ip: str, port: int) -> bool: ...
    def send_frame(self, ip: str, port: int, session: int, data: Buffer) -> None: ...
    def send_error(self, ip: str, port: int, session: int) -> None: ...
    def send_raw(self, ip: str, port: int, data: Buffer) -> None:
        """Bytes as they are, without a frame header (emulated peers that misbehave)."""
    def recv_any(self, ip: str, port: int) -> tuple[int, bytes, bool]:
        """The next frame: (session, data, is_error_frame). A broken connection raises
        TransportError at once and is dropped, so connect() makes a new one."""
    def close(self) -> None: ...

class FrameCipher:
    """Blowfish-CBC per data frame, chained across frames (one direction)."""

    def __init__(self, key: bytes, iv: bytes, *, encrypt: bool) -> None: ...
    def apply(self, data: Buffer) -> bytes:
        """Encrypts (PKCS#5-padded) or decrypts one frame, advancing the chain."""

class UdtMessageListener:
    """A UDT listener receiving GMP messages larger than 1456 bytes."""

    def __init__(self, host: str, port: int) -> None: ...
    @property
    def port(self) -> int: ...
    def accept(self, timeout_s: float) -> tuple[str, int, int, int, int, bytes] | None:
        """(peer ip, sender GMP port, session, id, info, payload) or None on timeout."""
    def close(self) -> None: ...

def fetch_certificate(host: str, port: int, *, timeout_s: float | None = None) -> str:
    """The PEM text of master_node.cert from master TCP port - 1 (unauthenticated)."""

def make_self_signed_cert(
    cert_path: _Path, key_path: _Path, *, common_name: str | None = None, days: int | None = None
) -> None: ...
def defaults() -> dict[str, str | float | bool]:
    """Client's defaults (a new dict each call): the one place they are declared is
    ClientOptions in cpp/sector/client.h."""
def code_name(code: int) -> str: ...
def master_index(path: str, n: int) -> int:
    """The master owning a normalised path among ``n`` (SHA-1 routing)."""
def parse_master_list(data: bytes) -> _Masters:
    """A type-5 reply: (router key, ip, port) of the other masters."""
def code_text(code: int) -> str: ...
def udt_send_message(
    host: str,
    port: int,
    sender_port: int,
    session: int,
    id: int,
    info: int,
    payload: bytes,
    *,
    timeout_s: float | None = None,
) -> None:
    """Sends one GMP message over a one-shot UDT stream to ``port`` (= GMP port - 1)."""
