"""The official SDK's ``v3io.dataplane.kv_cursor``: its ``Cursor`` is
:class:`v3io.dataplane.cursor.Cursor` (``client.kv.new_cursor``)."""

from __future__ import annotations

from .cursor import Cursor

__all__ = ["Cursor"]
