"""Errors of the expression language.

``ExpressionError`` is a static error (syntax, unknown function, wrong argument count,
a non-Boolean condition): the request fails with 400 before anything is evaluated.
``EvaluationError`` happens while evaluating against one item (type mismatch, index out of
range, division by zero). ``MissingAttribute`` is raised when an expression reads an
attribute the item does not have; conditions turn it into ``false``.
"""

from __future__ import annotations


class ExpressionError(Exception):
    """The expression is invalid; ``pos`` is the character offset when known."""

    def __init__(self, message: str, pos: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos

    def __str__(self) -> str:
        if self.pos is None:
            return self.message
        return f"{self.message} (at position {self.pos})"


class EvaluationError(Exception):
    """Evaluation failed for the current item."""


class MissingAttribute(Exception):
    """The item has no attribute of this name."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name
