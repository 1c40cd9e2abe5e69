"""The official SDK's ``v3io.aio.dataplane.stream``: its ``Model`` is
:class:`v3io.aio.dataplane.models.StreamModel` (``client.stream``)."""

from __future__ import annotations

from .models import StreamModel as Model

__all__ = ["Model"]
