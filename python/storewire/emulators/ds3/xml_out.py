"""Compact, namespace-free XML output.

The C SDK turns every whitespace text node inside a list container into a phantom entry,
so nothing here ever emits indentation; booleans are exactly ``true``/``false``.
Elements are built as strings: the documents are small and this is several times faster
than building an ElementTree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# Characters XML 1.0 cannot carry at all, even as character references.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;",
     "\r": "&#13;"}
)

Value = str | int | float | bool | None


def fmt(value: Value) -> str:
    """The wire form of a scalar: ``true``/``false`` for booleans, ``""`` for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _clean(text: str) -> str:
    return _INVALID.sub("\ufffd", text) if _INVALID.search(text) else text


def escape_text(value: Value) -> str:
    return _clean(fmt(value)).translate(_TEXT_ESCAPES)


def escape_attr(value: Value) -> str:
    return _clean(fmt(value)).translate(_ATTR_ESCAPES)


def _open(tag: str, attrs: Mapping[str, Value] | None) -> str:
    if not attrs:
        return tag
    rendered = "".join(f' {k}="{escape_attr(v)}"' for k, v in attrs.items() if v is not None)
    return tag + rendered


def leaf(tag: str, value: Value = None, attrs: Mapping[str, Value] | None = None) -> str:
    """``<tag>value</tag>``, or ``<tag/>`` when the value is None or empty."""
    text = escape_text(value)
    head = _open(tag, attrs)
    return f"<{head}>{text}</{tag}>" if text else f"<{head}/>"


def node(tag: str, children: Iterable[str] = (), attrs: Mapping[str, Value] | None = None) -> str:
    """A container element around already rendered children."""
    inner = "".join(children)
    head = _open(tag, attrs)
    return f"<{head}>{inner}</{tag}>" if inner else f"<{head}/>"


def leaves(fields: Mapping[str, Value]) -> str:
    """One leaf per field, in mapping order."""
    return "".join(leaf(k, v) for k, v in fields.items())


def document(root: str) -> bytes:
    """The bytes of a response body (UTF-8, no declaration, as BlackPearl sends)."""
    return root.encode("utf-8")
