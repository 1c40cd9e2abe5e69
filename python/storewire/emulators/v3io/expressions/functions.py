"""The expression language's functions.

``SPECS`` tells the parser each function's arity and result kind; ``IMPLS`` holds the
eager ones (all arguments evaluated first). ``exists``, ``if_not_exists`` and ``if_else``
are special forms compiled by the evaluator, because they must not evaluate every argument.
"""

from __future__ import annotations

import base64
import binascii
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..values import Array, parse_array, type_name
from .errors import EvaluationError

MAX_ARRAY_ITEMS = 128 * 1024  # 1 MiB of 8-byte elements, the attribute size limit


@dataclass(frozen=True, slots=True)
class Spec:
    min_args: int
    max_args: int
    kind: str  # "boolean", "number", "string" or "any" (see parser.result_kind)
    attribute_arg: bool = False  # the first argument must be a plain attribute name
    statement_only: bool = False  # `delete(attr)` is an update action, not a value


SPECS: dict[str, Spec] = {
    "exists": Spec(1, 1, "boolean", attribute_arg=True),
    "if_not_exists": Spec(2, 2, "any", attribute_arg=True),
    "if_else": Spec(3, 3, "any"),
    "delete": Spec(1, 1, "any", statement_only=True),
    "starts": Spec(2, 2, "boolean"),
    "ends": Spec(2, 2, "boolean"),
    "contains": Spec(2, 2, "boolean"),
    "length": Spec(1, 1, "number"),
    "min": Spec(1, 1024, "any"),
    "max": Spec(1, 1024, "any"),
    "sqrt": Spec(1, 1, "number"),
    "sum": Spec(1, 1, "number"),
    "avg": Spec(1, 1, "number"),
    "init_array": Spec(2, 3, "any"),
    "blob": Spec(1, 1, "any"),
    "pmin": Spec(2, 2, "any"),
    "pmax": Spec(2, 2, "any"),
    "psum": Spec(2, 2, "any"),
    "find": Spec(2, 2, "number"),
    "find_all_indices": Spec(2, 2, "any"),
    "extract_by_indices": Spec(2, 2, "any"),
    "sort": Spec(1, 1, "any"),
    "sort_array": Spec(1, 1, "any"),
    "str": Spec(1, 1, "string"),
    "to_int": Spec(1, 1, "number"),
    "isnan": Spec(1, 1, "boolean"),
    "nanaszero": Spec(1, 1, "number"),
    "maxdbl": Spec(0, 0, "number"),
    "inf": Spec(0, 0, "number"),
    "nan": Spec(0, 0, "number"),
}

SPECIAL_FORMS = frozenset({"exists", "if_not_exists", "if_else", "delete"})

