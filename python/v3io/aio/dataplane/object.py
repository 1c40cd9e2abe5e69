"""The official SDK's ``v3io.aio.dataplane.object``: its ``Model`` is
:class:`v3io.aio.dataplane.models.ObjectModel` (``client.object``)."""

from __future__ import annotations

from .models import ObjectModel as Model

__all__ = ["Model"]
