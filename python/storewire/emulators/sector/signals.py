"""``storewire serve``'s runtime knobs for a Sector cluster, driven by signals."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .pool import SlavePool


class SignalsMixin:
    """Part of :class:`~.master.SectorEmulator`: what a signal does to the cluster."""

    if TYPE_CHECKING:  # provided by SectorEmulator
        def restart(self, master: int | None = None) -> None: ...
        def kill_slave(self, index: int) -> None: ...
        def _pool(self) -> SlavePool: ...

    def on_signal(self, name: str) -> None:
        """``storewire serve``'s runtime knobs: SIGHUP restarts every master, SIGUSR1
        kills the next live slave."""
        if name == "SIGHUP":
            self.restart()
            print("sector: masters restarted (sessions forgotten)", flush=True)
        elif name == "SIGUSR1":
            live = self._pool().live()
            if not live:
                print("sector: no live slave left to kill", flush=True)
                return
            self.kill_slave(live[0])
            ip, port = self._pool().address(live[0])
            print(f"sector: slave {live[0]} ({ip}:{port}) killed", flush=True)
