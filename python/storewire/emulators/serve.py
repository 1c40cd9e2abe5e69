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
import sys
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


def _ds3(host: str, port: int, data_dir: Path | None, _: Any) -> Emulator:
    from .ds3 import DS3Emulator

    return DS3Emulator(host=host, port=port, data_dir=data_dir)


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
    (temporary directories without ``--data``); writes ``args.env_file``; blocks until
    Ctrl-C, SIGTERM or ``stop`` is set. Returns the process exit status."""
    out = out or sys.stdout
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
        env_file: Path | None = getattr(args, "env_file", None)
        if env_file is not None:
            lines = [f"{k}={v}\n" for _, emu in running for k, v in emu.env().items()]
            # Atomically: scripts wait for the file to appear, then read it at once.
            partial = env_file.with_name(env_file.name + ".partial")
            partial.write_text("".join(lines), encoding="utf-8")
            os.replace(partial, env_file)
            print(f"environment written to {env_file}", file=out)
        print("serving; press Ctrl-C to stop", file=out, flush=True)
        _wait(stop or threading.Event(), [emu for _, emu in running])
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        for _, emulator in reversed(running):
            emulator.stop()


def _wait(stop: threading.Event, emulators: list[Emulator]) -> None:
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (e.g. from a CI runner) stops as cleanly as Ctrl-C.
        previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, lambda *_: stop.set())}
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
