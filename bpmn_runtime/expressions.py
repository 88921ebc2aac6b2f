"""Sandboxed evaluation of the conditions, mappings and scripts written in BPMN models.

Model files come from outside the engine, so their text is never compiled to code or run by eval/exec.
FEEL (`=...`, Camunda 8) is evaluated by `bpmn_runtime.feel`; texts with `${...}` or `#{...}` (Camunda 7's
JUEL, whole or embedded in literal text) by `bpmn_runtime.juel`. Plain text is rewritten token by token into
Python syntax, parsed with `ast`, and every node is checked against a whitelist while it is turned into a
closure; only those closures run. Operators that could build huge values are bounded before they compute.
"""
from __future__ import annotations

import ast
import functools
import operator
import re
import reprlib
import textwrap
from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sized
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from bpmn_runtime import feel, juel
from bpmn_runtime.errors import ExpressionError

_Compiled = Callable[[Mapping[str, Any]], Any]

_MAX_TEXT = 10_000  # characters of expression or script text
_MAX_NODES = 1_000  # AST nodes after translation
_MAX_DEPTH = 100  # nesting of AST nodes
_MAX_ITEMS = 1_000_000  # characters or elements of a string or sequence an operator builds
_MAX_EXPONENT = 10_000  # exponent of an integer power, digits given to round()
_MAX_INT_BITS = 100_000  # size of an integer built by *, ** or <<


def evaluate(expression: str, variables: Mapping[str, Any], execution: juel.ExecutionView | None = None) -> Any:
    """Evaluate one expression against the variables (read-only); `execution` is where it is evaluated
    (what JUEL's `execution` reads, and the engine's clock for FEEL's now())."""
    if expression[:1] == "=" or _is_feel(expression):
        value = _evaluate_feel(expression, variables, execution.now if execution is not None else None)
        if value is True or value is False:
            return value
        try:
            return feel.to_python(value)
        except feel.FeelError as exc:
            raise ExpressionError(f"cannot evaluate {_shown(expression)}: {exc}") from exc
    if _is_juel(expression):
        return juel.compile_template(expression).evaluate(variables, execution)
    run = _compile_expression(expression)
    try:
        return run(variables)
    except Exception as exc:
        raise ExpressionError(f"cannot evaluate {_shown(expression)}: {_reason(exc)}") from exc


def is_true(expression: str, variables: Mapping[str, Any], execution: juel.ExecutionView | None = None) -> bool:
    """Evaluate a condition. JUEL coerces the result as EL does (null and "" are false, "true" in any case is
    true); elsewhere a non-bool result is a modelling mistake, so it is refused rather than coerced.

    A FEEL condition giving null or a non-boolean is an incident in Camunda 8 too; the message says why.
    """
    if _is_feel(expression):
        now = execution.now if execution is not None else None
        value = _evaluate_feel(expression, variables, now)
        if not isinstance(value, bool):
            notes: list[str] = []  # evaluated again, rarely, to say why (FEEL has no side effects)
            _evaluate_feel(expression, variables, now, notes)
            why = f" ({'; '.join(notes[:3])})" if notes else ""
            text = feel.feel_text(value)
            shown = "" if value is None else " " + (text if len(text) <= 60 else text[:57] + "...")
            raise ExpressionError(
                f"condition {_shown(expression)} must give true or false, not {feel.type_name(value)}{shown}{why}"
            )
        return value
    return as_condition(expression, evaluate(expression, variables, execution))


def as_condition(expression: str, result: Any) -> bool:
    """The truth of a condition's result, or ExpressionError when it is not true or false."""
    if _is_juel(expression) and not isinstance(result, bool):
        try:
            result = juel.coerce_to_boolean(result)
        except TypeError:
            pass  # refused below, in the same words as in the other languages
    if not isinstance(result, bool):
        raise ExpressionError(
            f"condition {_shown(expression)} must give true or false, "
            f"not {type(result).__name__} {reprlib.repr(result)}"
        )
    return result


