"""``storewire serve``: start the registered emulators, print how to reach them, block.

A small registry maps an emulator name to its default address and a factory, so the
V3IO and Sector emulators plug in with one :func:`register` call each::

    register("v3io", ("127.0.0.1", 8081), lambda host, port, data, options: V3ioEmulator(...))

A factory gets (host, port, data dir, the serve options) and returns an object with
``start()``, ``stop()``, ``endpoint`` and ``env()`` (the client environment variables, e.g.
``DS3_ENDPOINT``/``DS3_ACCESS_KEY``/``DS3_SECRET_KEY``); it may also have ``details()`` (more lines
to print) and ``on_signal(name)`` for runtime fault knobs (SIGHUP, SIGUSR1).
"""

from __future__ import annotations

import functools
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO


class Emulator(Protocol):
    @property
    def endpoint(self) -> str: ...
    def start(self) -> Any: ...
    def stop(self) -> None: ...
    def env(self) -> dict[str, str]: ...


Factory = Callable[[str, int, "Path | None", Any], Emulator]
FAULT_SIGNALS = ("SIGHUP", "SIGUSR1")


@dataclass(frozen=True)
class EmulatorSpec:
    name: str
    default_address: tuple[str, int]
    factory: Factory


REGISTRY: dict[str, EmulatorSpec] = {}


def register(name: str, default_address: tuple[str, int], factory: Factory) -> None:
    """Adds (or replaces) an emulator that ``storewire serve`` can start."""
    REGISTRY[name] = EmulatorSpec(name, default_address, factory)


def _ds3(host: str, port: int, data_dir: Path | None, options: Any) -> Emulator:
    from .ds3 import DS3Emulator

    return DS3Emulator(host=host, port=port, data_dir=data_dir,
                       s3_buckets=bool(getattr(options, "s3_buckets", False)),
                       persist_delay_s=float(getattr(options, "ds3_persist_delay", 0.0)))


register("ds3", ("127.0.0.1", 8080), _ds3)


def _v3io(host: str, port: int, data_dir: Path | None, _: Any) -> Emulator:
    from .v3io import V3IOEmulator

    # env(): V3IO_API and V3IO_ACCESS_KEY, the variables the v3io clients read
    return V3IOEmulator(host=host, port=port, data_dir=data_dir)


register("v3io", ("127.0.0.1", 8081), _v3io)


def _sector(host: str, port: int, data_dir: Path | None, options: Any) -> Emulator:
    from .sector import SectorEmulator

    # env(): SECTOR_HOST, SECTOR_PORT, SECTOR_USER, SECTOR_PASSWORD, SECTOR_CERT
    return SectorEmulator(
        host=host, port=port, data_dir=data_dir,
        masters=getattr(options, "sector_masters", 1),
        slaves=getattr(options, "sector_slaves", 1),
        replicas=getattr(options, "sector_replicas", 1),
        drop_rate=getattr(options, "sector_drop_rate", 0.0),
        delay_s=getattr(options, "sector_delay", 0.0),
    )


register("sector", ("127.0.0.1", 6000), _sector)


