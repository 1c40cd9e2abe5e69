"""Syntax tree of condition and update expressions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class Node:
    """Base of expression nodes; ``pos`` is the character offset, for error messages."""

    __slots__ = ()
    pos: int


@dataclass(frozen=True, slots=True)
class Const(Node):
    value: Any
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Attr(Node):
    name: str
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Index(Node):
    base: Node
    index: Node
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Slice(Node):
    base: Node
    low: Node
    high: Node  # inclusive
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Call(Node):
    name: str  # lower-cased
    args: tuple[Node, ...]
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "-" or "~"
    operand: Node
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str  # + - * / << >> & ^ |
    left: Node
    right: Node
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Compare(Node):
    op: str  # == != < <= > >=
    left: Node
    right: Node
    pos: int = 0


@dataclass(frozen=True, slots=True)
class In(Node):
    left: Node
    options: tuple[Node, ...]
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: Node
    pos: int = 0


@dataclass(frozen=True, slots=True)
class And(Node):
    left: Node
    right: Node
    pos: int = 0


@dataclass(frozen=True, slots=True)
class Or(Node):
    left: Node
    right: Node
    pos: int = 0


# Update actions


@dataclass(frozen=True, slots=True)
class SetAction:
    target: Node  # Attr, Index(Attr, ...) or Slice(Attr, ...)
    value: Node
    pos: int = 0


@dataclass(frozen=True, slots=True)
class RemoveAction:
    names: tuple[str, ...]
    pos: int = 0


Action = SetAction | RemoveAction