def run_assignments(script: str, variables: Mapping[str, Any]) -> dict[str, Any]:
    """Run `x = expr` / `x += expr` statements; return what they assigned (the caller writes it back)."""
    assigned: dict[str, Any] = {}
    # later lines see earlier assignments; a ChainMap writes only to its first map, so variables stay untouched
    scope = ChainMap(assigned, cast(MutableMapping[str, Any], variables))
    for name, compute, line in _compile_script(script):
        try:
            assigned[name] = compute(scope)
        except Exception as exc:
            raise ExpressionError(f"cannot run line {line} of script {_shown(script)}: {_reason(exc)}") from exc
    return assigned


# Script formats that mean "sandboxed assignments" (no format at all counts as one).
SANDBOX_SCRIPT_FORMATS = frozenset({None, "", "python", "text/x-python", "sandbox", "assignments"})


def check(expression: str) -> None:
    """Refuse, at deployment, an expression that cannot run (ExpressionError says why, and where for FEEL)."""
    if _is_feel(expression):
        _compile_feel(expression)
        return
    if _is_juel(expression):
        juel.check(expression)
        return
    _compile_expression(expression)


_JUEL_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


def literal(expression: str) -> tuple[bool, Any]:
    """(True, value) when the expression is a single literal (`1`, `"yes"`, `null`), else (False, None).

    Read from the syntax tree, never run: deployment must not evaluate a model's expressions. A JUEL text
    that is one `${...}` around a literal counts (`${1}`); FEEL texts count as not literal (checked when run).
    """
    if _is_feel(expression):
        return False, None
    if _is_juel(expression):
        inner = expression.strip()[2:-1].strip() if expression.strip().endswith("}") else ""
        if inner in _JUEL_LITERALS:
            return True, _JUEL_LITERALS[inner]
        if "${" in expression.strip()[2:] or "#{" in expression.strip()[2:] or not inner:
            return False, None
        expression = inner
    tree = _parse(expression, script=False)
    body = tree.body if isinstance(tree, ast.Expression) else None
    if isinstance(body, ast.Constant):
        return True, body.value
    return False, None


def check_script(script: str) -> frozenset[str]:
    """Refuse, at deployment, a script that is not made of sandboxed assignments; the names it assigns."""
    return frozenset(name for name, _, _ in _compile_script(script))


# --- FEEL (`=...`): bpmn_runtime.feel ---


def _is_feel(expression: str) -> bool:
    return expression.lstrip().startswith("=")


def _is_juel(expression: str) -> bool:
    """Any text with `${` or `#{` that is not FEEL is JUEL, whole or embedded in literal text."""
    return juel.is_template(expression) and not _is_feel(expression)


@functools.lru_cache(maxsize=4096)
def _compile_feel(expression: str) -> feel.Expression:
    """Compile the text after `=`; a syntax error is located in the whole attribute text, as the modeler shows it.

    Names that hold keywords or symbols are written in backticks (`` `order-id` ``), as in Camunda 8.
    """
    start = expression.index("=") + 1
    try:
        return feel.compile_expression(expression[start:])
    except feel.FeelSyntaxError as exc:
        before = expression[:start]
        line = exc.line + before.count("\n")
        column = exc.column + (len(before) - (before.rfind("\n") + 1) if exc.line == 1 else 0)
        raise ExpressionError(f"cannot parse {_shown(expression)}: line {line}, column {column}: {exc.reason}") from None


def _evaluate_feel(
    expression: str, variables: Mapping[str, Any], now: datetime | None, notes: list[str] | None = None
) -> Any:
    try:
        return _compile_feel(expression).evaluate(variables, notes=notes, now=now)
    except feel.FeelError as exc:
        raise ExpressionError(f"cannot evaluate {_shown(expression)}: {exc}") from exc


