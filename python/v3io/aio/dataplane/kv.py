"""The official SDK's ``v3io.aio.dataplane.kv``: its ``Model`` is
:class:`v3io.aio.dataplane.models.KVModel` (``client.kv``)."""

from __future__ import annotations

from .models import KVModel as Model

__all__ = ["Model"]