# Names that need backticks when used as attributes: the functions of the web-API reference.
# The later array/math functions are not reserved: the docs' own update example writes
# `sum = produce + dairy`, so a bare name is a function only when "(" follows it.
RESERVED = frozenset(
    {"exists", "if_not_exists", "if_else", "starts", "ends", "contains", "length", "min", "max"}
    | {"init_array"}
)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def as_number(value: Any, what: str) -> int | float:
    """Numbers as they are, Booleans as 1/0 (arithmetic accepts both)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    raise EvaluationError(f"{what} needs a number, got a {type_name(value)}")


def as_int(value: Any, what: str) -> int:
    number = as_number(value, what)
    if isinstance(number, float):
        if not number.is_integer():
            raise EvaluationError(f"{what} needs an integer, got {number!r}")
        return int(number)
    return number


def as_array(value: Any, what: str) -> Array:
    if isinstance(value, Array):
        return value
    raise EvaluationError(f"{what} needs an array, got a {type_name(value)}")


def as_string(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    raise EvaluationError(f"{what} needs a string, got a {type_name(value)}")


def _starts(a: Any, b: Any) -> bool:
    return as_string(a, "starts").startswith(as_string(b, "starts"))


def _ends(a: Any, b: Any) -> bool:
    return as_string(a, "ends").endswith(as_string(b, "ends"))


def _contains(a: Any, b: Any) -> bool:
    return as_string(b, "contains") in as_string(a, "contains")


def _length(value: Any) -> int:
    if isinstance(value, Array):
        return len(value.items)
    if isinstance(value, (str, bytes)):
        return len(value)
    raise EvaluationError(f"length needs a string, blob or array, got a {type_name(value)}")


def _extreme(name: str, pick: Callable[[Any, Any], bool], args: tuple[Any, ...]) -> Any:
    if len(args) == 1:
        array = as_array(args[0], name)
        if not array.items:
            raise EvaluationError(f"{name} of an empty array")
        return max(array.items) if name == "max" else min(array.items)
    if all(isinstance(a, str) for a in args):
        best = args[0]
        for a in args[1:]:
            if pick(a, best):
                best = a
        return best
    for a in args:
        as_number(a, name)  # type check: Booleans and numbers only
    promote = any(isinstance(a, float) for a in args)
    best = args[0]
    for a in args[1:]:
        if pick(_plain(a), _plain(best)):
            best = a
    # numeric promotion: max(1.0, 9) is 9.0; a Boolean that wins keeps its type
    if promote and isinstance(best, int) and not isinstance(best, bool):
        return float(best)
    return best


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


def _min(*args: Any) -> Any:
    return _extreme("min", lambda a, b: a < b, args)


def _max(*args: Any) -> Any:
    return _extreme("max", lambda a, b: a > b, args)


def _sqrt(value: Any) -> float:
    number = as_number(value, "sqrt")
    return math.sqrt(number) if number >= 0 else math.nan


def _sum(value: Any) -> int | float:
    array = as_array(value, "sum")
    return math.fsum(array.items) if array.double else sum(array.items)


def _avg(value: Any) -> float:
    array = as_array(value, "avg")
    if not array.items:
        raise EvaluationError("avg of an empty array")
    return math.fsum(array.items) / len(array.items)


def _init_array(size: Any, kind: Any, initial: Any = 0) -> Array:
    count = as_int(size, "init_array size")
    if not 0 <= count <= MAX_ARRAY_ITEMS:
        raise EvaluationError(f"init_array size must be 0..{MAX_ARRAY_ITEMS}, got {count}")
    kind_name = as_string(kind, "init_array type").lower()
    if kind_name in ("int", "long", "int64"):
        double = False
    elif kind_name in ("double", "float", "float64"):
        double = True
    else:
        raise EvaluationError(f"init_array type must be 'int' or 'double', got '{kind}'")
    value = as_number(initial, "init_array initial value")
    return Array.of(double, [value] * count)


def _blob(text: Any) -> Any:
    try:
        data = base64.b64decode(as_string(text, "blob"), validate=True)
    except binascii.Error as exc:
        raise EvaluationError(f"blob() needs base64 text: {exc}") from None
    array = parse_array(data)
    return data if array is None else array


def _pairwise(name: str, op: Callable[[Any, Any], Any], a: Any, b: Any) -> Array:
    left = as_array(a, name)
    if isinstance(b, Array):
        if len(b.items) != len(left.items):
            raise EvaluationError(
                f"{name} needs arrays of equal length ({len(left.items)} and {len(b.items)})"
            )
        right: tuple[Any, ...] = b.items
        double = left.double or b.double
    else:
        scalar = as_number(b, name)
        right = (scalar,) * len(left.items)
        double = left.double or isinstance(scalar, float)
    return Array.of(double, [op(x, y) for x, y in zip(left.items, right, strict=True)])


def _pmin(a: Any, b: Any) -> Array:
    return _pairwise("pmin", min, a, b)


def _pmax(a: Any, b: Any) -> Array:
    return _pairwise("pmax", max, a, b)


def _psum(a: Any, b: Any) -> Array:
    return _pairwise("psum", lambda x, y: x + y, a, b)


def _find(array: Any, value: Any) -> int:
    for i, item in enumerate(as_array(array, "find").items):
        if item == value:
            return i
    return -1


def _find_all_indices(array: Any, value: Any) -> Array:
    items = as_array(array, "find_all_indices").items
    return Array(False, tuple(i for i, item in enumerate(items) if item == value))


def _extract_by_indices(array: Any, indices: Any) -> Array:
    source = as_array(array, "extract_by_indices")
    picked = []
    for index in as_array(indices, "extract_by_indices").items:
        i = int(index)
        if not 0 <= i < len(source.items):
            raise EvaluationError(f"index {i} is out of range 0..{len(source.items) - 1}")
        picked.append(source.items[i])
    return Array(source.double, tuple(picked))


def _sort(array: Any) -> Array:
    source = as_array(array, "sort")
    return Array(source.double, tuple(sorted(source.items)))


def _str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise EvaluationError(f"str() cannot convert a {type_name(value)}")


def _to_int(value: Any) -> int:
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
        try:
            value = float(value)
        except ValueError:
            raise EvaluationError(f"to_int() cannot convert '{value}'") from None
    number = as_number(value, "to_int")
    if isinstance(number, float) and not math.isfinite(number):
        raise EvaluationError(f"to_int() cannot convert {number!r}")
    return int(number)


def _isnan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _nanaszero(value: Any) -> int | float:
    number = as_number(value, "nanaszero")
    return 0.0 if isinstance(number, float) and math.isnan(number) else number


IMPLS: dict[str, Callable[..., Any]] = {
    "starts": _starts,
    "ends": _ends,
    "contains": _contains,
    "length": _length,
    "min": _min,
    "max": _max,
    "sqrt": _sqrt,
    "sum": _sum,
    "avg": _avg,
    "init_array": _init_array,
    "blob": _blob,
    "pmin": _pmin,
    "pmax": _pmax,
    "psum": _psum,
    "find": _find,
    "find_all_indices": _find_all_indices,
    "extract_by_indices": _extract_by_indices,
    "sort": _sort,
    "sort_array": _sort,
    "str": _str,
    "to_int": _to_int,
    "isnan": _isnan,
    "nanaszero": _nanaszero,
    "maxdbl": lambda: sys.float_info.max,
    "inf": lambda: math.inf,
    "nan": lambda: math.nan,
}