def _shown(text: str) -> str:
    """Quote model text for a message, shortened so a hostile 10 kB expression does not flood the log."""
    return f'"{text}"' if len(text) <= 120 else f'"{text[:117]}..."'


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError) and exc.args:
        return f"key {exc.args[0]!r} not found"
    return str(exc) or type(exc).__name__


# --- Compilation: text -> checked AST -> closures, cached because conditions sit on the hot path ---


@functools.lru_cache(maxsize=4096)
def _compile_expression(expression: str) -> _Compiled:
    tree = _parse(expression, script=False)
    assert isinstance(tree, ast.Expression)
    try:
        return _build(tree.body, 1)
    except ExpressionError as exc:
        raise ExpressionError(f"refused {_shown(expression)}: {exc}") from None


@functools.lru_cache(maxsize=1024)
def _compile_script(script: str) -> tuple[tuple[str, _Compiled, int], ...]:
    tree = _parse(script, script=True)
    assert isinstance(tree, ast.Module)
    steps = []
    try:
        for statement in tree.body:
            value: ast.expr
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
                    and isinstance(statement.targets[0], ast.Name):
                name, value = statement.targets[0].id, statement.value
            elif isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name):
                name = statement.target.id  # `x += e` runs as `x = x + e`, so an unknown x is reported as such
                value = ast.BinOp(ast.Name(name, ast.Load()), statement.op, statement.value)
            else:
                raise ExpressionError(
                    f"line {statement.lineno} is not an assignment; only 'name = expression' "
                    "and 'name += expression' are allowed"
                )
            steps.append((_allowed_name(name), _build(value, 1), statement.lineno))
    except ExpressionError as exc:
        raise ExpressionError(f"refused script {_shown(script)}: {exc}") from None
    return tuple(steps)


