"""``transport_kind="requests"``: the official SDK's fallback to the ``requests`` library.
Here it selects the same native engine as ``httpclient`` (there is nothing to fall back
from)."""

from __future__ import annotations

from . import httpclient


class Transport(httpclient.Transport):
    """The native engine, under the name ``requests``."""
