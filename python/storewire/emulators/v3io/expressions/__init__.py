"""The V3IO condition/filter and update expression language.

``condition(text)`` and ``update(text)`` parse and compile once (cached by text, since
scans repeat the same filter on every page and benchmarks the same update on every item)
and return callables that run against a :class:`Scope`.
"""

from __future__ import annotations

from functools import lru_cache

from .errors import EvaluationError, ExpressionError, MissingAttribute
from .evaluator import Apply, Predicate, Scope, compile_condition, compile_update
from .parser import parse_condition, parse_update

__all__ = [
    "Apply",
    "EvaluationError",
    "ExpressionError",
    "MissingAttribute",
    "Predicate",
    "Scope",
    "condition",
    "update",
]


@lru_cache(maxsize=512)
def condition(text: str) -> Predicate:
    """The compiled condition; an empty text is always true. ExpressionError when invalid."""
    if not text.strip():
        return lambda scope: True
    return compile_condition(parse_condition(text))


@lru_cache(maxsize=512)
def update(text: str) -> Apply:
    """The compiled update expression; an empty text changes nothing."""
    return compile_update(parse_update(text))
