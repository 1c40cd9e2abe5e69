"""Sector 2.x client: a PySector-compatible functional API and ``sector.Client``.

Functional API (PySector): each call returns 0 on success or a negative Sector error
code (``stat`` / ``list`` return their result on success)::

    import sector
    status = sector.init('localhost', 6000)
    status = sector.login('test', 'xxx', '/opt/sector/conf/master_node.cert')
    status = sector.mkdir('/mydir')
    status = sector.logout()
    status = sector.closeclient()

``open(path, mode)`` returns a handle (mode 1 = read, 2 = write, as in PySector; Python
mode strings work too) for ``read(handle, n)`` (empty bytes at EOF), ``write(handle,
data)`` and ``close(handle)``; ``upload(local, remote)`` and ``download(remote, local)``
copy whole files (a download replaces ``local`` only once complete). Mode bit 16 encrypts
the file data on the data channel (Blowfish-CBC). ``sector.Client`` is the Pythonic layer
these functions are built on; it also has the verbs the four modern clients share
(docs/verbs.md).
"""

from __future__ import annotations

import builtins
import os
import threading

from storewire import errors

from .client import Client, DiskUsage, FileInfo, SectorError, SectorFile, error_code
from .config import Config

__all__ = [
    "Client",
    "Config",
    "DiskUsage",
    "FileInfo",
    "SectorError",
    "SectorFile",
    "close",
    "closeclient",
    "copy",
    "download",
    "error_code",
    "init",
    "list",
    "login",
    "logout",
    "mkdir",
    "move",
    "open",
    "read",
    "rm",
    "stat",
    "upload",
    "write",
]

E_UNKNOWN = -1
E_INVALID = -6000

_lock = threading.Lock()
_state: dict[str, object] = {}


def _code(exc: BaseException) -> int:
    return error_code(exc)


def _client() -> Client:
    client = _state.get("client")
    if client is None:
        raise errors.InvalidRequestError("call sector.init() and sector.login() first",
                                         code=str(E_INVALID))
    assert isinstance(client, Client)
    return client


def init(host: str, port: int) -> int:
    """Sets up a client for the master at host:port. Returns 0 or a negative code."""
    with _lock:
        old = _state.pop("client", None)
        if isinstance(old, Client):
            old.close()
        try:
            _state["client"] = Client(host, int(port))
        except errors.StorageError as exc:
            return _code(exc)
        return 0


def login(user: str, password: str, cert: str | os.PathLike[str] | None = None) -> int:
    try:
        _client().login(user, password, cert)
    except errors.StorageError as exc:
        return _code(exc)
    return 0


def logout() -> int:
    try:
        _client().logout()
    except errors.StorageError as exc:
        return _code(exc)
    return 0


def closeclient() -> int:
    with _lock:
        client = _state.pop("client", None)
    if isinstance(client, Client):
        client.close()
    return 0


def _call(method: str, *args: object) -> int:
    try:
        getattr(_client(), method)(*args)
    except errors.StorageError as exc:
        return _code(exc)
    return 0


def mkdir(path: str) -> int:
    return _call("mkdir", path)


def rm(path: str) -> int:
    """Removes a file or a directory (recursively, as PySector's remove does)."""
    try:
        client = _client()
        info = client.stat(path)
        client.remove(path, recursive=info.is_dir)
    except errors.StorageError as exc:
        return _code(exc)
    return 0


def move(src: str, dst: str) -> int:
    return _call("move", src, dst)


def copy(src: str, dst: str) -> int:
    return _call("copy", src, dst)


def stat(path: str) -> FileInfo | int:
    """The file's :class:`FileInfo`, or a negative error code."""
    try:
        return _client().stat(path)
    except errors.StorageError as exc:
        return _code(exc)


def list(path: str) -> builtins.list[FileInfo] | int:
    """The directory's entries, or a negative error code."""
    try:
        return _client().list(path)
    except errors.StorageError as exc:
        return _code(exc)


def open(path: str, mode: int | str = 1) -> SectorFile | int:
    """A file handle, or a negative error code."""
    try:
        return _client().open(path, mode)
    except errors.StorageError as exc:
        return _code(exc)


def read(handle: SectorFile, size: int) -> bytes | int:
    """Up to ``size`` bytes (empty at EOF), or a negative error code."""
    try:
        return handle.read(size)
    except errors.StorageError as exc:
        return _code(exc)


def write(handle: SectorFile, data: bytes) -> int:
    try:
        handle.write(data)
    except errors.StorageError as exc:
        return _code(exc)
    return 0


def close(handle: SectorFile) -> int:
    try:
        handle.close()
    except errors.StorageError as exc:
        return _code(exc)
    return 0


def upload(local: str | os.PathLike[str], remote: str) -> int:
    try:
        _client().upload(local, remote)
    except errors.StorageError as exc:
        return _code(exc)
    return 0


def download(remote: str, local: str | os.PathLike[str]) -> int:
    try:
        _client().download(remote, local)
    except errors.StorageError as exc:
        return _code(exc)
    return 0
