"""The official SDK's ``v3io.aio.dataplane.container``: its ``Model`` is
:class:`v3io.aio.dataplane.models.ContainerModel` (``client.container``)."""

from __future__ import annotations

from .models import ContainerModel as Model

__all__ = ["Model"]
