"""The official SDK's ``v3io.dataplane.transport`` package.

``transport_kind`` names a module of this package (``"httpclient"``, ``"requests"``) or is
a transport class or instance. ``httpclient`` and ``requests`` both select storewire's
native engine (:mod:`v3io.dataplane.native_transport`); ``verifier`` hands each request to
a checking function instead of sending it; ``abstract`` is the base of custom transports.
"""

from __future__ import annotations

from ..errors import HttpResponseError
from ..response import RaiseForStatus


class Actions:
    """How far a transport takes a request (the official ``transport_actions``)."""

    encode_only = 1
    encode_and_send = 2
    send_and_receive = 3


# the submodules, so that ``getattr(v3io.dataplane.transport, kind)`` finds them as in the
# official SDK (imported after the names above, which they use)
from . import abstract, httpclient, requests, verifier  # noqa: E402
from .verifier import Transport  # noqa: E402  (the official package exports this one)

__all__ = [
    "Actions",
    "HttpResponseError",
    "RaiseForStatus",
    "Transport",
    "abstract",
    "httpclient",
    "requests",
    "verifier",
]
