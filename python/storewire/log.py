"""Logging for storewire: the stdlib ``logging`` tree under ``storewire``, with redaction.

Every storewire logger comes from :func:`get_logger` and carries a :class:`RedactingFilter`,
so no record logged by storewire can show an ``Authorization`` (or similar credential)
header, a request signature (``Signature=``, ``X-Amz-Signature=``), the password in a URL
(``http://user:pw@host``) or a registered secret value, whatever handler the application
attaches. Applications can put the same filter on
their own handlers to cover other libraries' records too::

    handler.addFilter(storewire.log.RedactingFilter())

storewire never configures handlers or levels; that is the application's job.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote

__all__ = [
    "MASK",
    "RedactingFilter",
    "forget_secret",
    "get_logger",
    "redact",
    "redact_credentials",
    "redact_userinfo",
    "register_secret",
]

MASK = "***"
ROOT = "storewire"

# Values shorter than this are not registered: masking every "ab" in a log line would
# destroy it without protecting anything a real credential needs.
MIN_SECRET_LEN = 4

# Credential-bearing headers, written as "Name: value", "'Name': 'value'" (dict repr),
# "('Name', 'value')" (tuple repr) or "name=value". A quoted value ends at its closing
# quote; an unquoted one runs to the end of the line or to a "<" (an XML error document
# that echoes the header keeps its closing tags, so it still parses).
_HEADER_RE = re.compile(
    r"(?P<name>\b(?:proxy-)?authorization|\bx-amz-security-token|\bx-v3io-session-key)"
    r"(?P<sep>['\"]?[ \t]*[:=,][ \t]*)"
    r"(?:(?P<quote>['\"])(?P<quoted>.*?)(?P=quote)|(?P<bare>[^\r\n<]*))",
    re.IGNORECASE,
)
# Signatures in query strings (SigV2 ``Signature=``, SigV4 presigned ``X-Amz-Signature=``)
# and inside a SigV4 Authorization value (``Signature=<hex>``).
_SIGNATURE_RE = re.compile(
    r"(?P<key>\b(?:x-amz-)?signature=)[^&\s'\",;<]+",
    re.IGNORECASE,
)

# A SigV2 Authorization value without its header name (``AWS <access id>:<signature>``,
# e.g. echoed as a request id): the signature is 20 bytes of HMAC-SHA1 in base64.
_SIGV2_VALUE_RE = re.compile(r"(?P<key>\bAWS [^\s:'\"<>]+:)[A-Za-z0-9+/]{27}=")

# ``scheme://authority``: the authority ends where the path, query or fragment starts.
_URL_AUTHORITY_RE = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<authority>[^\s/?#]*)")

_lock = threading.Lock()
_secrets: set[str] = set()
_secrets_re: re.Pattern[str] | None = None


def register_secret(value: str) -> None:
    """Mask ``value`` (and its URL-encoded form) in every record storewire logs."""
    global _secrets_re
    # Not a str: the caller's own type check reports it; a bytes entry would break the regex.
    if not isinstance(value, str) or len(value) < MIN_SECRET_LEN:
        return
    with _lock:
        before = len(_secrets)
        _secrets.update({value, quote(value, safe="")})
        if len(_secrets) != before:
            _secrets_re = None  # rebuilt on next use


def forget_secret(value: str) -> None:
    """Stop masking ``value`` (e.g. after a credential was rotated out)."""
    global _secrets_re
    with _lock:
        _secrets.difference_update({value, quote(value, safe="")})
        _secrets_re = None


def _secret_pattern() -> re.Pattern[str] | None:
    global _secrets_re
    with _lock:
        if _secrets_re is None and _secrets:
            # Longest first, so a secret containing another is masked whole.
            alternatives = sorted(_secrets, key=len, reverse=True)
            _secrets_re = re.compile("|".join(re.escape(s) for s in alternatives))
        return _secrets_re


def _mask_header(m: re.Match[str]) -> str:
    quote_char = m.group("quote")
    value = f"{quote_char}{MASK}{quote_char}" if quote_char else MASK
    return f"{m.group('name')}{m.group('sep')}{value}"


def _mask_userinfo(m: re.Match[str]) -> str:
    authority = m.group("authority")
    userinfo, at, host = authority.rpartition("@")  # a raw "@" in a password comes first
    if not at:
        return m.group(0)
    user, colon, _password = userinfo.partition(":")
    # "user:pw@" keeps the user; a lone "token@" is a credential itself.
    shown = f"{user}:{MASK}" if colon else MASK
    return f"{m.group('scheme')}{shown}@{host}"


def redact_userinfo(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` URL masked
    (``scheme://token@host``: the token). Cheap enough for every exception message."""
    if "@" not in text:
        return text
    return _URL_AUTHORITY_RE.sub(_mask_userinfo, text)


def redact_credentials(text: str) -> str:
    """``text`` with what looks like a credential masked: credential headers, request
    signatures and URL passwords. Registered secret values are left to :func:`redact`,
    so a short secret cannot garble names in exception messages."""
    text = redact_userinfo(text)
    text = _HEADER_RE.sub(_mask_header, text)
    text = _SIGV2_VALUE_RE.sub(lambda m: m.group("key") + MASK, text)
    return _SIGNATURE_RE.sub(lambda m: m.group("key") + MASK, text)


def redact(text: str) -> str:
    """``text`` with registered secrets, credential headers, signatures and URL
    passwords masked."""
    pattern = _secret_pattern()
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return redact_credentials(text)


# Attributes every LogRecord has; anything else came from ``extra=`` and may hold text.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    """Rewrites each record in place so that no handler sees a secret; never drops one.

    The message is formatted once (``msg % args``) and replaced by its redacted text;
    exception and stack text and string ``extra=`` fields are redacted too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not leak its arguments either
            message = f"{record.msg} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, name, redact(value))
        return True


_FILTER = RedactingFilter()


def get_logger(name: str = "") -> logging.Logger:
    """The ``storewire`` logger, or its child ``storewire.<name>``, with redaction on.

    A name already under ``storewire`` (e.g. a module's ``__name__``) is used as is.
    """
    if not name or name == ROOT:
        full = ROOT
    elif name.startswith(ROOT + "."):
        full = name
    else:
        full = f"{ROOT}.{name}"
    logger = logging.getLogger(full)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
