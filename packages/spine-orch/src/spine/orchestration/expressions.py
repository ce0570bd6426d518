"""A small, safe expression language for choice conditions and map ``items_from``.

Expressions read the run's ``params`` and ``outputs`` and never execute code: the text is
parsed with :mod:`ast` and compiled into a tree of closures over a fixed whitelist, so
nothing can reach attributes of Python objects, import, or call anything but the functions
listed below. ``eval`` is never used.

What is allowed:

* ``params.NAME`` and ``outputs.STEP.KEY`` (dots read mapping keys; ``outputs["my-step"]``
  and ``items[0]`` subscripts work too);
* literals: numbers, strings, ``True``/``False``/``None`` (also ``true``/``false``/``null``),
  lists and tuples;
* comparisons (``== != < <= > >= in not in is is not``), ``and``/``or``/``not``,
  ``x if cond else y``, arithmetic ``+ - * / // %`` on numbers (``+`` also joins strings
  and lists);
* calls to ``len min max abs round int float str bool sum any all sorted get lower upper
  startswith endswith``; ``get(mapping, key, default=None)`` reads a key that may be absent.

Example:
    >>> expr = Expression("outputs.ingest.rows > 0 and params.tier == 'NMS_TIER_1'")
    >>> expr.evaluate({"tier": "NMS_TIER_1"}, {"ingest": {"rows": 12}})
    True
    >>> sorted(expr.output_refs), sorted(expr.param_refs)
    (['ingest'], ['tier'])
    >>> Expression("__import__('os')")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spine.orchestration.errors.ExpressionError: function '__import__' is not allowed ...
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from spine.orchestration.errors import ExpressionError, ExpressionEvaluationError

__all__ = ["Expression"]

_Scope = tuple[Mapping[str, Any], Mapping[str, Any]]
_Eval = Callable[[_Scope], Any]

MAX_EXPRESSION_LENGTH = 2000
_MAX_SEQUENCE = 100_000


def _get(mapping: Any, key: Any, default: Any = None) -> Any:
    if isinstance(mapping, Mapping):
        return mapping.get(key, default)
    if isinstance(mapping, list | tuple) and isinstance(key, int):
        return mapping[key] if -len(mapping) <= key < len(mapping) else default
    raise TypeError(f"get() needs a mapping or a list, got {type(mapping).__name__}")


def _str_method(name: str) -> Callable[..., Any]:
    def call(value: Any, *args: Any) -> Any:
        if not isinstance(value, str):
            raise TypeError(f"{name}() needs a string, got {type(value).__name__}")
        return getattr(value, name)(*args)

    return call


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "sum": sum,
    "any": any,
    "all": all,
    "sorted": sorted,
    "get": _get,
    "lower": _str_method("lower"),
    "upper": _str_method("upper"),
    "startswith": _str_method("startswith"),
    "endswith": _str_method("endswith"),
}

_CONSTANT_NAMES: dict[str, Any] = {
    "True": True,
    "False": False,
    "None": None,
    "true": True,
    "false": False,
    "null": None,
}

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}

_ARITH: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Compiler:
    """Turns a parsed expression into a closure tree, collecting what it reads."""

    def __init__(self, source: str, step: str | None) -> None:
        self.source = source
        self.step = step
        self.output_refs: set[str] = set()
        self.param_refs: set[str] = set()
        self.reads_whole_params = False
        self.reads_whole_outputs = False

    def error(self, message: str) -> ExpressionError:
        return ExpressionError(message, self.source, step=self.step)

    def compile(self, node: ast.AST) -> _Eval:
        method = getattr(self, f"_c_{type(node).__name__.lower()}", None)
        if method is None:
            raise self.error(f"{_describe(node)} is not allowed")
        result: _Eval = method(node)
        return result

    # -- leaves ---------------------------------------------------------------------------

    def _c_constant(self, node: ast.Constant) -> _Eval:
        value = node.value
        if not isinstance(value, str | int | float | bool | type(None)):
            raise self.error(f"literal {value!r} is not allowed")
        return lambda scope: value

    def _c_name(self, node: ast.Name) -> _Eval:
        name = node.id
        if name == "params":
            self.reads_whole_params = True
            return lambda scope: scope[0]
        if name == "outputs":
            self.reads_whole_outputs = True
            return lambda scope: scope[1]
        if name in _CONSTANT_NAMES:
            value = _CONSTANT_NAMES[name]
            return lambda scope: value
        raise self.error(
            f"unknown name {name!r}; read parameters as params.{name} and step outputs as "
            f"outputs.<step>.{name}"
        )

    # -- access ---------------------------------------------------------------------------

    def _root_key(self, node: ast.AST, key: Any) -> None:
        """Record ``params.key`` / ``outputs.key`` references for static checks."""
        if isinstance(node, ast.Name) and isinstance(key, str):
            if node.id == "params":
                self.param_refs.add(key)
            elif node.id == "outputs":
                self.output_refs.add(key)

    def _lookup(self, base: _Eval, key_eval: _Eval, path: str) -> _Eval:
        source = self.source

        def lookup(scope: _Scope) -> Any:
            value = base(scope)
            key = key_eval(scope)
            if isinstance(value, Mapping):
                try:
                    return value[key]
                except KeyError:
                    raise ExpressionEvaluationError(f"{path} has no key {key!r}", source) from None
            if isinstance(value, list | tuple | str) and isinstance(key, int):
                try:
                    return value[key]
                except IndexError:
                    raise ExpressionEvaluationError(
                        f"index {key} is out of range for {path}", source
                    ) from None
            raise ExpressionEvaluationError(
                f"cannot read {key!r} from {path}: it is a {type(value).__name__}", source
            )

        return lookup

    def _c_attribute(self, node: ast.Attribute) -> _Eval:
        self._root_key(node.value, node.attr)
        base = self.compile(node.value)
        attr = node.attr
        path = ast.unparse(node.value)
        return self._lookup(base, lambda scope: attr, path)

    def _c_subscript(self, node: ast.Subscript) -> _Eval:
        if isinstance(node.slice, ast.Slice):
            raise self.error("slices are not allowed")
        if isinstance(node.slice, ast.Constant):
            self._root_key(node.value, node.slice.value)
        base = self.compile(node.value)
        key = self.compile(node.slice)
        path = ast.unparse(node.value)
        return self._lookup(base, key, path)

    # -- operators ------------------------------------------------------------------------

    def _c_boolop(self, node: ast.BoolOp) -> _Eval:
        parts = [self.compile(v) for v in node.values]
        if isinstance(node.op, ast.And):

            def and_(scope: _Scope) -> Any:
                value: Any = True
                for part in parts:
                    value = part(scope)
                    if not value:
                        return value
                return value

            return and_

        def or_(scope: _Scope) -> Any:
            value: Any = False
            for part in parts:
                value = part(scope)
                if value:
                    return value
            return value

        return or_

    def _c_unaryop(self, node: ast.UnaryOp) -> _Eval:
        operand = self.compile(node.operand)
        if isinstance(node.op, ast.Not):
            return lambda scope: not operand(scope)
        if isinstance(node.op, ast.USub | ast.UAdd):
            negate = isinstance(node.op, ast.USub)
            source = self.source

            def sign(scope: _Scope) -> Any:
                value = operand(scope)
                if not _is_number(value):
                    raise ExpressionEvaluationError(
                        f"unary minus/plus needs a number, got {type(value).__name__}", source
                    )
                return -value if negate else value

            return sign
        raise self.error(f"operator {type(node.op).__name__} is not allowed")

    def _c_binop(self, node: ast.BinOp) -> _Eval:
        op = _ARITH.get(type(node.op))
        if op is None:
            raise self.error(f"operator {type(node.op).__name__} is not allowed")
        left = self.compile(node.left)
        right = self.compile(node.right)
        is_add = isinstance(node.op, ast.Add)
        source = self.source

        def arith(scope: _Scope) -> Any:
            a, b = left(scope), right(scope)
            if _is_number(a) and _is_number(b):
                try:
                    return op(a, b)
                except ZeroDivisionError:
                    raise ExpressionEvaluationError("division by zero", source) from None
            if is_add and type(a) is type(b) and isinstance(a, str | list | tuple):
                if len(a) + len(b) > _MAX_SEQUENCE:
                    raise ExpressionEvaluationError("result too long", source)
                return a + b
            raise ExpressionEvaluationError(
                f"unsupported operand types {type(a).__name__} and {type(b).__name__}", source
            )

        return arith

    def _c_compare(self, node: ast.Compare) -> _Eval:
        first = self.compile(node.left)
        ops = [_COMPARE[type(op)] for op in node.ops]
        rest = [self.compile(c) for c in node.comparators]
        source = self.source

        def compare(scope: _Scope) -> bool:
            left = first(scope)
            for op, right_eval in zip(ops, rest, strict=True):
                right = right_eval(scope)
                try:
                    if not op(left, right):
                        return False
                except TypeError as exc:
                    raise ExpressionEvaluationError(f"cannot compare: {exc}", source) from None
                left = right
            return True

        return compare

    def _c_ifexp(self, node: ast.IfExp) -> _Eval:
        test, body, orelse = (self.compile(n) for n in (node.test, node.body, node.orelse))
        return lambda scope: body(scope) if test(scope) else orelse(scope)

    def _c_list(self, node: ast.List) -> _Eval:
        items = [self.compile(e) for e in node.elts]
        return lambda scope: [item(scope) for item in items]

    def _c_tuple(self, node: ast.Tuple) -> _Eval:
        items = [self.compile(e) for e in node.elts]
        return lambda scope: tuple(item(scope) for item in items)

    def _c_call(self, node: ast.Call) -> _Eval:
        if not isinstance(node.func, ast.Name):
            raise self.error("only the listed functions can be called (no methods)")
        name = node.func.id
        fn = _FUNCTIONS.get(name)
        if fn is None:
            allowed = ", ".join(sorted(_FUNCTIONS))
            raise self.error(f"function {name!r} is not allowed (allowed: {allowed})")
        if any(isinstance(a, ast.Starred) for a in node.args) or node.keywords:
            raise self.error(f"call {name}() with plain positional arguments only")
        args = [self.compile(a) for a in node.args]
        source = self.source

        def call(scope: _Scope) -> Any:
            values = [a(scope) for a in args]
            try:
                return fn(*values)
            except (TypeError, ValueError) as exc:
                raise ExpressionEvaluationError(f"{name}() failed: {exc}", source) from None

        return call


def _describe(node: ast.AST) -> str:
    names = {
        "Lambda": "lambda",
        "ListComp": "a comprehension",
        "GeneratorExp": "a generator",
        "DictComp": "a comprehension",
        "SetComp": "a comprehension",
        "NamedExpr": "assignment (:=)",
        "Await": "await",
        "Starred": "star-unpacking",
        "JoinedStr": "an f-string",
        "Dict": "a dict literal",
        "Set": "a set literal",
    }
    return names.get(type(node).__name__, f"syntax {type(node).__name__}")


class Expression:
    """A compiled, side-effect-free expression over ``params`` and ``outputs``.

    Args:
        source: The expression text (at most 2,000 characters).
        step: Step the expression belongs to (named in errors).

    Raises:
        ExpressionError: The text does not parse or uses something not allowed.

    Attributes:
        source: The text, as given.
        output_refs: Step names read as ``outputs.STEP`` / ``outputs["STEP"]``.
        param_refs: Parameter names read as ``params.NAME``.
        is_constant: The expression reads neither params nor outputs.
    """

    __slots__ = (
        "_eval",
        "is_constant",
        "output_refs",
        "param_refs",
        "reads_all_outputs",
        "source",
    )

    source: str
    output_refs: frozenset[str]
    param_refs: frozenset[str]
    is_constant: bool
    reads_all_outputs: bool

    def __init__(self, source: str | Expression, *, step: str | None = None) -> None:
        if isinstance(source, Expression):
            source = source.source
        if not isinstance(source, str) or not source.strip():
            raise ExpressionError(
                "an expression must be a non-empty string", str(source), step=step
            )
        if len(source) > MAX_EXPRESSION_LENGTH:
            raise ExpressionError(
                f"expression is longer than {MAX_EXPRESSION_LENGTH} characters",
                source[:60] + "...",
                step=step,
            )
        try:
            tree = ast.parse(source.strip(), mode="eval")
        except SyntaxError as exc:
            col = f" at column {exc.offset}" if exc.offset else ""
            raise ExpressionError(f"syntax error{col}: {exc.msg}", source, step=step) from None
        compiler = _Compiler(source, step)
        self._eval = compiler.compile(tree.body)
        self.source = source
        self.output_refs = frozenset(compiler.output_refs)
        self.param_refs = frozenset(compiler.param_refs)
        self.reads_all_outputs = compiler.reads_whole_outputs and not compiler.output_refs
        self.is_constant = not (
            compiler.output_refs
            or compiler.param_refs
            or compiler.reads_whole_outputs
            or compiler.reads_whole_params
        )

    def evaluate(self, params: Mapping[str, Any], outputs: Mapping[str, Any]) -> Any:
        """Evaluate against ``params`` and ``outputs``.

        Raises:
            ExpressionEvaluationError: a key is missing, types do not fit, a function failed.
        """
        try:
            return self._eval((params, outputs))
        except ExpressionEvaluationError:
            raise
        except (TypeError, ValueError, ArithmeticError, RecursionError) as exc:
            raise ExpressionEvaluationError(str(exc), self.source) from exc

    def evaluate_sequence(
        self, params: Mapping[str, Any], outputs: Mapping[str, Any]
    ) -> Sequence[Any]:
        """Evaluate and require a list or tuple (``items_from`` of a map step)."""
        value = self.evaluate(params, outputs)
        if not isinstance(value, list | tuple):
            raise ExpressionEvaluationError(
                f"expected a list of items, got {type(value).__name__}", self.source
            )
        return value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Expression):
            return self.source == other.source
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.source)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def __str__(self) -> str:
        return self.source
