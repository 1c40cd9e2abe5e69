"""An emulated Sector slave's data side: files on disk under a
root directory, served over the UDT rendezvous data channel.

The master tells the slave about each open (its internal open) with
:meth:`Slave.expect`; the slave connects to the client's data port (once per peer; the
connection is kept) and runs the file session's commands: 1 read, 2 write, 3 download,
4 upload, 5 close, 6 local path, 7 sync, 8 set chain. On close it reports the new size and
mtime to the master (:class:`SessionReport`) before answering -1 (= success).

Write chains (cmd 8): a slave with a downstream neighbour passes every write and upload
block on to it after storing it, in plain text as real slaves do; a slave with an upstream
neighbour takes its write parameters and data from that neighbour instead of the client.
Neighbours in the same process hand frames over directly (``resolve`` finds them).
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import TransportError

log = logging.getLogger("storewire.emulators.sector")

I32 = struct.Struct("<i")
I64 = struct.Struct("<q")
MAX_FRAME = 64_000_000
DOWNLOAD_FRAME = 16 << 20  # cmd 3 frames the slave sends (<= MAX_FRAME)

CMD_READ, CMD_WRITE, CMD_DOWNLOAD, CMD_UPLOAD, CMD_CLOSE, CMD_PATH, CMD_SYNC, CMD_CHAIN = (
    1, 2, 3, 4, 5, 6, 7, 8)


@dataclass
class SessionReport:
    transid: int
    path: str
    size: int
    mtime: int | None  # None: unchanged (nothing was written)
    wrote: bool


@dataclass
class _FileSession:
    transid: int
    path: str
    local: Path
    mode: int
    peer: tuple[str, int]
    frames: queue.Queue[tuple[bytes, bool] | None] = field(default_factory=queue.Queue)
    relayed: queue.Queue[tuple[bytes, bool] | None] = field(default_factory=queue.Queue)
    upstream: bool = False          # write data comes from the upstream slave
    downstream: Slave | None = None  # and is passed on to this one
    written: list[tuple[int, int]] = field(default_factory=list)
    mtime: int | None = None
    encrypt: Any = None  # FrameCipher per direction when the file is opened SECURE
    decrypt: Any = None

    def seal(self, data: bytes | memoryview) -> bytes | memoryview:
        # apply() copies the frame once into its result and ciphers it there: no other copy.
        return bytes(self.encrypt.apply(data)) if self.encrypt is not None else data

    def unseal(self, data: bytes) -> bytes:
        return bytes(self.decrypt.apply(data)) if self.decrypt is not None else data


class Slave:
    """One slave's data channel and storage. ``on_close(report)`` runs before the close
    reply, as the real slave reports to the master first."""

    def __init__(self, host: str, root: Path, on_close: Callable[[SessionReport], None],
                 resolve: Callable[[tuple[str, int]], Slave | None] = lambda _: None) -> None:
        from storewire._native import sector as native

        self.host = host
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._on_close = on_close
        self._resolve = resolve
        self._dc: Any = native.DataChannel(host, 0)
        self._lock = threading.Lock()
        self._sessions: dict[int, _FileSession] = {}
        self._readers: dict[tuple[str, int], threading.Thread] = {}
        self._closed = False

    @property
    def data_port(self) -> int:
        return int(self._dc.port)

    def close(self) -> None:
        self._closed = True
        self._dc.close()
        with self._lock:
            sessions = list(self._sessions.values())
        for s in sessions:
            s.frames.put(None)
            s.relayed.put(None)

    def relay(self, transid: int, frame: bytes | None) -> bool:
        """A frame from the upstream slave of a write chain (None: the upstream session
        ended); False if this session is gone."""
        with self._lock:
            session = None if self._closed else self._sessions.get(transid)
        if session is None:
            return False
        session.relayed.put(None if frame is None else (frame, False))
        return True

    # --- storage ------------------------------------------------------------------------------

    def local(self, path: str) -> Path:
        """The on-disk file of a normalised Sector path (no '..' can remain in it)."""
        return self.root.joinpath(*[p for p in path.split("/") if p])

    def fs_mkdir(self, path: str) -> None:
        self.local(path).mkdir(parents=True, exist_ok=True)

    def fs_remove(self, path: str) -> None:
        target = self.local(path)
        if target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
        elif target.exists():
            target.unlink()

    def fs_move(self, src: str, dst: str) -> None:
        s, d = self.local(src), self.local(dst)
        if s.exists():
            d.parent.mkdir(parents=True, exist_ok=True)
            os.replace(s, d)

    def fs_copy(self, src: str, dst: str) -> None:
        s, d = self.local(src), self.local(dst)
        if s.is_dir():
            shutil.copytree(s, d, dirs_exist_ok=True)
        elif s.exists():
            d.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(s, d)

    def fs_utime(self, path: str, mtime: int) -> None:
        target = self.local(path)
        if target.exists():
            os.utime(target, (mtime, mtime))

    # --- file sessions ------------------------------------------------------------------------

    def expect(self, client_ip: str, client_port: int, transid: int, path: str,
               mode: int, crypto_key: bytes = b"", crypto_iv: bytes = b"") -> None:
        """The internal open: prepares the file and starts talking to the client."""
        from storewire._native import sector as native

        local = self.local(path)
        local.parent.mkdir(parents=True, exist_ok=True)
        if mode & 2 and (mode & 4 or not local.exists()):
            local.write_bytes(b"")
        session = _FileSession(transid, path, local, mode, (client_ip, client_port))
        if mode & 16:  # SECURE: Blowfish-CBC with the login's key and IV
            session.encrypt = native.FrameCipher(crypto_key, crypto_iv, encrypt=True)
            session.decrypt = native.FrameCipher(crypto_key, crypto_iv, encrypt=False)
        with self._lock:
            self._sessions[transid] = session
            peer = (client_ip, client_port)
            reader = self._readers.get(peer)
            if reader is None or not reader.is_alive():
                reader = threading.Thread(target=self._peer_loop, args=peer, daemon=True,
                                          name=f"sector-slave-{client_port}")
                self._readers[peer] = reader
                reader.start()
        threading.Thread(target=self._session_loop, args=(session,), daemon=True,
                         name=f"sector-file-{transid}").start()

    def _peer_loop(self, ip: str, port: int) -> None:
        try:
            if not self._dc.connected(ip, port):
                self._dc.connect(ip, port, timeout_s=30.0)
            while not self._closed:
                transid, data, error = self._dc.recv_any(ip, port)
                with self._lock:
                    session = self._sessions.get(transid)
                if session is not None:
                    session.frames.put((data, error))
        except Exception as exc:  # the connection broke or the slave stopped
            log.debug("data channel to %s:%s ended: %s", ip, port, exc)
        finally:
            with self._lock:
                ended = [s for s in self._sessions.values() if s.peer == (ip, port)]
            for s in ended:
                s.frames.put(None)
                s.relayed.put(None)

    def _session_loop(self, s: _FileSession) -> None:
        closed = False
        try:
            while True:
                cmd = I32.unpack(self._next(s)[:4])[0]
                if cmd == CMD_CLOSE:
                    closed = True
                    self._close(s)
                    return
                self._command(s, cmd)
        except _SessionEnded:
            pass
        except TransportError as exc:  # the client dropped the connection (e.g. Ctrl-C)
            log.debug("file session %d: connection lost: %s", s.transid, exc)
        except Exception:
            log.exception("file session %d failed", s.transid)
        finally:
            with self._lock:
                self._sessions.pop(s.transid, None)
            if s.downstream is not None:
                s.downstream.relay(s.transid, None)  # wakes a neighbour still waiting
            if not closed and not self._closed:
                self._report_lost(s)

    def _report_lost(self, s: _FileSession) -> None:
        """A session that ended without cmd 5 (the client's connection broke, e.g. after
        Ctrl-C) is closed all the same, as a real slave does: reported to the master, so
        that the file's lock goes."""
        try:
            size = s.local.stat().st_size
            self._on_close(SessionReport(s.transid, s.path, size, s.mtime, bool(s.mode & 2)))
        except Exception:  # the master or the file may be gone by now
            log.debug("file session %d: no close report", s.transid, exc_info=True)

    def _next(self, s: _FileSession, *, chained: bool = False) -> bytes:
        """The session's next frame: from the client, or (``chained`` with an upstream
        neighbour) from the slave before this one in the write chain."""
        item = (s.relayed if chained and s.upstream else s.frames).get()
        if item is None:
            raise _SessionEnded
        data, error = item
        if error:
            raise _SessionEnded
        return data

    def _send(self, s: _FileSession, data: bytes | memoryview) -> None:
        self._dc.send_frame(s.peer[0], s.peer[1], s.transid, data)

    def _command(self, s: _FileSession, cmd: int) -> None:
        if cmd == CMD_CHAIN:
            self._send(s, I32.pack(0 if self._set_chain(s, self._next(s)) else -1))
        elif cmd == CMD_WRITE:
            params = self._next(s, chained=True)
            offset, size = struct.unpack("<qq", params)
            data = self._next(s, chained=True)
            if not s.upstream:
                data = s.unseal(data)  # only the client encrypts; slaves relay plain text
            if len(data) != size or not s.mode & 2:
                raise _SessionEnded
            with open(s.local, "r+b") as f:
                f.seek(offset)
                f.write(data)
            s.written.append((offset, size))
            self._pass_on(s, params, data)
        elif cmd == CMD_READ:
            offset, size = struct.unpack("<qq", self._next(s))
            length = s.local.stat().st_size
            if offset < 0 or size < 0 or offset + size > length or not s.mode & 1:
                self._send(s, I32.pack(-1))
                return
            self._send(s, I32.pack(0))
            with open(s.local, "rb") as f:
                f.seek(offset)
                self._send(s, s.seal(f.read(size)))
        elif cmd == CMD_DOWNLOAD:
            (offset,) = I64.unpack(self._next(s))
            if not s.mode & 1:
                self._send(s, I32.pack(-1))
                return
            self._send(s, I32.pack(0))
            # One reused buffer: no fresh 16 MiB allocation (and page faults) per frame.
            buf = bytearray(DOWNLOAD_FRAME)
            view = memoryview(buf)
            with open(s.local, "rb") as f:
                f.seek(offset)
                while n := f.readinto(buf):
                    self._send(s, s.seal(view[:n]))
        elif cmd == CMD_UPLOAD:
            (total,) = I64.unpack(self._next(s))
            self._send(s, I32.pack(0 if s.mode & 2 else -1))
            with open(s.local, "r+b") as f:
                got = 0
                while got < total:
                    block = self._next(s, chained=True)
                    if not s.upstream:
                        block = s.unseal(block)
                    f.write(block)
                    got += len(block)
                    self._pass_on(s, block)
            s.written.append((0, total))
        elif cmd == CMD_SYNC:
            (length,) = I32.unpack(self._next(s))
            log_bytes = self._next(s)
            (mtime,) = I32.unpack(self._next(s))
            pairs = [struct.unpack_from("<qq", log_bytes, i) for i in range(0, length, 16)]
            ok = sorted(pairs) == sorted(s.written)
            s.written.clear()
            s.mtime = mtime
            os.utime(s.local, (mtime, mtime))
            self._send(s, I32.pack(1 if ok else -1))
        elif cmd == CMD_PATH:
            self._send(s, str(self.root).encode() + b"\0")
        else:
            raise _SessionEnded

    def _set_chain(self, s: _FileSession, params: bytes) -> bool:
        """cmd 8: upstream ip[64], port, downstream ip[64], port ("" and -1 = none)."""
        if len(params) != 136:
            return False
        up_ip = params[:64].split(b"\0", 1)[0]
        down_ip = params[68:132].split(b"\0", 1)[0].decode("ascii", "replace")
        (down_port,) = I32.unpack_from(params, 132)
        s.upstream = bool(up_ip)
        s.downstream = None
        if down_ip and down_port > 0:
            s.downstream = self._resolve((down_ip, down_port))
            if s.downstream is None:
                return False  # not a slave this cluster knows
        return True

    def _pass_on(self, s: _FileSession, *frames: bytes) -> None:
        if s.downstream is None:
            return
        for frame in frames:
            if not s.downstream.relay(s.transid, frame):
                log.warning("write chain of session %d: the downstream slave is gone",
                            s.transid)
                s.downstream = None
                return

    def _close(self, s: _FileSession) -> None:
        size = s.local.stat().st_size
        wrote = bool(s.mode & 2)
        self._on_close(SessionReport(s.transid, s.path, size, s.mtime, wrote))
        self._send(s, I32.pack(-1))


class _SessionEnded(Exception):
    pass
