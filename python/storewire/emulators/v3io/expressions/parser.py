"""Recursive-descent parser for condition/filter and update expressions.

Precedence, highest first (the docs leave it unspecified, so this
is the conventional C order): primary (literal, attribute, ``a[i]``, ``a[i..j]``, call,
parentheses), unary ``-``/``~``, ``* /``, ``+ -``, ``<< >>``, ``&``, ``^``, ``|``, one
comparison or ``IN (...)``, ``NOT``, ``AND``, ``OR``.

Static checks happen here so that a bad expression fails with 400 before any item is
touched: unknown functions, wrong argument counts, reserved words used as names, and
operands of AND/OR/NOT (or a whole condition) that can never be Boolean.
"""

from __future__ import annotations

from ..values import Timestamp
from . import functions
from .errors import ExpressionError
from .lexer import END, KEYWORD, NAME, NUMBER, OP, STRING, TIMESTAMP, Token, tokenize
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
    SetAction,
    Slice,
    Unary,
)

MAX_OPERATORS = 700
# Parentheses, NOT, unary signs and function calls nest by recursion: bounded so that a
# hostile expression is a 400, not a RecursionError (issue 19).
MAX_NESTING = 32
MAX_IN_OPTIONS = 1024

BOOL = "boolean"
NUMBER_KIND = "number"
STRING_KIND = "string"
ANY = "any"

_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_BINARY_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"|"}),
    frozenset({"^"}),
    frozenset({"&"}),
    frozenset({"<<", ">>"}),
    frozenset({"+", "-"}),
    frozenset({"*", "/"}),
)


def parse_condition(text: str) -> Node:
    """A condition/filter expression; ``=`` is accepted as ``==`` (frames sends SQL-ish text)."""
    parser = _Parser(text, condition=True)
    node = parser.parse_or()
    parser.expect_end()
    kind = result_kind(node)
    if kind not in (BOOL, ANY):
        raise ExpressionError(f"a condition must be Boolean, this is a {kind} expression", 0)
    return node


def parse_update(text: str) -> list[Action]:
    """An update expression: ``[SET] target = expr``, ``REMOVE a[, b]``, ``delete(a)``; ``;``
    separates actions (a trailing one is allowed)."""
    parser = _Parser(text, condition=False)
    actions: list[Action] = []
    while True:
        while parser.peek_op(";"):
            parser.advance()
        if parser.tok.kind == END:
            break
        actions.append(parser.parse_action())
        if parser.tok.kind != END and not parser.peek_op(";"):
            parser.fail(f"expected ';' between actions, found {parser.describe()}")
    return actions


def result_kind(node: Node) -> str:
    """What a node can evaluate to, as far as is known before evaluation."""
    if isinstance(node, (Compare, In, Not, And, Or)):
        return BOOL
    if isinstance(node, Const):
        value = node.value
        if isinstance(value, bool):
            return BOOL
        if isinstance(value, (int, float)):
            return NUMBER_KIND
        if isinstance(value, str):
            return STRING_KIND
        return "timestamp" if isinstance(value, Timestamp) else ANY
    if isinstance(node, Binary) and node.op == "+":
        # also concatenates strings, blobs and arrays: known only if one side is known
        kinds = {result_kind(node.left), result_kind(node.right)}
        for known in (NUMBER_KIND, STRING_KIND, BOOL):
            if known in kinds:
                return NUMBER_KIND if known == BOOL else known
        return ANY
    if isinstance(node, (Binary, Unary)):
        return NUMBER_KIND
    if isinstance(node, Call):
        return functions.SPECS[node.name].kind
    return ANY