def _parse(text: str, script: bool) -> ast.AST:
    """Translate and parse model text, refusing oversized input before anything is built from it."""
    if len(text) > _MAX_TEXT:
        raise ExpressionError(f"refused {_shown(text)}: longer than {_MAX_TEXT} characters")
    try:
        tree: ast.AST
        if script:
            # dedented, not stripped: scripts are indented inside XML, and line numbers must stay true
            tree = ast.parse(_Translator(textwrap.dedent(text), _PLAIN).translate(), mode="exec")
        else:  # parenthesised so an expression may span lines, as conditions in XML often do
            tree = ast.parse(f"({_to_python(text)}\n)", mode="eval")
    except (SyntaxError, ValueError) as exc:
        raise ExpressionError(f"cannot parse {_shown(text)}: {getattr(exc, 'msg', exc)}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"refused {_shown(text)}: nested too deeply") from None
    if sum(1 for _ in ast.walk(tree)) > _MAX_NODES:
        raise ExpressionError(f"refused {_shown(text)}: more than {_MAX_NODES} syntax nodes")
    return tree


# --- Translation of plain text to Python source ---


@dataclass(frozen=True)
class _Dialect:
    """How one expression language differs from Python, token by token."""

    words: Mapping[str, str]  # token -> Python text (literals, operator words)
    prefixes: Mapping[str, str]  # unary token -> template wrapping its operand, keeping its precedence


_JUEL_WORDS = {
    "&&": " and ", "||": " or ", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=",
    "null": "None", "true": "True", "false": "False",
}
# Unwrapped text is Python with JUEL conveniences; `not` keeps its Python meaning there.
_PLAIN = _Dialect(_JUEL_WORDS, {"!": "(not {})", "empty": "empty({})"})

# An unterminated string runs to the end of the text, so tokenizing stays linear
# (no rescan from every later quote) and Python reports the error.
_TOKEN = re.compile(
    r"""(?P<string>'''(?:\\.|[^\\])*?(?:'''|\\?\Z) | \"\"\"(?:\\.|[^\\])*?(?:\"\"\"|\\?\Z)
                  | '(?:\\.|[^'\\])*(?:'|\\?\Z) | "(?:\\.|[^"\\])*(?:"|\\?\Z))
      | (?P<comment>\#[^\n]*)
      | (?P<name>[^\W\d]\w*)
      | (?P<number>\d(?:[eE][+-]|[\w.])*)
      | (?P<space>\s+)
      | (?P<op>&&|\|\||[=!<>]=|.)""",
    re.VERBOSE | re.DOTALL,
)
_BRACKETS = {"(": ")", "[": "]", "{": "}"}


def _to_python(text: str) -> str:
    """Plain text (FEEL and JUEL never come here)."""
    return _Translator(text.strip(), _PLAIN).translate()


class _Translator:
    """Rewrites a token stream; string literals and comments pass through untouched."""

    def __init__(self, text: str, dialect: _Dialect) -> None:
        self.tokens = [(match.lastgroup, match.group()) for match in _TOKEN.finditer(text)]
        self.position = 0
        self.dialect = dialect

    def translate(self) -> str:
        return self._sequence(None)

    def _sequence(self, closer: str | None) -> str:
        """Translate up to the bracket `closer` (left unconsumed) or the end."""
        out = []
        after_dot = False
        while self.position < len(self.tokens):
            kind, text = self.tokens[self.position]
            if kind == "op" and text in (")", "]", "}"):
                if text != closer:
                    raise SyntaxError(f"unbalanced {text!r}")
                break
            if kind in ("space", "comment"):
                out.append(text)
                self.position += 1
                continue
            out.append(self._item(after_dot))
            after_dot = text == "."
        return "".join(out)

    def _item(self, after_dot: bool) -> str:
        """Translate the next token, or the group or prefix construct it starts."""
        kind, text = self.tokens[self.position]
        self.position += 1
        if kind == "name" and after_dot:  # a field or method name: `x.empty` is no operator
            return text
        if kind == "op" and text in _BRACKETS:
            inner = self._sequence(_BRACKETS[text])
            if self.position == len(self.tokens):
                raise SyntaxError(f"{text!r} is never closed")
            self.position += 1
            return text + inner + _BRACKETS[text]
        if kind in ("name", "op") and text in self.dialect.prefixes:
            return self.dialect.prefixes[text].format(self._operand(text))
        return self.dialect.words.get(text, text) if kind in ("name", "op") else text

    def _operand(self, operator_text: str) -> str:
        """Translate the operand of a prefix operator: more prefixes, a value, then `.name`, `(...)`, `[...]`."""
        while self._peek_kind(self.position) == "space":
            self.position += 1
        kind = self._peek_kind(self.position)
        text = self.tokens[self.position][1] if kind else ""
        if kind == "op" and text in ("-", "+"):
            self.position += 1
            return text + self._operand(text)
        if not (kind in ("name", "number", "string") or text in _BRACKETS or text in self.dialect.prefixes):
            raise SyntaxError(f"expected a value after {operator_text!r}")
        operand = self._item(False)
        while self._peek_kind(self.position) == "op":
            text = self.tokens[self.position][1]
            if text == "." and self._peek_kind(self.position + 1) == "name":
                operand += "." + self.tokens[self.position + 1][1]
                self.position += 2
            elif text in ("(", "["):
                operand += self._item(False)
            else:
                break
        return operand

    def _peek_kind(self, position: int) -> str | None:
        return self.tokens[position][0] if position < len(self.tokens) else None


# --- Closures: one builder per whitelisted node type ---


def _build(node: ast.AST, depth: int) -> _Compiled:
    """Turn one node into a closure; a node type without a builder is refused here, before anything runs."""
    if depth > _MAX_DEPTH:
        raise ExpressionError(f"nested more than {_MAX_DEPTH} levels deep")
    builder = _BUILDERS.get(type(node))
    if builder is None:
        raise ExpressionError(f"{_REFUSED_NODES.get(type(node), repr(type(node).__name__))} is not allowed")
    return builder(node, depth + 1)


_REFUSED_NODES: dict[type[ast.AST], str] = {
    ast.Lambda: "lambda", ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a comprehension", ast.NamedExpr: "':='",
    ast.JoinedStr: "an f-string", ast.Starred: "'*' unpacking",
}


def _allowed_name(name: str) -> str:
    """Underscore names are how sandbox escapes reach Python internals (`__class__`, `__import__`)."""
    if name.startswith("_"):
        raise ExpressionError(f"names starting with '_' are not allowed ({name!r})")
    return name


def _constant(node: ast.Constant, depth: int) -> _Compiled:
    value = node.value
    if type(value) not in (int, float, str, bool, type(None)):
        raise ExpressionError(f"{type(value).__name__} literals are not allowed")
    return lambda scope: value


def _name(node: ast.Name, depth: int) -> _Compiled:
    name = _allowed_name(node.id)

    def load(scope: Mapping[str, Any]) -> Any:
        try:
            return scope[name]
        except KeyError:
            raise NameError(f"unknown variable {name!r}") from None

    return load


def _elements(kind: Callable[[Iterable[Any]], Any]) -> Callable[[ast.AST, int], _Compiled]:
    def build(node: ast.AST, depth: int) -> _Compiled:
        items = [_build(element, depth) for element in cast(ast.List | ast.Tuple | ast.Set, node).elts]
        return lambda scope: kind(item(scope) for item in items)

    return build


def _dict(node: ast.Dict, depth: int) -> _Compiled:
    if any(key is None for key in node.keys):
        raise ExpressionError("'**' unpacking is not allowed")
    pairs = [(_build(key, depth), _build(value, depth)) for key, value in zip(node.keys, node.values) if key is not None]
    return lambda scope: {key(scope): value(scope) for key, value in pairs}


def _binary(node: ast.BinOp, depth: int) -> _Compiled:
    apply = _BINARY_OPERATORS.get(type(node.op))
    if apply is None:
        raise ExpressionError(f"the operator {type(node.op).__name__} is not allowed")
    left, right = _build(node.left, depth), _build(node.right, depth)
    return lambda scope: apply(left(scope), right(scope))


def _unary(node: ast.UnaryOp, depth: int) -> _Compiled:
    apply = _UNARY_OPERATORS[type(node.op)]
    operand = _build(node.operand, depth)
    return lambda scope: apply(operand(scope))


def _boolean(node: ast.BoolOp, depth: int) -> _Compiled:
    values = [_build(value, depth) for value in node.values]
    stop_when = not isinstance(node.op, ast.And)  # `and` stops at the first falsy value, `or` at the first truthy

    def run(scope: Mapping[str, Any]) -> Any:
        for value in values:
            result = value(scope)
            if bool(result) is stop_when:
                break
        return result

    return run


def _compare(node: ast.Compare, depth: int) -> _Compiled:
    left = _build(node.left, depth)
    steps = [(_COMPARISONS[type(op)], _build(right, depth)) for op, right in zip(node.ops, node.comparators)]
    if len(steps) == 1:
        (compare, right), = steps
        return lambda scope: compare(left(scope), right(scope))

    def chain(scope: Mapping[str, Any]) -> Any:
        current = left(scope)
        for compare, right in steps:
            following = right(scope)
            if not compare(current, following):
                return False
            current = following
        return True

    return chain


def _if(node: ast.IfExp, depth: int) -> _Compiled:
    test, body, orelse = _build(node.test, depth), _build(node.body, depth), _build(node.orelse, depth)
    return lambda scope: body(scope) if test(scope) else orelse(scope)


def _subscript(node: ast.Subscript, depth: int) -> _Compiled:
    container, index = _build(node.value, depth), _build(node.slice, depth)
    return lambda scope: container(scope)[index(scope)]


def _slice(node: ast.Slice, depth: int) -> _Compiled:
    parts = [None if part is None else _build(part, depth) for part in (node.lower, node.upper, node.step)]
    return lambda scope: slice(*(None if part is None else part(scope) for part in parts))


def _attribute(node: ast.Attribute, depth: int) -> _Compiled:
    """`order.amount` reads a key of a map; no Python attribute is ever read."""
    owner = _build(node.value, depth)
    key = _allowed_name(node.attr)

    def read(scope: Mapping[str, Any]) -> Any:
        value = owner(scope)
        if isinstance(value, Mapping):
            return value[key]
        raise TypeError(f"{type(value).__name__} values have no field {key!r}; only maps do")

    return read


def _call(node: ast.Call, depth: int) -> _Compiled:
    if node.keywords:
        raise ExpressionError("keyword arguments are not allowed")
    if isinstance(node.func, ast.Name):
        function = _FUNCTIONS.get(_allowed_name(node.func.id))
        if function is None:
            raise ExpressionError(f"the function {node.func.id!r} is not allowed")
        arguments = [_build(argument, depth) for argument in node.args]
        return lambda scope: function(*[argument(scope) for argument in arguments])
    if isinstance(node.func, ast.Attribute):
        owner = _build(node.func.value, depth)
        name = _allowed_name(node.func.attr)
        if name not in _METHOD_NAMES:
            raise ExpressionError(f"the method {name!r} is not allowed")
        arguments = [_build(argument, depth) for argument in node.args]

        def call_method(scope: Mapping[str, Any]) -> Any:
            value = owner(scope)
            method = _methods_of(value).get(name)
            if method is None:
                raise TypeError(f"{type(value).__name__} values have no method {name!r}")
            return method(value, *[argument(scope) for argument in arguments])

        return call_method
    raise ExpressionError("only the whitelisted functions and methods can be called")


_BUILDERS: dict[type[ast.AST], Callable[[Any, int], _Compiled]] = {
    ast.Constant: _constant, ast.Name: _name, ast.List: _elements(list), ast.Tuple: _elements(tuple),
    ast.Set: _elements(set), ast.Dict: _dict, ast.BinOp: _binary, ast.UnaryOp: _unary, ast.BoolOp: _boolean,
    ast.Compare: _compare, ast.IfExp: _if, ast.Subscript: _subscript, ast.Slice: _slice,
    ast.Attribute: _attribute, ast.Call: _call,
}


# --- Operators, bounded where they could build huge values ---

_SEQUENCES = (str, list, tuple)
_CONTAINERS = (list, tuple, dict, set, frozenset)


def _check_items(count: int) -> None:
    if count > _MAX_ITEMS:
        raise ExpressionError(f"the result would hold {count} items, more than {_MAX_ITEMS}")


def _check_bits(bits: int) -> None:
    if bits > _MAX_INT_BITS:
        raise ExpressionError(f"the number would have about {bits} bits, more than {_MAX_INT_BITS}")


def _add(left: Any, right: Any) -> Any:
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        _check_items(len(left) + len(right))
    return left + right


def _multiply(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int):
        _check_bits(left.bit_length() + right.bit_length())
    elif isinstance(left, _SEQUENCES) and isinstance(right, int):
        _check_repetition(left, right)
    elif isinstance(right, _SEQUENCES) and isinstance(left, int):
        _check_repetition(right, left)
    return left * right


def _check_repetition(sequence: str | list[Any] | tuple[Any, ...], times: int) -> None:
    """Count the characters of repeated strings too, and refuse repeated containers, whose copies
    are shared references: `[[0] * 999999] * 999999` is small until something walks it."""
    size = len(sequence)
    if not isinstance(sequence, str):
        for item in sequence:
            if isinstance(item, _CONTAINERS):
                raise ExpressionError("repeating a sequence of lists, tuples, dicts or sets is not allowed")
            if isinstance(item, str):
                size += len(item)
    _check_items(size * times)


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):  # printf formatting: `"%099999999d" % 1` builds anything it likes
        raise ExpressionError("'%' string formatting is not allowed")
    return left % right


