"""Compare the ``.pyi`` stubs of ``storewire._native`` with the built extension.

mypy's stubtest checks that names exist and have the right kind, but it cannot read the
signatures of pybind11 functions (``inspect.signature`` fails on them), so a renamed
keyword or a changed default would pass it. pybind11 writes every signature into the
docstring instead (``name(self: T, a: int, *, b: str = 'x') -> R``); this module parses
those lines and the stubs with :mod:`ast` and compares, name by name:

- every stub name exists at runtime and every public runtime name is in the stub;
- functions and methods: parameter names, kinds (positional / keyword-only / ``*args``),
  which ones have defaults and the default values where the stub spells them out;
- types, after normalising pybind11's spellings (``typing.SupportsInt | typing.SupportsIndex``
  is ``int``, module prefixes dropped): a stub parameter may accept less than the runtime,
  a stub return may promise more; a runtime ``object`` is not compared;
- properties: the getter's return type, and read-only-ness.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

_UNNAMED = re.compile(r"arg\d+")
_ANGLE_REPR = re.compile(r"<[^<>]*>")  # defaults pybind11 prints as <Enum.X: 1>
_INT_SPELLINGS = frozenset({"SupportsInt", "SupportsIndex"})
_FLOAT_SPELLINGS = frozenset({"SupportsFloat", "SupportsIndex"})


@dataclass
class Sig:
    """A parsed signature: ordered parameters and the return annotation."""

    params: list[tuple[str, str, ast.expr | None, bool, ast.expr | None]]
    # (name, kind, annotation, has_default, default)
    returns: ast.expr | None


# -- type normalisation ----------------------------------------------------------------


class _Types:
    """Canonical strings for annotations, with the stub module's aliases expanded."""

    def __init__(self, aliases: dict[str, ast.expr]) -> None:
        self.aliases = aliases
        self._expanding: set[str] = set()  # recursive aliases (a tree node type) stop here

    def _alias(self, node: ast.expr) -> ast.expr | None:
        if isinstance(node, ast.Name) and node.id in self.aliases:
            if node.id not in self._expanding:
                return self.aliases[node.id]
        return None

    def members(self, node: ast.expr | None) -> frozenset[str]:
        """Top-level union members of an annotation, canonicalised."""
        if node is None:
            return frozenset({"object"})
        target = self._alias(node)
        if target is not None:
            name = node.id  # type: ignore[attr-defined]
            self._expanding.add(name)
            try:
                return self.members(target)
            finally:
                self._expanding.discard(name)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            found = self.members(node.left) | self.members(node.right)
            if _INT_SPELLINGS <= found and "SupportsFloat" not in found:
                found = (found - _INT_SPELLINGS) | {"int"}
            if _FLOAT_SPELLINGS <= found:
                found = (found - _FLOAT_SPELLINGS) | {"float"}
            return found
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return self.members(ast.parse(node.value, mode="eval").body)
        return frozenset({self.text(node)})

    def text(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            return "None" if node.value is None else repr(node.value)
        if isinstance(node, ast.Name):
            if self._alias(node) is not None:
                return " | ".join(sorted(self.members(node)))
            return node.id
        if isinstance(node, ast.Attribute):
            return node.attr  # storewire._native.http.Response -> Response
        if isinstance(node, ast.Subscript):
            inner = node.slice
            parts = inner.elts if isinstance(inner, ast.Tuple) else [inner]
            if self.text(node.value) == "Literal":  # values, not forward references
                return f"Literal[{', '.join(ast.unparse(p) for p in parts)}]"
            return f"{self.text(node.value)}[{', '.join(self._part(p) for p in parts)}]"
        if isinstance(node, ast.BinOp):
            return " | ".join(sorted(self.members(node)))
        if isinstance(node, ast.List):
            return f"[{', '.join(self._part(p) for p in node.elts)}]"
        return ast.unparse(node)

    def _part(self, node: ast.expr) -> str:
        return " | ".join(sorted(self.members(node)))


def _base(member: str) -> str:
    return member.split("[", 1)[0]


def _literal_type(member: str) -> str:
    # Literal['md5', 'sha1'] -> str: what the runtime sees of a Literal annotation.
    values = ast.literal_eval(f"[{member[len('Literal[') : -1]}]")
    kinds = {type(v).__name__ for v in values}
    return kinds.pop() if len(kinds) == 1 else "object"


def _accepts(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    """Whether every type in ``narrow`` is covered by ``wide``."""
    if "object" in wide or "Any" in wide or "Any" in narrow:
        return True
    for member in narrow:
        if member.startswith("Literal["):
            member = _literal_type(member)
        if member in wide:
            continue
        # A bare generic (``dict``) and a parameterised one (``dict[str, str]``) agree:
        # pybind11 cannot always spell the parameters. An int is acceptable where a float
        # is (the numeric tower).
        if member in ("int",) and "float" in wide:
            continue
        if any(_base(w) == _base(member) and ("[" not in w or "[" not in member) for w in wide):
            continue
        if any(_matches_with_object(w, member) for w in wide):
            continue
        return False
    return True


def _matches_with_object(wide: str, narrow: str) -> bool:
    # An ``object`` nested in the wider type (``Sequence[tuple[str, object]]``) accepts any
    # type in that position.
    if not re.search(r"\bobject\b", wide):
        return False
    pattern = re.sub(r"\bobject\b", ".+", re.escape(wide))
    return re.fullmatch(pattern, narrow) is not None


# -- signatures ---------------------------------------------------------------------


def _sig_from_args(args: ast.arguments, returns: ast.expr | None) -> Sig:
    params: list[tuple[str, str, ast.expr | None, bool, ast.expr | None]] = []
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += list(args.defaults)
    for i, (a, d) in enumerate(zip(positional, defaults, strict=True)):
        kind = "positional_only" if i < len(args.posonlyargs) else "positional"
        params.append((a.arg, kind, a.annotation, d is not None, d))
    if args.vararg:
        params.append(("*", "var_positional", args.vararg.annotation, False, None))
    for a, kd in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append((a.arg, "keyword_only", a.annotation, kd is not None, kd))
    if args.kwarg:
        params.append(("**", "var_keyword", args.kwarg.annotation, False, None))
    return Sig(params, returns)


def _close_paren(text: str, start: int) -> int:
    depth, quote = 0, ""
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unbalanced signature: {text!r}")


def runtime_signatures(obj: Any, name: str) -> list[Sig]:
    """Signatures pybind11 wrote into ``obj.__doc__`` (several when overloaded)."""
    doc = getattr(obj, "__doc__", None) or ""
    sigs = []
    for line in doc.splitlines():
        text = re.sub(r"^\d+\.\s+", "", line.strip())
        if not text.startswith(f"{name}("):
            continue
        close = _close_paren(text, len(name))
        params = _ANGLE_REPR.sub("...", text[len(name) + 1 : close])
        tail = text[close + 1 :].strip()
        returns = tail[2:].strip() if tail.startswith("->") else "None"
        tree = ast.parse(f"def _({params}) -> {returns}: ...")
        fn = tree.body[0]
        assert isinstance(fn, ast.FunctionDef)
        sigs.append(_sig_from_args(fn.args, fn.returns))
    return sigs


def _literal(node: ast.expr | None) -> Any:
    value = ast.literal_eval(node) if node is not None else None
    return tuple(value) if isinstance(value, list) else value


def compare_sig(stub: Sig, rt: Sig, types: _Types) -> list[str]:
    """Differences between one stub signature and one runtime signature."""
    problems = []
    if len(stub.params) != len(rt.params):
        names = ([p[0] for p in stub.params], [p[0] for p in rt.params])
        return [f"parameters differ: stub {names[0]}, runtime {names[1]}"]
    for s, r in zip(stub.params, rt.params, strict=True):
        s_name, s_kind, s_ann, s_has, s_def = s
        r_name, r_kind, r_ann, r_has, r_def = r
        unnamed = _UNNAMED.fullmatch(r_name) is not None
        if s_name != r_name and not (unnamed and s_kind == "positional_only"):
            problems.append(f"parameter {s_name!r} is {r_name!r} at runtime")
        if s_kind != r_kind and not (s_kind == "positional_only" and r_kind == "positional"):
            problems.append(f"parameter {s_name!r} is {s_kind} in the stub, {r_kind} at runtime")
        if s_has != r_has:
            problems.append(f"parameter {s_name!r}: default in stub {s_has}, at runtime {r_has}")
        elif s_has and not (isinstance(s_def, ast.Constant) and s_def.value is Ellipsis):
            try:
                same = _literal(s_def) == _literal(r_def)
            except ValueError:
                same = True  # not a literal on one side: nothing to compare
            if not same:
                shown = [ast.unparse(d) if d is not None else "?" for d in (s_def, r_def)]
                problems.append(
                    f"parameter {s_name!r}: default {shown[0]} in stub, {shown[1]} at runtime"
                )
        if s_name != "self" and s_ann is not None and r_ann is not None:
            stub_t, rt_t = types.members(s_ann), types.members(r_ann)
            if not _accepts(rt_t, stub_t):
                problems.append(
                    f"parameter {s_name!r}: stub type {sorted(stub_t)} is not accepted "
                    f"by the runtime's {sorted(rt_t)}"
                )
    problems += compare_return(stub.returns, rt.returns, types)
    return problems


def compare_return(stub: ast.expr | None, rt: ast.expr | None, types: _Types) -> list[str]:
    if stub is None or rt is None:
        return []
    stub_t, rt_t = types.members(stub), types.members(rt)
    if "object" in rt_t or _accepts(stub_t, rt_t):
        return []
    return [f"returns {sorted(rt_t)} at runtime, stub says {sorted(stub_t)}"]


# -- walking stub and runtime together ------------------------------------------------


def _decorators(fn: ast.FunctionDef) -> set[str]:
    return {ast.unparse(d) for d in fn.decorator_list}


def _is_type_alias(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.value is not None
        and ast.unparse(node.annotation).endswith("TypeAlias")
    )


def _public(name: str) -> bool:
    return not name.startswith("_")


class Checker:
    """Collects every difference between the stubs in ``stub_dir`` and the runtime."""

    def __init__(self, stub_dir: Path, package: str) -> None:
        self.stub_dir = stub_dir
        self.package = package
        self.problems: list[str] = []

    def run(self) -> list[str]:
        for stub_file in sorted(self.stub_dir.glob("*.pyi")):
            area = stub_file.stem
            name = self.package if area == "__init__" else f"{self.package}.{area}"
            self.check_module(name, stub_file)
        for module_name in self._runtime_submodules():
            area = module_name.rsplit(".", 1)[1]
            if not (self.stub_dir / f"{area}.pyi").exists():
                self.problems.append(f"{module_name}: no stub file {area}.pyi")
        return self.problems

    def _runtime_submodules(self) -> Iterator[str]:
        package = importlib.import_module(self.package)
        for attr, value in vars(package).items():
            if isinstance(value, ModuleType) and value.__name__.startswith(self.package + "."):
                yield f"{self.package}.{attr}"

    def check_module(self, name: str, stub_file: Path) -> None:
        module = importlib.import_module(name)
        tree = ast.parse(stub_file.read_text())
        aliases: dict[str, ast.expr] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign):
                aliases.update({t.id: node.value for t in node.targets if isinstance(t, ast.Name)})
            elif _is_type_alias(node):
                aliases[node.target.id] = node.value  # type: ignore[union-attr]
        types = _Types(aliases)
        declared = self._check_body(name, module, tree.body, types, is_class=False)
        for attr, value in vars(module).items():
            if _public(attr) and attr not in declared:
                if isinstance(value, ModuleType) and value.__name__ != f"{name}.{attr}":
                    continue  # a module the extension happens to reference
                self.problems.append(f"{name}.{attr}: at runtime but not in the stub")

    def _check_body(
        self, where: str, owner: Any, body: list[ast.stmt], types: _Types, *, is_class: bool
    ) -> set[str]:
        declared: set[str] = set()
        overloads: dict[str, list[ast.FunctionDef]] = {}
        for node in body:
            if isinstance(node, ast.ImportFrom) and node.module is None and node.level == 1:
                for alias in node.names:  # from . import http as http
                    declared.add(alias.asname or alias.name)
                    if not isinstance(getattr(owner, alias.asname or alias.name, None), ModuleType):
                        self.problems.append(f"{where}.{alias.name}: submodule missing")
            elif isinstance(node, ast.ClassDef):
                declared.add(node.name)
                self._check_class(f"{where}.{node.name}", owner, node, types)
            elif isinstance(node, ast.FunctionDef):
                declared.add(node.name)
                overloads.setdefault(node.name, []).append(node)
            elif _is_type_alias(node):
                continue  # X: TypeAlias = ... exists only for type checkers
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                declared.add(node.target.id)
                if not hasattr(owner, node.target.id):
                    self.problems.append(f"{where}.{node.target.id}: missing at runtime")
            elif isinstance(node, ast.Assign) and is_class:
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        declared.add(t.id)
                        if not hasattr(owner, t.id):
                            self.problems.append(f"{where}.{t.id}: missing at runtime")
        for fname, defs in overloads.items():
            self._check_function(f"{where}.{fname}", owner, fname, defs, types, is_class)
        return declared

    def _check_class(self, where: str, module: Any, node: ast.ClassDef, types: _Types) -> None:
        cls = getattr(module, node.name, None)
        if not inspect.isclass(cls):
            self.problems.append(f"{where}: not a class at runtime")
            return
        declared = self._check_body(where, cls, node.body, types, is_class=True)
        constructor = runtime_signatures(vars(cls).get("__init__"), "__init__")
        if "__init__" not in declared and constructor:
            self.problems.append(f"{where}.__init__: has a constructor at runtime, none in stub")
        for attr in vars(cls):
            if _public(attr) and attr not in declared:
                self.problems.append(f"{where}.{attr}: at runtime but not in the stub")

    def _check_function(
        self,
        where: str,
        owner: Any,
        name: str,
        defs: list[ast.FunctionDef],
        types: _Types,
        is_class: bool,
    ) -> None:
        raw = vars(owner).get(name) if is_class else getattr(owner, name, None)
        if raw is None:
            if is_class and hasattr(owner, name) and name.startswith("__"):
                raw = getattr(owner, name)  # inherited dunder (e.g. from pybind11_object)
            else:
                self.problems.append(f"{where}: missing at runtime")
                return
        decorators = _decorators(defs[0])
        if "property" in decorators:
            self._check_property(where, raw, defs, types)
            return
        if isinstance(raw, property):
            self.problems.append(f"{where}: a property at runtime, a method in the stub")
            return
        target = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
        runtime = runtime_signatures(target, name)
        if not runtime:
            if name == "__init__":
                self.problems.append(f"{where}: stub has a constructor, the runtime has none")
            return  # not a pybind11 function with a docstring signature (stubtest's job)
        stubs = [
            _sig_from_args(d.args, d.returns)
            for d in defs
            if "overload" in _decorators(d) or len(defs) == 1
        ]
        for i, stub in enumerate(stubs):
            diffs = [compare_sig(stub, rt, types) for rt in runtime]
            if all(diffs):
                label = f" (overload {i + 1})" if len(stubs) > 1 else ""
                best = min(diffs, key=len)
                self.problems += [f"{where}{label}: {d}" for d in best]
        if len(stubs) < len(runtime):
            self.problems.append(
                f"{where}: {len(runtime)} runtime overloads, {len(stubs)} in the stub"
            )

    def _check_property(
        self, where: str, raw: Any, defs: list[ast.FunctionDef], types: _Types
    ) -> None:
        if not isinstance(raw, property):
            self.problems.append(f"{where}: a property in the stub, not at runtime")
            return
        has_setter = any(d for d in defs if any(".setter" in x for x in _decorators(d)))
        if has_setter != (raw.fset is not None):
            self.problems.append(
                f"{where}: writable in the stub: {has_setter}, at runtime: {not has_setter}"
            )
        # pybind11 documents a getter as "(arg0: T) -> R", without a name.
        getter = runtime_signatures(raw.fget, "")
        if getter:
            self.problems += [
                f"{where}: {d}" for d in compare_return(defs[0].returns, getter[0].returns, types)
            ]


def check(stub_dir: Path, package: str) -> list[str]:
    """Every difference between the stubs and the runtime of ``package``."""
    return Checker(stub_dir, package).run()
