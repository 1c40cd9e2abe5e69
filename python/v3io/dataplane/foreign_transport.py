"""A client's calls through a transport object of the official interface (the verifier, a
custom :class:`v3io.dataplane.transport.abstract.Transport`): each
:class:`~v3io.dataplane.request.Call` becomes an official ``transport.request(...)``, whose
return value is the call's result. Batches run their calls one after another."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from storewire.config import Secret

from .request import Call, call_encoder
from .response import RaiseForStatusArg


class ForeignTransport:
    """Duck-types :class:`v3io.dataplane.native_transport.Transport` for the client."""

    def __init__(self, transport: Any, access_key: Secret | None) -> None:
        self.transport = transport
        self.access_key = access_key
        self.endpoint = getattr(transport, "_endpoint", "") or ""
        self.closed = False

    def send(self, call: Call, started: threading.Event | None = None) -> Any:
        if self.closed:
            raise RuntimeError("Cannot send request on a closed client")
        key = call.access_key
        if key is None and self.access_key is not None:
            key = self.access_key.reveal()
        container, encoder = call_encoder(call, key)
        if started is not None:
            started.set()
        return self.transport.request(container, key, call.raise_for_status, None, encoder,
                                      {}, call.output_class)

    prefetch = send

    def stop_prefetch(self) -> None:
        pass

    def send_many(self, calls: Sequence[Call],
                  policy: RaiseForStatusArg = None) -> list[Any]:
        results: list[Any] = []
        for call in calls:
            if call.raise_for_status is None and policy is not None:
                call.raise_for_status = policy
            try:
                results.append(self.send(call))
            except Exception as exc:  # a slot holds the call's error, as the native one
                results.append(exc)
        return results

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.transport.close()
