"""Evaluation: syntax trees compiled once into Python closures, then run per item.

Semantics (choices the docs leave open are marked INFER):

- Comparisons of numbers promote int/double; strings compare lexicographically; operands of
  different types compare false (all six operators, ``!=`` included).
- In a condition, each *atom* (anything that is not AND/OR/NOT) that reads a missing
  attribute is false; so is an atom whose evaluation fails (type mismatch, index out of
  range) [INFER: one bad item must not fail a whole scan]. NOT/AND/OR then combine atoms as
  usual, so ``NOT (a == 1)`` is true when ``a`` is missing.
- Arithmetic takes numbers and Booleans (as 1/0); ``+`` also concatenates strings, blobs and
  arrays. Integer results must fit in int64; ``int / int`` truncates toward zero (C) [INFER].
- Update actions run in order on a working copy; reading a missing attribute on the
  right-hand side is an error (400) [INFER], ``if_not_exists`` being the guard.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..values import INT64_MAX, INT64_MIN, Array, Timestamp, type_name
from . import functions
from .errors import EvaluationError, ExpressionError, MissingAttribute
from .nodes import (
    Action,
    And,
    Attr,
    Binary,
    Call,
    Compare,
    Const,
    In,
    Index,
    Node,
    Not,
    Or,
    RemoveAction,
    Slice,
    Unary,
)


class Scope:
    """The item an expression runs against: user attributes plus lazily built system ones."""

    __slots__ = ("_system", "_system_factory", "attrs")

    def __init__(
        self, attrs: dict[str, Any], system: Callable[[], dict[str, Any]] | None = None
    ) -> None:
        self.attrs = attrs
        self._system_factory = system
        self._system: dict[str, Any] | None = None

    def system(self) -> dict[str, Any]:
        if self._system is None:
            self._system = self._system_factory() if self._system_factory else {}
        return self._system


Value = Callable[[Scope], Any]
Predicate = Callable[[Scope], bool]
Apply = Callable[[Scope], None]


def compile_condition(node: Node) -> Predicate:
    if isinstance(node, And):
        left, right = compile_condition(node.left), compile_condition(node.right)
        return lambda scope: left(scope) and right(scope)
    if isinstance(node, Or):
        left, right = compile_condition(node.left), compile_condition(node.right)
        return lambda scope: left(scope) or right(scope)
    if isinstance(node, Not):
        operand = compile_condition(node.operand)
        return lambda scope: not operand(scope)
    value = compile_value(node)

    def atom(scope: Scope) -> bool:
        try:
            return value(scope) is True
        except (MissingAttribute, EvaluationError):
            return False

    return atom


def compile_update(actions: list[Action]) -> Apply:
    steps = [_compile_action(action) for action in actions]

    def apply(scope: Scope) -> None:
        try:
            for step in steps:
                step(scope)
        except MissingAttribute as exc:
            raise EvaluationError(f"attribute '{exc.name}' does not exist") from None

    return apply


def _check_writable(name: str, pos: int) -> None:
    if name.startswith("__"):
        raise ExpressionError(f"system attribute '{name}' cannot be modified", pos)


def _compile_action(action: Action) -> Apply:
    if isinstance(action, RemoveAction):
        for name in action.names:
            _check_writable(name, action.pos)
        names = action.names

        def remove(scope: Scope) -> None:
            for name in names:
                scope.attrs.pop(name, None)

        return remove
    target, value = action.target, compile_value(action.value)
    if isinstance(target, Attr):
        name = target.name
        _check_writable(name, target.pos)

        def assign(scope: Scope) -> None:
            scope.attrs[name] = value(scope)

        return assign
    assert isinstance(target, (Index, Slice)) and isinstance(target.base, Attr)
    name = target.base.name
    _check_writable(name, target.pos)
    if isinstance(target, Index):
        index = compile_value(target.index)

        def assign_element(scope: Scope) -> None:
            array = _target_array(scope, name)
            i = _index(index(scope), len(array.items))
            items = list(array.items)
            items[i] = _element(array, value(scope))
            scope.attrs[name] = Array(array.double, tuple(items))

        return assign_element
    low, high = compile_value(target.low), compile_value(target.high)

    def assign_slice(scope: Scope) -> None:
        array = _target_array(scope, name)
        lo, hi = _bounds(low(scope), high(scope), len(array.items))
        new = value(scope)
        width = hi - lo + 1
        if isinstance(new, Array):
            if len(new.items) != width:
                raise EvaluationError(
                    f"cannot assign {len(new.items)} elements to a slice of {width}"
                )
            parts = [_element(array, v) for v in new.items]
        else:
            parts = [_element(array, new)] * width
        items = list(array.items)
        items[lo : hi + 1] = parts
        scope.attrs[name] = Array(array.double, tuple(items))

    return assign_slice


def _target_array(scope: Scope, name: str) -> Array:
    try:
        current = scope.attrs[name]
    except KeyError:
        raise EvaluationError(f"attribute '{name}' does not exist") from None
    if not isinstance(current, Array):
        raise EvaluationError(f"attribute '{name}' is a {type_name(current)}, not an array")
    return current


def _element(array: Array, value: Any) -> Any:
    # element assignment keeps the array's element type
    number = functions.as_number(value, "array element")
    return float(number) if array.double else _int64(int(number))


def _index(value: Any, length: int) -> int:
    i = functions.as_int(value, "array index")
    if not 0 <= i < length:
        raise EvaluationError(f"array index {i} is out of range 0..{length - 1}")
    return i


def _bounds(low: Any, high: Any, length: int) -> tuple[int, int]:
    lo = functions.as_int(low, "slice start")
    hi = functions.as_int(high, "slice end")
    if not 0 <= lo <= hi < length:
        raise EvaluationError(f"slice [{lo}..{hi}] is out of range 0..{length - 1}")
    return lo, hi


def _int64(value: int) -> int:
    if not INT64_MIN <= value <= INT64_MAX:
        raise EvaluationError(f"integer overflow: {value} does not fit in 64 bits")
    return value


# values


def compile_value(node: Node) -> Value:
    if isinstance(node, Const):
        constant = node.value
        return lambda scope: constant
    if isinstance(node, Attr):
        return _compile_attr(node.name)
    if isinstance(node, Compare):
        return _compile_compare(node)
    if isinstance(node, In):
        left = compile_value(node.left)
        options = [compile_value(option) for option in node.options]

        def member(scope: Scope) -> bool:
            value = left(scope)
            return any(compare_values("==", value, option(scope)) for option in options)

        return member
    if isinstance(node, (And, Or, Not)):
        return compile_condition(node)
    if isinstance(node, Binary):
        return _compile_binary(node)
    if isinstance(node, Unary):
        operand = compile_value(node.operand)
        if node.op == "-":

            def negate(scope: Scope) -> Any:
                number = functions.as_number(operand(scope), "unary -")
                return _int64(-number) if isinstance(number, int) else -number

            return negate

        return lambda scope: ~_bit_operand(operand(scope), "~")
    if isinstance(node, Index):
        base, index = compile_value(node.base), compile_value(node.index)

        def element(scope: Scope) -> Any:
            array = _as_indexable(base(scope))
            return array.items[_index(index(scope), len(array.items))]

        return element
    if isinstance(node, Slice):
        base = compile_value(node.base)
        low, high = compile_value(node.low), compile_value(node.high)

        def sliced(scope: Scope) -> Array:
            array = _as_indexable(base(scope))
            lo, hi = _bounds(low(scope), high(scope), len(array.items))
            return Array(array.double, array.items[lo : hi + 1])

        return sliced
    if isinstance(node, Call):
        return _compile_call(node)
    raise ExpressionError(f"cannot evaluate {type(node).__name__}", getattr(node, "pos", None))


def _as_indexable(value: Any) -> Array:
    if isinstance(value, Array):
        return value
    raise EvaluationError(f"[] needs an array, got a {type_name(value)}")


def _compile_attr(name: str) -> Value:
    if name.startswith("__"):

        def system(scope: Scope) -> Any:
            try:
                return scope.system()[name]
            except KeyError:
                raise MissingAttribute(name) from None

        return system

    def user(scope: Scope) -> Any:
        try:
            return scope.attrs[name]
        except KeyError:
            raise MissingAttribute(name) from None

    return user


def compare_values(op: str, left: Any, right: Any) -> bool:
    """Compare two values; different types compare false."""
    if functions.is_number(left) and functions.is_number(right):
        a, b = left, right
    elif type(left) is type(right) and isinstance(left, (str, bool, bytes)):
        a, b = left, right
    elif isinstance(left, Timestamp) and isinstance(right, Timestamp):
        a, b = left.key(), right.key()
    elif isinstance(left, Array) and isinstance(right, Array):
        a, b = left.items, right.items
    else:
        return False
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _compile_compare(node: Compare) -> Value:
    left, right, op = compile_value(node.left), compile_value(node.right), node.op
    return lambda scope: compare_values(op, left(scope), right(scope))


def _bit_operand(value: Any, op: str) -> int:
    number = functions.as_number(value, f"operator {op}")
    if isinstance(number, float):
        raise EvaluationError(f"operator {op} needs integers, got a double")
    return number


def _divide(a: int | float, b: int | float) -> int | float:
    if isinstance(a, int) and isinstance(b, int):
        if b == 0:
            raise EvaluationError("integer division by zero")
        quotient = abs(a) // abs(b)
        return quotient if (a < 0) == (b < 0) else -quotient
    if b == 0:  # IEEE, as a C++ engine computes doubles
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _arith(op: str, a: Any, b: Any) -> Any:
    if op == "+":
        if isinstance(a, str) and isinstance(b, str):
            return a + b
        if isinstance(a, Array) and isinstance(b, Array):
            return Array.of(a.double or b.double, a.items + b.items)
        if isinstance(a, bytes) and isinstance(b, bytes):
            return a + b
    if op in ("<<", ">>", "&", "|", "^"):
        x, y = _bit_operand(a, op), _bit_operand(b, op)
        if op == "<<":
            if not 0 <= y < 64:
                raise EvaluationError(f"shift count {y} is out of range 0..63")
            shifted = (x << y) & 0xFFFFFFFFFFFFFFFF  # wraps like a 64-bit register
            return shifted - (1 << 64) if shifted > INT64_MAX else shifted
        if op == ">>":
            if not 0 <= y < 64:
                raise EvaluationError(f"shift count {y} is out of range 0..63")
            return x >> y
        return x & y if op == "&" else (x | y if op == "|" else x ^ y)
    left = functions.as_number(a, f"operator {op}")
    right = functions.as_number(b, f"operator {op}")
    result: int | float
    if op == "+":
        result = left + right
    elif op == "-":
        result = left - right
    elif op == "*":
        result = left * right
    else:
        result = _divide(left, right)
    return _int64(result) if isinstance(result, int) else result


def _compile_binary(node: Binary) -> Value:
    left, right, op = compile_value(node.left), compile_value(node.right), node.op
    return lambda scope: _arith(op, left(scope), right(scope))


def _compile_call(node: Call) -> Value:
    name, args = node.name, node.args
    if name == "exists":
        target = args[0]
        assert isinstance(target, Attr)
        attr = target.name
        if attr.startswith("__"):
            return lambda scope: attr in scope.system()
        return lambda scope: attr in scope.attrs
    if name == "if_not_exists":
        first, fallback = compile_value(args[0]), compile_value(args[1])

        def if_not_exists(scope: Scope) -> Any:
            try:
                return first(scope)
            except MissingAttribute:
                return fallback(scope)

        return if_not_exists
    if name == "if_else":
        condition = compile_condition(args[0])
        then, otherwise = compile_value(args[1]), compile_value(args[2])
        return lambda scope: then(scope) if condition(scope) else otherwise(scope)
    impl = functions.IMPLS[name]
    compiled = [compile_value(arg) for arg in args]
    if len(compiled) == 1:
        (only,) = compiled
        return lambda scope: impl(only(scope))
    return lambda scope: impl(*[arg(scope) for arg in compiled])
