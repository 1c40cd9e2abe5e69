"""The official SDK's ``v3io.dataplane.model``: the base of the kv/object/stream/container
models (ours are in :mod:`v3io.dataplane.models`)."""

from __future__ import annotations

__all__ = ["Model"]


class Model:
    @staticmethod
    def _ensure_path_ends_with_slash(path: str) -> str:
        return path if path.endswith("/") else path + "/"
