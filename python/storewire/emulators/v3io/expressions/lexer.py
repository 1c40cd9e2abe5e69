"""Tokens of the V3IO expression language.

Keywords and function names are case-insensitive; attribute names are bare identifiers or
backtick-quoted (to use a reserved word as a name). Strings use single or double quotes and
have no escapes; a backslash anywhere is an error, as on the real server. ``12:34`` is a
timestamp literal (seconds:nanoseconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ExpressionError

MAX_EXPRESSION_BYTES = 8 * 1024

KEYWORDS = frozenset({"and", "or", "not", "in", "set", "remove", "true", "false"})

# Longest first, so "<=" wins over "<" and ".." over ".".
_OPERATORS = (
    "==", "!=", "<=", ">=", "<<", ">>", "..",
    "<", ">", "=", "+", "-", "*", "/", "&", "|", "^", "~",
    "(", ")", "[", "]", ",", ";",
)  # fmt: skip

NAME = "name"
NUMBER = "number"
STRING = "string"
TIMESTAMP = "timestamp"
KEYWORD = "keyword"
OP = "op"
END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str  # operator text, lower-cased keyword, or the name as written
    value: Any  # literal value (number, string, (secs, nsecs)); True for a quoted name
    pos: int


def _is_name_start(ch: str) -> bool:
    return ch.isascii() and (ch.isalpha() or ch == "_")


def _is_name_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text``, ending with an END token; ExpressionError on bad input."""
    if len(text.encode()) > MAX_EXPRESSION_BYTES:
        raise ExpressionError(f"expression is longer than {MAX_EXPRESSION_BYTES} bytes")
    if "\\" in text:
        raise ExpressionError("backslash is not allowed in expressions", text.index("\\"))
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        if ch.isdigit():
            i = _scan_number(text, i, tokens)
            continue
        if _is_name_start(ch):
            while i < n and _is_name_char(text[i]):
                i += 1
            word = text[start:i]
            lower = word.lower()
            if lower in KEYWORDS:
                tokens.append(Token(KEYWORD, lower, None, start))
            else:
                tokens.append(Token(NAME, word, False, start))
            continue
        if ch == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise ExpressionError("unterminated `quoted` name", start)
            word = text[i + 1 : end]
            if not word:
                raise ExpressionError("empty `quoted` name", start)
            tokens.append(Token(NAME, word, True, start))
            i = end + 1
            continue
        if ch in "'\"":
            end = text.find(ch, i + 1)
            if end < 0:
                raise ExpressionError("unterminated string literal", start)
            tokens.append(Token(STRING, text[i : end + 1], text[i + 1 : end], start))
            i = end + 1
            continue
        if text.startswith(("&&", "||"), i):
            word = "AND" if ch == "&" else "OR"
            raise ExpressionError(f"'{ch * 2}' is not an operator; write {word}", start)
        for op in _OPERATORS:
            if text.startswith(op, i):
                tokens.append(Token(OP, op, None, start))
                i += len(op)
                break
        else:
            raise ExpressionError(f"unexpected character {ch!r}", start)
    tokens.append(Token(END, "", None, n))
    return tokens


def _scan_number(text: str, i: int, tokens: list[Token]) -> int:
    start, n = i, len(text)
    while i < n and text[i].isdigit():
        i += 1
    # secs:nsecs timestamp literal
    if i + 1 < n and text[i] == ":" and text[i + 1].isdigit():
        j = i + 1
        while j < n and text[j].isdigit():
            j += 1
        secs, nsecs = int(text[start:i]), int(text[i + 1 : j])
        if nsecs >= 1_000_000_000:
            raise ExpressionError("timestamp nanoseconds must be below 1000000000", start)
        tokens.append(Token(TIMESTAMP, text[start:j], (secs, nsecs), start))
        return j
    is_float = False
    # a point must be followed by a digit: "a[0..4]" is 0, "..", 4
    if i + 1 < n and text[i] == "." and text[i + 1].isdigit():
        is_float = True
        i += 1
        while i < n and text[i].isdigit():
            i += 1
    if i < n and text[i] in "eE":
        j = i + 1
        if j < n and text[j] in "+-":
            j += 1
        if j < n and text[j].isdigit():
            is_float = True
            i = j
            while i < n and text[i].isdigit():
                i += 1
    stray_point = i + 1 < n and text[i] == "." and text[i + 1].isdigit()  # "1.2.3"
    if i < n and (_is_name_char(text[i]) or stray_point):
        raise ExpressionError(f"malformed number {text[start : i + 1]!r}", start)
    literal = text[start:i]
    tokens.append(Token(NUMBER, literal, float(literal) if is_float else int(literal), start))
    return i
