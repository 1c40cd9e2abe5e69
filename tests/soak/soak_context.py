"""What a workload gets: the seeded RNG, the operation budget, the ledger, and helpers that
start servers and the fault proxy and stop them when the run ends."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fault_proxy import ALL_FAULTS, FaultProxy
from soak_ledger import Ledger

from storewire.testing.serve_process import ServeProcess

# Past this many live objects, writes give way to deletes: a long run (make soak) keeps a
# bounded population, so memory (the expected bytes) and the servers' disks stay small.
MAX_LIVE = 300
# Share of operations run by a client without automatic retries: with retries, almost every
# fault is absorbed; without, the failure paths (typed errors, partial state) run too.
NO_RETRY_SHARE = 0.2


@dataclass
class Soak:
    system: str
    ops: int  # operations to run (each may be several requests)
    seed: int
    rate: float  # share of HTTP exchanges that get a fault
    workdir: Path
    ledger: Ledger
    options: dict[str, Any] = field(default_factory=dict)  # per system (e.g. a radosgw)
    rng: random.Random = field(init=False)
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def serve(self, name: str, *args: str) -> ServeProcess:
        """``storewire serve --only name`` in its own process, stopped at the end."""
        (self.workdir / name).mkdir(parents=True, exist_ok=True)
        server = ServeProcess(name, self.workdir / name, *args)
        return self.stack.enter_context(server)

    def proxy(self, endpoint: str) -> FaultProxy:
        """A fault proxy in front of ``endpoint`` (``http://host:port`` or ``host:port``)."""
        parts = urlsplit(endpoint if "//" in endpoint else f"http://{endpoint}")
        assert parts.hostname is not None and parts.port is not None, endpoint
        faults = tuple(self.options.get("faults", ALL_FAULTS))  # the soak's self-tests narrow it
        proxy = FaultProxy((parts.hostname, parts.port), rate=self.rate, seed=self.seed,
                           faults=faults)
        self.stack.enter_context(proxy)
        self.ledger.proxy = proxy
        return proxy

    def pick_client(self, robust: Any, fragile: Any) -> Any:
        """The client for the next operation (``fragile``: max_retries=0), tagged in the
        ledger so that a failure says which one ran."""
        if self.rng.random() < NO_RETRY_SHARE:
            self.ledger.tag = "no retries"
            return fragile
        self.ledger.tag = ""
        return robust

    def choose(self, weights: Mapping[str, int], *, live: int = 0,
               growing: tuple[str, ...] = (), shrink: str = "delete") -> str:
        """An operation name drawn by weight; ``shrink`` instead of a ``growing`` one while
        more than MAX_LIVE objects are live."""
        names = list(weights)
        op = self.rng.choices(names, [weights[n] for n in names])[0]
        return shrink if live > MAX_LIVE and op in growing else op

    def payload(self, *, large: int = 3 << 20) -> bytes:
        """Seeded bytes of a size that covers the edge cases: empty, tiny, a few buffers,
        and now and then one large enough to span many TCP reads."""
        roll = self.rng.random()
        if roll < 0.05:
            size = 0
        elif roll < 0.35:
            size = self.rng.randrange(1, 1024)
        elif roll < 0.92:
            size = self.rng.randrange(1024, 256 * 1024)
        else:
            size = self.rng.randrange(256 * 1024, large)
        return self.rng.randbytes(size)
