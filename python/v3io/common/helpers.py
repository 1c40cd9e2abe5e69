"""``url_join``, as the official SDK's ``v3io.common.helpers``."""

from __future__ import annotations

__all__ = ["url_join"]


def url_join(base: str, *parts: str) -> str:
    """``base`` and ``parts`` joined by single ``/``, with a leading ``/``:
    ``url_join("a", "b", "/c")`` is ``"/a/b/c"``. Slashes inside a part are kept."""
    result = base if base.startswith("/") else "/" + base
    for part in parts:
        result += part if part.startswith("/") else "/" + part
    return result