def _power(base: Any, exponent: Any) -> Any:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0:
        if exponent > _MAX_EXPONENT:
            raise ExpressionError(f"the exponent {exponent} is larger than {_MAX_EXPONENT}")
        _check_bits(base.bit_length() * exponent)
    return base**exponent


def _shift_left(value: Any, count: Any) -> Any:
    if isinstance(value, int) and isinstance(count, int) and count > 0:
        _check_bits(value.bit_length() + count)
    return value << count


_BINARY_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: _add, ast.Sub: operator.sub, ast.Mult: _multiply, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: _modulo, ast.Pow: _power, ast.LShift: _shift_left,
    ast.RShift: operator.rshift, ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
}
_UNARY_OPERATORS: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert,
}
_COMPARISONS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda item, container: item in container, ast.NotIn: lambda item, container: item not in container,
}


# --- Functions and methods a model may call ---


def _sum(values: Iterable[Any]) -> Any:
    """Numbers only: a start value would let `sum(lists, [])` concatenate without bound."""
    return sum(values)


def _round(number: Any, digits: int | None = None) -> Any:
    if digits is not None and abs(digits) > _MAX_EXPONENT:  # round(5, -10**9) computes 10**(10**9)
        raise ExpressionError(f"round() to {digits} digits is not allowed")
    return round(number, digits)


