"""What the caller asks for, checked before anything is signed or sent.

Header names must be HTTP tokens. Header values, ``x-amz-meta-*`` metadata included, must
be US-ASCII without control characters: S3 documents only US-ASCII for metadata sent over
REST (AWS decodes RFC 2047 words, other servers store them verbatim), and a CR, LF or NUL
would cut the header or inject another. Rather than guess an encoding that reads back
differently on each server, a non-ASCII value is refused with a clear error; encode it
yourself (``email.header.Header(value, "utf-8").encode()``) if your servers agree on one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from storewire import errors

from ._signing import Headers
from .types import META_PREFIX

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VALUE = re.compile(r"[\t\x20-\x7e]*")


def _refuse(what: str, value: object, why: str, operation: str) -> errors.InvalidRequestError:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return errors.InvalidRequestError(f"{what} {shown}: {why}", operation=operation)


def _check_value(kind: str, name: str, value: str, operation: str) -> None:
    if _VALUE.fullmatch(value):
        return
    if any(c in value for c in "\r\n\0"):
        why = "CR, LF and NUL cannot be sent in a header"
    elif any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        why = "a lone surrogate is not text"
    elif any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        why = "control characters cannot be sent in a header"
    else:
        why = (
            "S3 takes only US-ASCII here; RFC 2047-encode it first "
            "(email.header.Header(value, 'utf-8').encode())"
        )
    raise _refuse(f"{kind} {name!r} value", value, why, operation)


def header_items(
    headers: Mapping[str, object] | None,
    metadata: Mapping[str, object] | None,
    operation: str,
) -> Headers:
    """The caller's headers plus metadata as ``x-amz-meta-*`` headers, all checked."""
    out: Headers = []
    for kind, source in (("header", headers), ("metadata", metadata)):
        for name, raw in (source or {}).items():
            if not isinstance(name, str) or not _TOKEN.fullmatch(name):
                raise _refuse(f"{kind} name", name, "not an HTTP token", operation)
            full = name
            if kind == "metadata" and not name.lower().startswith(META_PREFIX):
                full = META_PREFIX + name
            value = str(raw)
            _check_value(kind, name, value, operation)
            out.append((full, value))
    return out


def check_query(query: Sequence[tuple[str, str | None]], operation: str) -> None:
    """Query names and values (prefix, delimiter, markers...) must be UTF-8 text."""
    for name, value in query:
        check_name(None, name, operation, key_is="query parameter")
        check_name(None, value, operation, key_is=f"query parameter {name!r}")


def check_name(
    bucket: str | None, key: str | None, operation: str, *, key_is: str = "key"
) -> None:
    """Bucket and key must be text that UTF-8 can carry (no lone surrogates)."""
    for what, value in (("bucket", bucket), (key_is, key)):
        if value is None:
            continue
        if not isinstance(value, str):
            raise _refuse(what, value, f"must be str, not {type(value).__name__}", operation)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _refuse(what, value, "a lone surrogate is not text", operation) from exc
