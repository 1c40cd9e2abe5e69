"""The official SDK's ``v3io.logger``: ``Logger`` and ``HumanReadableFormatter``."""

from __future__ import annotations

from .logger import HumanReadableFormatter, Logger

__all__ = ["HumanReadableFormatter", "Logger"]
