"""V3IO (Iguazio) data-plane client: a drop-in for the official ``v3io`` SDK on storewire's
native HTTP engine.

``v3io.dataplane.Client`` (endpoint from ``V3IO_API``, access key from ``V3IO_ACCESS_KEY``)
keeps the official method names and ``Response`` (``status_code``, ``output``,
``headers``, ``body``), ``RaiseForStatus``, batches (run in parallel natively), item
cursors, objects, KV items and streams. Errors are :mod:`storewire.errors` types that are
also ``v3io.dataplane.transport.HttpResponseError``. ``v3io.ObjectClient`` puts the verb table
the four modern clients share (docs/verbs.md) over V3IO objects.
"""

from __future__ import annotations

from storewire import __version__

from .dataplane import Client, RaiseForStatus
from .objects import ObjectClient

__all__ = ["Client", "ObjectClient", "RaiseForStatus", "__version__"]