class _Parser:
    def __init__(self, text: str, *, condition: bool) -> None:
        self.text = text
        self.tokens: list[Token] = tokenize(text)
        self.i = 0
        self.tok = self.tokens[0]
        self.condition = condition
        self.operators = 0
        self.nesting = 0

    # token helpers

    def advance(self) -> Token:
        tok = self.tok
        self.i += 1
        self.tok = self.tokens[min(self.i, len(self.tokens) - 1)]
        return tok

    def peek_op(self, op: str) -> bool:
        return self.tok.kind == OP and self.tok.text == op

    def peek_keyword(self, word: str) -> bool:
        return self.tok.kind == KEYWORD and self.tok.text == word

    def expect_op(self, op: str) -> Token:
        if not self.peek_op(op):
            self.fail(f"expected '{op}', found {self.describe()}")
        return self.advance()

    def expect_end(self) -> None:
        if self.tok.kind != END:
            self.fail(f"unexpected {self.describe()}")

    def describe(self, tok: Token | None = None) -> str:
        tok = tok or self.tok
        return "end of expression" if tok.kind == END else f"'{tok.text}'"

    def fail(self, message: str, pos: int | None = None) -> None:
        raise ExpressionError(message, self.tok.pos if pos is None else pos)

    def count_operator(self) -> None:
        self.operators += 1
        if self.operators > MAX_OPERATORS:
            self.fail(f"more than {MAX_OPERATORS} operators")

    # update actions

    def parse_action(self) -> Action:
        start = self.tok.pos
        if self.peek_keyword("remove"):
            self.advance()
            names = [self.parse_plain_name()]
            while self.peek_op(","):
                self.advance()
                names.append(self.parse_plain_name())
            return RemoveAction(tuple(names), start)
        if self.peek_keyword("set"):
            self.advance()
        if (
            self.tok.kind == NAME
            and not self.tok.value
            and self.tok.text.lower() == "delete"
            and self.tokens[self.i + 1].kind == OP
            and self.tokens[self.i + 1].text == "("
        ):
            # storey/frames write `delete(attr)` as a statement
            self.advance()
            self.advance()
            name = self.parse_plain_name()
            self.expect_op(")")
            return RemoveAction((name,), start)
        target = self.parse_target()
        self.expect_op("=")
        value = self.parse_or()
        return SetAction(target, value, start)

    def parse_plain_name(self) -> str:
        tok = self.tok
        if tok.kind != NAME:
            self.fail(f"expected an attribute name, found {self.describe()}")
        self.check_name(tok)
        self.advance()
        return tok.text

    def parse_target(self) -> Node:
        tok = self.tok
        name = self.parse_plain_name()
        node: Node = Attr(name, tok.pos)
        if self.peek_op("["):
            node = self.parse_subscript(node)
        if self.peek_op("["):
            self.fail("only one level of [] is allowed in an assignment target")
        return node

    def check_name(self, tok: Token) -> None:
        if tok.value:  # `quoted`: any name is fine
            return
        if tok.text.lower() in functions.RESERVED:
            self.fail(
                f"'{tok.text}' is a reserved word; write `{tok.text}` to use it as a name", tok.pos
            )

    # condition / value expressions

    def nest(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            self.fail(f"expression nested more than {MAX_NESTING} levels deep")

    def parse_or(self) -> Node:
        self.nest()
        try:
            return self._parse_or()
        finally:
            self.nesting -= 1

    def _parse_or(self) -> Node:
        node = self.parse_and()
        while self.peek_keyword("or"):
            tok = self.advance()
            self.count_operator()
            right = self.parse_and()
            node = Or(self.boolean(node, "OR"), self.boolean(right, "OR"), tok.pos)
        return node

    def parse_and(self) -> Node:
        node = self.parse_not()
        while self.peek_keyword("and"):
            tok = self.advance()
            self.count_operator()
            right = self.parse_not()
            node = And(self.boolean(node, "AND"), self.boolean(right, "AND"), tok.pos)
        return node

    def parse_not(self) -> Node:
        if self.peek_keyword("not"):
            tok = self.advance()
            self.count_operator()
            self.nest()
            try:
                return Not(self.boolean(self.parse_not(), "NOT"), tok.pos)
            finally:
                self.nesting -= 1
        return self.parse_compare()

    def boolean(self, node: Node, op: str) -> Node:
        kind = result_kind(node)
        if kind not in (BOOL, ANY):
            raise ExpressionError(f"{op} needs Boolean operands, got a {kind} expression", node.pos)
        return node

    def parse_compare(self) -> Node:
        left = self.parse_binary(0)
        tok = self.tok
        if tok.kind == OP and (tok.text in _COMPARISONS or (tok.text == "=" and self.condition)):
            self.advance()
            self.count_operator()
            right = self.parse_binary(0)
            op = "==" if tok.text == "=" else tok.text
            node: Node = Compare(op, left, right, tok.pos)
        elif self.peek_keyword("in"):
            self.advance()
            self.count_operator()
            self.expect_op("(")
            options = [self.parse_binary(0)]
            while self.peek_op(","):
                self.advance()
                options.append(self.parse_binary(0))
            self.expect_op(")")
            if len(options) > MAX_IN_OPTIONS:
                self.fail(f"IN takes at most {MAX_IN_OPTIONS} values", tok.pos)
            node = In(left, tuple(options), tok.pos)
        else:
            return left
        nxt = self.tok
        chained = nxt.kind == OP and (nxt.text in _COMPARISONS or nxt.text == "=")
        if chained or self.peek_keyword("in"):
            self.fail("comparisons cannot be chained; use AND or parentheses")
        return node

    def parse_binary(self, level: int) -> Node:
        if level == len(_BINARY_LEVELS):
            return self.parse_unary()
        ops = _BINARY_LEVELS[level]
        node = self.parse_binary(level + 1)
        while self.tok.kind == OP and self.tok.text in ops:
            tok = self.advance()
            self.count_operator()
            right = self.parse_binary(level + 1)
            node = Binary(tok.text, node, right, tok.pos)
        return node

    def parse_unary(self) -> Node:
        if self.tok.kind == OP and self.tok.text in ("-", "~", "+"):
            tok = self.advance()
            self.nest()
            try:
                operand = self.parse_unary()
            finally:
                self.nesting -= 1
            if tok.text == "+":
                return operand
            if tok.text == "-" and isinstance(operand, Const) and _is_number(operand.value):
                return Const(-operand.value, tok.pos)  # a negative literal, not an operation
            self.count_operator()
            return Unary(tok.text, operand, tok.pos)
        return self.parse_postfix()

    def parse_postfix(self) -> Node:
        node = self.parse_primary()
        while self.peek_op("["):
            node = self.parse_subscript(node)
        return node

    def parse_subscript(self, base: Node) -> Node:
        tok = self.expect_op("[")
        low = self.parse_binary(0)
        if self.peek_op(".."):
            self.advance()
            high = self.parse_binary(0)
            self.expect_op("]")
            return Slice(base, low, high, tok.pos)
        self.expect_op("]")
        return Index(base, low, tok.pos)

    def parse_primary(self) -> Node:
        tok = self.tok
        if tok.kind == NUMBER:
            self.advance()
            return Const(tok.value, tok.pos)
        if tok.kind == STRING:
            self.advance()
            return Const(tok.value, tok.pos)
        if tok.kind == TIMESTAMP:
            self.advance()
            return Const(Timestamp(*tok.value), tok.pos)
        if tok.kind == KEYWORD and tok.text in ("true", "false"):
            self.advance()
            return Const(tok.text == "true", tok.pos)
        if tok.kind == OP and tok.text == "(":
            self.advance()
            node = self.parse_or()
            self.expect_op(")")
            return node
        if tok.kind == NAME:
            self.advance()
            if not tok.value and self.peek_op("("):
                return self.parse_call(tok)
            self.check_name(tok)
            return Attr(tok.text, tok.pos)
        if tok.kind == KEYWORD:
            self.fail(f"'{tok.text}' is a reserved word; write `{tok.text}` to use it as a name")
        self.fail(f"expected a value, found {self.describe()}")
        raise AssertionError("unreachable")

    def parse_call(self, name_tok: Token) -> Node:
        name = name_tok.text.lower()
        spec = functions.SPECS.get(name)
        if spec is None or spec.statement_only:
            raise ExpressionError(f"unknown function '{name_tok.text}'", name_tok.pos)
        self.expect_op("(")
        self.count_operator()
        args: list[Node] = []
        if not self.peek_op(")"):
            args.append(self.parse_or())
            while self.peek_op(","):
                self.advance()
                args.append(self.parse_or())
        self.expect_op(")")
        if not spec.min_args <= len(args) <= spec.max_args:
            expected = (
                str(spec.min_args)
                if spec.min_args == spec.max_args
                else f"{spec.min_args} to {spec.max_args}"
            )
            raise ExpressionError(
                f"function '{name}' takes {expected} arguments, got {len(args)}", name_tok.pos
            )
        if spec.attribute_arg and not isinstance(args[0], Attr):
            raise ExpressionError(
                f"the first argument of '{name}' must be an attribute name", name_tok.pos
            )
        return Call(name, tuple(args), name_tok.pos)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
