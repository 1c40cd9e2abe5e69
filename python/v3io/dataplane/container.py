"""The official SDK's ``v3io.dataplane.container``: its ``Model`` is
:class:`v3io.dataplane.models.ContainerModel` (``client.container``)."""

from __future__ import annotations

from .models import ContainerModel as Model

__all__ = ["Model"]