def serve(args: Any, *, stop: threading.Event | None = None, out: TextIO | None = None) -> int:
    """Starts the emulators named by ``args.only`` (default: every registered one) at
    ``args.<name>`` (HOST, PORT) or their default address, under ``args.data/<name>``
    (temporary directories without ``--data``); writes ``args.env_file`` (see
    :func:`write_env_file`; 2 at once if it is not a regular file or a new path); blocks
    until Ctrl-C, SIGTERM or ``stop`` is set. Returns the process exit status."""
    out = out or sys.stdout
    env_file: Path | None = getattr(args, "env_file", None)
    if env_file is not None:
        # Refused before anything starts: the file holds the emulators' secrets.
        problem = env_file_problem(env_file)
        if problem:
            print(f"storewire serve: --env-file {env_file}: {problem}", file=sys.stderr)
            return 2
    wanted = tuple(getattr(args, "only", None) or REGISTRY)
    data_root: Path | None = getattr(args, "data", None)
    running: list[tuple[str, Emulator]] = []
    try:
        for name in wanted:
            spec = REGISTRY.get(name)
            if spec is None:
                print(f"storewire serve: the {name} emulator is not available in this build; "
                      "skipped", file=sys.stderr)
                continue
            host, port = getattr(args, name, None) or spec.default_address
            data_dir = data_root / name if data_root is not None else None
            emulator = spec.factory(host, port, data_dir, args)
            emulator.start()
            running.append((name, emulator))
            print(f"{name}: {emulator.endpoint}", file=out)
            for line in getattr(emulator, "details", lambda: [])():
                print(f"  {line}", file=out)
            for key, value in emulator.env().items():
                print(f"  {key}={value}", file=out)
        if not running:
            print("storewire serve: no emulator to start", file=sys.stderr)
            return 2
        if env_file is not None:
            lines = [f"{k}={v}\n" for _, emu in running for k, v in emu.env().items()]
            write_env_file(env_file, "".join(lines))
            print(f"environment written to {env_file}", file=out)
        print("serving; press Ctrl-C to stop", file=out, flush=True)
        _wait(stop or threading.Event(), [emu for _, emu in running])
        return 0
    except KeyboardInterrupt:
        return 0
    except EnvFileError as exc:
        print(f"storewire serve: --env-file {env_file}: {exc}", file=sys.stderr)
        return 2
    finally:
        for _, emulator in reversed(running):
            emulator.stop()


class EnvFileError(Exception):
    """The ``--env-file`` path is not one serve may write its secrets to."""


def env_file_problem(path: Path) -> str:
    """Why serve must not write ``path`` ("" if it may): only a regular file is replaced,
    or a new name created, in an existing directory. A symlink, device, FIFO, socket or
    directory is never followed or replaced."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        parent = path.parent
        if not parent.is_dir():
            return f"the directory {str(parent)!r} does not exist"
        return ""
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISLNK(st.st_mode):
        return "is a symbolic link; give a regular file or a new path"
    if not stat.S_ISREG(st.st_mode):
        return f"is not a regular file ({_kind(st.st_mode)}); give a regular file or a new path"
    return ""


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "a special file"


def write_env_file(path: Path, text: str) -> None:
    """Writes ``text`` to ``path`` readable by its owner only (0600), atomically: a
    temporary file in the same directory is renamed over it, so readers polling for the
    path see nothing or the whole file. Raises :class:`EnvFileError`."""
    problem = env_file_problem(path)
    if problem:
        raise EnvFileError(problem)
    # mkstemp: a new name (O_EXCL, so never an existing link) created with mode 0600.
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise EnvFileError(exc.strerror or str(exc)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        problem = env_file_problem(path)  # again: the path may have changed meanwhile
        if problem:
            raise EnvFileError(problem)
        os.replace(temp, path)
    except OSError as exc:
        os.unlink(temp)
        raise EnvFileError(exc.strerror or str(exc)) from None
    except BaseException:
        os.unlink(temp)
        raise


def _wait(stop: threading.Event, emulators: list[Emulator]) -> None:
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (e.g. from a CI runner) stops as cleanly as Ctrl-C; Ctrl-C gets its own
        # handler because a shell starts background jobs with SIGINT ignored.
        previous = {signum: signal.signal(signum, lambda *_: stop.set())
                    for signum in (signal.SIGTERM, signal.SIGINT)}
        for name in FAULT_SIGNALS:
            signum = getattr(signal, name)
            previous[signum] = signal.signal(
                signum, functools.partial(_on_fault_signal, name, emulators))
        try:
            while not stop.wait(0.5):
                pass
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    else:
        stop.wait()


def _on_fault_signal(name: str, emulators: list[Emulator], _signum: int, _frame: Any) -> None:
    """Passes a fault signal on to every emulator that has knobs for it."""
    for emulator in emulators:
        handler = getattr(emulator, "on_signal", None)
        if handler is not None:
            try:
                handler(name)
            except Exception as exc:  # a knob must never stop the server
                print(f"storewire serve: {name}: {exc}", file=sys.stderr, flush=True)