def _empty(value: Any) -> bool:
    """JUEL `empty`: null, or a string or collection without elements."""
    return value is None or (isinstance(value, Sized) and len(value) == 0)


def _join(separator: str, items: Iterable[Any]) -> str:
    items = list(items)
    texts = sum(len(item) for item in items if isinstance(item, str))
    _check_items(texts + len(separator) * max(len(items) - 1, 0))
    return separator.join(items)


def _replace(text: str, old: str, new: str, count: int = -1) -> str:
    _check_items(len(text) + text.count(old) * max(len(new) - len(old), 0))
    return text.replace(old, new, count)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "str": str, "int": int, "float": float, "bool": bool, "abs": abs, "min": min, "max": max,
    "sum": _sum, "round": _round, "sorted": sorted, "any": any, "all": all,
    "empty": _empty,  # `empty x` in plain text is translated to empty(x)
}

_JAVA_COMMON: dict[str, Callable[..., Any]] = {"equals": operator.eq, "isEmpty": _empty}
_STRING_METHODS: dict[str, Callable[..., Any]] = {
    "lower": str.lower, "upper": str.upper, "strip": str.strip, "lstrip": str.lstrip, "rstrip": str.rstrip,
    "startswith": str.startswith, "endswith": str.endswith, "split": str.split, "join": _join,
    "replace": _replace, "count": str.count, "index": str.index, "find": str.find,
    # Java spellings used by JUEL models
    "contains": str.__contains__, "startsWith": str.startswith, "endsWith": str.endswith, "length": len,
    "toLowerCase": str.lower, "toUpperCase": str.upper, "trim": str.strip, **_JAVA_COMMON,
}
_SEQUENCE_METHODS: dict[str, Callable[..., Any]] = {
    "count": operator.countOf, "index": operator.indexOf, "contains": operator.contains, "size": len,
    **_JAVA_COMMON,
}
_MAPPING_METHODS: dict[str, Callable[..., Any]] = {
    "get": Mapping.get, "keys": lambda mapping: list(mapping.keys()),
    "values": lambda mapping: list(mapping.values()), "items": lambda mapping: list(mapping.items()),
    "containsKey": operator.contains, "size": len, **_JAVA_COMMON,
}
_METHOD_NAMES = frozenset(_STRING_METHODS) | frozenset(_SEQUENCE_METHODS) | frozenset(_MAPPING_METHODS)


def _methods_of(value: Any) -> Mapping[str, Callable[..., Any]]:
    if isinstance(value, str):
        return _STRING_METHODS
    if isinstance(value, (list, tuple)):
        return _SEQUENCE_METHODS
    if isinstance(value, Mapping):
        return _MAPPING_METHODS
    return {}
