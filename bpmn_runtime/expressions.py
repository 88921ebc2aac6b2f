"""Sandboxed evaluation of the conditions, mappings and scripts written in BPMN models.

Model files come from outside the engine, so their text is never compiled to code or run by eval/exec.
FEEL (`=...`, Camunda 8) is evaluated by `bpmn_runtime.feel`; texts with `${...}` or `#{...}` (Camunda 7's
JUEL, whole or embedded in literal text) by `bpmn_runtime.juel`. Plain text is rewritten token by token into
Python syntax, parsed with `ast`, and every node is checked against a whitelist while it is turned into a
closure; only those closures run. Operators that could build huge values are bounded before they compute.
"""
from __future__ import annotations

import ast
import copy
import functools
import itertools
import operator
import re
import reprlib
import textwrap
import time
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sized
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar, cast

from bpmn_runtime import feel, juel
from bpmn_runtime.errors import ExpressionError

_Compiled = Callable[[Mapping[str, Any]], Any]

_MAX_TEXT = 10_000  # characters of expression or script text
_MAX_NODES = 1_000  # AST nodes after translation
_MAX_DEPTH = 100  # nesting of AST nodes
_MAX_ITEMS = 1_000_000  # characters or elements of a string or sequence an operator builds
_MAX_EXPONENT = 10_000  # exponent of an integer power, digits given to round()
_MAX_INT_BITS = 100_000  # size of an integer built by *, ** or <<
_MAX_OPERATIONS = 1_000_000  # loop rounds and comprehension elements of one evaluation or script run
_MAX_BUILT = 10_000_000  # characters and elements the operations of one run may build together
_MAX_SECONDS = 10.0  # computing time of one run, so that no model text holds a step for long


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
    run, counted = _compile_expression(expression)
    token = _RUN.set(_Run(execution.now if execution is not None else None)) if counted else None
    try:
        return run(variables)
    except Exception as exc:
        raise ExpressionError(f"cannot evaluate {_shown(expression)}: {_reason(exc)}") from exc
    finally:
        if token is not None:
            _RUN.reset(token)


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


class _Deleted:
    """The value a script gives a variable it deletes (`del name`): the caller removes the variable."""

    def __repr__(self) -> str:
        return "DELETED"


DELETED: Any = _Deleted()


def run_assignments(script: str, variables: Mapping[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """Run a script's statements against the variables (never changed in place); return the variables it
    set or changed, and DELETED for those it deleted (the caller writes them back). `now` is the engine's
    clock, which datetime.now() and time.time() read."""
    compiled = _compile_script(script)
    frame = _Frame(variables, copies=compiled.changes_in_place)
    token = _RUN.set(_Run(now))
    try:
        compiled.run(frame)
    except Exception as exc:
        line = frame.failed[1] if frame.failed is not None and frame.failed[0] is exc else 1
        raise ExpressionError(f"cannot run line {line} of script {_shown(script)}: {_reason(exc)}") from exc
    finally:
        _RUN.reset(token)
    return frame.changes()


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
    """Refuse, at deployment, a script with a statement or expression the sandbox does not run; the names
    it assigns."""
    return _compile_script(script).assigned


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


# --- One run: its budgets, its clock, and the names a script sees ---


class _Run:
    """What one evaluation or script run has spent of its budgets, and the engine's clock it reads. Its time is
    counted from its first loop round: what runs before any loop is bounded by the size of the text."""

    __slots__ = ("now", "deadline", "operations", "built")

    def __init__(self, now: datetime | None) -> None:
        self.now = now
        self.deadline = 0.0
        self.operations = 0
        self.built = 0


_RUN: ContextVar[_Run | None] = ContextVar("sandbox_run", default=None)


def _spend(operations: int = 0, built: int = 0) -> None:
    """Count loop rounds and built items against the run's budgets; a run past one stops with ExpressionError,
    which no `except` of the script catches."""
    run = _RUN.get()
    if run is None:
        return
    run.operations += operations
    run.built += built
    if run.operations > _MAX_OPERATIONS:
        raise ExpressionError(f"stopped after {_MAX_OPERATIONS:,} loop rounds; does a loop never end?")
    if run.built > _MAX_BUILT:
        raise ExpressionError(f"stopped after building {_MAX_BUILT:,} characters and elements")
    if operations:
        if not run.deadline:
            run.deadline = time.monotonic() + _MAX_SECONDS
        elif time.monotonic() > run.deadline:
            raise ExpressionError(f"stopped after computing for {_MAX_SECONDS:g} seconds")


def _clock() -> datetime:
    """The engine's clock (virtual in tests), never the system's."""
    run = _RUN.get()
    if run is None or run.now is None:
        raise ExpressionError("the engine's clock cannot be read here")
    return run.now


class _Frame(MutableMapping[str, Any]):
    """The names a script sees: what it assigned, then the instance's variables, then SpiffWorkflow's script
    names (datetime, time). A list, map or set variable is copied as the script first reads it, so a change in
    place (`items.append(x)`) changes the copy, which is written back when it differs as the script ends."""

    def __init__(self, variables: Mapping[str, Any], copies: bool) -> None:
        self.variables = variables
        self.copies = copies
        self.assigned: dict[str, Any] = {}
        self.originals: dict[str, Any] = {}  # variables copied on first read, as they were
        self.deleted: set[str] = set()
        self.failed: tuple[BaseException, int] | None = None  # the error that stopped the script, and its line

    def __getitem__(self, name: str) -> Any:
        if name in self.assigned:
            return self.assigned[name]
        if name in self.deleted:
            raise NameError(f"unknown variable {name!r} (deleted)")
        value = self.variables[name]
        if self.copies and isinstance(value, (list, dict, set)):
            self.originals[name] = value
            value = self.assigned[name] = copy.deepcopy(value)
        return value

    def __setitem__(self, name: str, value: Any) -> None:
        self.assigned[name] = value
        self.deleted.discard(name)

    def __delitem__(self, name: str) -> None:
        if name not in self.assigned and (name in self.deleted or (name not in self.variables
                                                                   and name not in _NAMES)):
            raise NameError(f"unknown variable {name!r}")
        self.assigned.pop(name, None)
        self.deleted.add(name)

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(n for n in self.variables if n not in self.deleted), **self.assigned})

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def changes(self) -> dict[str, Any]:
        """What the script set or changed, and DELETED for the variables it deleted."""
        found = {name: value for name, value in self.assigned.items()
                 if name not in self.originals or value != self.originals[name]}
        found.update((name, DELETED) for name in self.deleted if name in self.variables)
        return found


@dataclass(frozen=True)
class _Script:
    """A checked script: what runs it, and the names it assigns."""

    run: Callable[[_Frame], None]
    assigned: frozenset[str]
    changes_in_place: bool  # whether it may change a list, map or set in place (the frame then copies them)


# --- Compilation: text -> checked AST -> closures, cached because conditions sit on the hot path ---


@functools.lru_cache(maxsize=4096)
def _compile_expression(expression: str) -> tuple[_Compiled, bool]:
    """The expression's closure, and whether it runs with a run's budgets and clock: only one that may loop,
    build a value or read the clock needs them, so the plainest conditions on the hot path go without."""
    tree = _parse(expression, script=False)
    assert isinstance(tree, ast.Expression)
    try:
        _refuse_changes_in_place(tree)
        compiled = _build(tree.body, 1)
    except ExpressionError as exc:
        raise ExpressionError(f"refused {_shown(expression)}: {exc}") from None
    return compiled, any(isinstance(node, _COUNTED) or (isinstance(node, ast.Name) and node.id in _NAMES)
                         for node in ast.walk(tree))


# What may loop or build a value in an expression: evaluated within a run's budgets.
_COUNTED = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.BinOp, ast.Call, ast.Slice,
            ast.JoinedStr)


@functools.lru_cache(maxsize=1024)
def _compile_script(script: str) -> _Script:
    tree = _parse(script, script=True)
    assert isinstance(tree, ast.Module)
    try:
        run = _block(tree.body, 1, in_loop=False)
    except ExpressionError as exc:
        raise ExpressionError(f"refused script {_shown(script)}: {exc}") from None
    local = {n.id for c in ast.walk(tree) if isinstance(c, _COMPREHENSIONS) for g in c.generators
             for n in ast.walk(g.target) if isinstance(n, ast.Name)}
    assigned = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                         and n.id not in local)
    return _Script(run, assigned, any(_changes_in_place(node) for node in ast.walk(tree)))


def _changes_in_place(node: ast.AST) -> bool:
    """A method call that changes its list, map or set, or a `c[k] = ...`, `c[k] += ...` or `del c[k]`."""
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Attribute) and node.func.attr in _CHANGES_IN_PLACE
    return isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del))


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
    ast.Lambda: "lambda", ast.NamedExpr: "':='", ast.Starred: "'*' unpacking", ast.Await: "'await'",
    ast.Yield: "'yield'", ast.YieldFrom: "'yield'",
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
    """A variable, else one of SpiffWorkflow's script names (datetime, time)."""
    name = _allowed_name(node.id)

    def load(scope: Mapping[str, Any]) -> Any:
        try:
            return scope[name]
        except KeyError:
            if name in _NAMES:
                return _NAMES[name]
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

    def run(scope: Mapping[str, Any]) -> Any:
        result = apply(left(scope), right(scope))
        if isinstance(result, _BUILT):  # a new text or collection (`a + b`, `s * 3`, `d | e`): counted
            _spend(built=len(result))
        return result

    return run


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
    if isinstance(node.slice, ast.Slice):  # a slice is a copy: counted against the run's budget
        return lambda scope: _built(container(scope)[index(scope)])
    return lambda scope: container(scope)[index(scope)]


def _slice(node: ast.Slice, depth: int) -> _Compiled:
    parts = [None if part is None else _build(part, depth) for part in (node.lower, node.upper, node.step)]
    return lambda scope: slice(*(None if part is None else part(scope) for part in parts))


def _attribute(node: ast.Attribute, depth: int) -> _Compiled:
    """`order.amount` reads a key of a map, `when.year` a field of a date; no Python attribute is ever read."""
    owner = _build(node.value, depth)
    key = _allowed_name(node.attr)

    def read(scope: Mapping[str, Any]) -> Any:
        value = owner(scope)
        if isinstance(value, Mapping):
            return value[key]
        if isinstance(value, (date, timedelta)) and key in _TIME_FIELDS:
            return getattr(value, key)
        raise TypeError(f"{type(value).__name__} values have no field {key!r}; only maps do")

    return read


def _keywords(node: ast.Call, depth: int) -> list[tuple[str, _Compiled]]:
    if any(keyword.arg is None for keyword in node.keywords):
        raise ExpressionError("'**' unpacking is not allowed")
    if any(keyword.arg == "key" for keyword in node.keywords):
        raise ExpressionError("'key=' is not allowed: it takes a function, and functions are not values here")
    return [(_allowed_name(cast(str, k.arg)), _build(k.value, depth)) for k in node.keywords]


def _call(node: ast.Call, depth: int) -> _Compiled:
    keywords = _keywords(node, depth)
    arguments = [_build(argument, depth) for argument in node.args]
    if isinstance(node.func, ast.Name):
        function = _FUNCTIONS.get(_allowed_name(node.func.id))
        if function is None:
            raise ExpressionError(f"the function {node.func.id!r} is not allowed")
        if not keywords:  # the common case, kept short: conditions call len() and the like on the hot path
            return lambda scope: function(*[argument(scope) for argument in arguments])
        return lambda scope: function(*[argument(scope) for argument in arguments],
                                      **{name: value(scope) for name, value in keywords})
    if isinstance(node.func, ast.Attribute):
        owner = _build(node.func.value, depth)
        name = _allowed_name(node.func.attr)
        if name not in _METHOD_NAMES:
            raise ExpressionError(f"the method {name!r} is not allowed")

        def call_method(scope: Mapping[str, Any]) -> Any:
            value = owner(scope)
            method = _methods_of(value).get(name)
            if method is None:
                raise TypeError(f"{type(value).__name__} values have no method {name!r}")
            return method(value, *[argument(scope) for argument in arguments],
                          **{key: argument(scope) for key, argument in keywords})

        return call_method
    raise ExpressionError("only the whitelisted functions and methods can be called")


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _comprehension(node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp, depth: int) -> _Compiled:
    """A comprehension: its names live in a scope of their own, each element counts as a loop round."""
    loops = []
    for generator in node.generators:
        if generator.is_async:
            raise ExpressionError("'async for' is not allowed")
        loops.append((_assigner(generator.target, depth), _build(generator.iter, depth),
                      [_build(condition, depth) for condition in generator.ifs]))

    def scopes(outer: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        scope: ChainMap[str, Any] = ChainMap({}, cast(MutableMapping[str, Any], outer))

        def walk(level: int) -> Iterator[Mapping[str, Any]]:
            if level == len(loops):
                yield scope
                return
            assign, iterable, conditions = loops[level]
            for item in iterable(scope):
                _spend(operations=1)
                assign(scope, item)
                if all(condition(scope) for condition in conditions):
                    yield from walk(level + 1)

        return walk(0)

    if isinstance(node, ast.DictComp):
        key, value = _build(node.key, depth), _build(node.value, depth)
        return lambda scope: _built({key(s): value(s) for s in scopes(scope)})
    element = _build(node.elt, depth)
    if isinstance(node, ast.GeneratorExp):
        return lambda scope: (element(s) for s in scopes(scope))
    kind: Callable[[Iterable[Any]], Any] = list if isinstance(node, ast.ListComp) else set
    return lambda scope: _built(kind(element(s) for s in scopes(scope)))


_Built = TypeVar("_Built", bound=Sized)


def _built(value: _Built) -> _Built:
    """Count what a comprehension or constructor built against the run's budget."""
    _spend(built=len(value))
    return value


_CONVERSIONS: dict[int, Callable[[Any], str]] = {-1: str, 115: str, 114: repr, 97: ascii}


def _f_string(node: ast.JoinedStr, depth: int) -> _Compiled:
    parts = [_build(value, depth) for value in node.values]

    def run(scope: Mapping[str, Any]) -> str:
        texts = [part(scope) for part in parts]
        _check_items(sum(len(text) for text in texts))
        return _built("".join(texts))

    return run


def _formatted_value(node: ast.FormattedValue, depth: int) -> _Compiled:
    """One `{value!r:spec}` of an f-string; a width or precision that would build a huge text is refused."""
    value, convert = _build(node.value, depth), _CONVERSIONS[node.conversion]
    spec = _build(node.format_spec, depth) if node.format_spec is not None else None

    def run(scope: Mapping[str, Any]) -> str:
        shown, layout = value(scope), spec(scope) if spec is not None else ""
        if node.conversion != -1 or not layout:
            return _text(shown, convert) if not layout else format(_text(shown, convert), _layout(layout))
        return format(shown, _layout(layout))

    return run


def _layout(spec: str) -> str:
    if any(int(number) > _MAX_EXPONENT for number in re.findall(r"\d+", spec)):
        raise ExpressionError(f"the format {spec!r} would build too long a text")
    return spec


_BUILDERS: dict[type[ast.AST], Callable[[Any, int], _Compiled]] = {
    ast.Constant: _constant, ast.Name: _name, ast.List: _elements(list), ast.Tuple: _elements(tuple),
    ast.Set: _elements(set), ast.Dict: _dict, ast.BinOp: _binary, ast.UnaryOp: _unary, ast.BoolOp: _boolean,
    ast.Compare: _compare, ast.IfExp: _if, ast.Subscript: _subscript, ast.Slice: _slice,
    ast.Attribute: _attribute, ast.Call: _call, ast.ListComp: _comprehension, ast.SetComp: _comprehension,
    ast.DictComp: _comprehension, ast.GeneratorExp: _comprehension, ast.JoinedStr: _f_string,
    ast.FormattedValue: _formatted_value,
}


# --- Script statements: one builder per whitelisted statement type, run against a _Frame ---

_Exec = Callable[[_Frame], None]


class _Jump(BaseException):
    """break and continue: BaseException, so that no `except` of a script catches them."""


class _Break(_Jump):
    pass


class _Continue(_Jump):
    pass


_REFUSED_STATEMENTS: dict[type[ast.AST], str] = {
    ast.FunctionDef: "defining a function (def)", ast.AsyncFunctionDef: "defining a function (def)",
    ast.ClassDef: "defining a class", ast.With: "'with'", ast.AsyncWith: "'with'", ast.AsyncFor: "'async for'",
    ast.Global: "'global'", ast.Nonlocal: "'nonlocal'", ast.Return: "'return'", ast.Match: "'match'",
}


def _block(statements: list[ast.stmt], depth: int, in_loop: bool) -> _Exec:
    """Statements run one after the other; the innermost one that fails records its line on the frame."""
    steps = [(statement.lineno, _statement(statement, depth, in_loop)) for statement in statements]

    def run(frame: _Frame) -> None:
        for line, step in steps:
            try:
                step(frame)
            except Exception as exc:
                if frame.failed is None or frame.failed[0] is not exc:
                    frame.failed = (exc, line)
                raise

    return run


def _statement(node: ast.stmt, depth: int, in_loop: bool) -> _Exec:
    """One statement, refused here when the sandbox does not run it."""
    if depth > _MAX_DEPTH:
        raise ExpressionError(f"nested more than {_MAX_DEPTH} levels deep")
    line = node.lineno
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        names = ", ".join(alias.name for alias in node.names)
        where = f" from {node.module}" if isinstance(node, ast.ImportFrom) else ""
        raise ExpressionError(f"line {line} imports {names}{where}: a script cannot import modules here, "
                              f"since an import gives it the engine's rights over the machine")
    if isinstance(node, (ast.Break, ast.Continue)) and not in_loop:
        raise ExpressionError(f"line {line}: '{type(node).__name__.lower()}' outside a loop")
    builder = _STATEMENTS.get(type(node))
    if builder is None:
        what = _REFUSED_STATEMENTS.get(type(node), f"the statement {type(node).__name__}")
        raise ExpressionError(f"line {line}: {what} is not allowed in a script")
    return builder(node, depth + 1, in_loop)


def _assigner(node: ast.expr, depth: int) -> Callable[[MutableMapping[str, Any], Any], None]:
    """What assigning to a target (a name, a tuple of targets, `container[key]`) does."""
    if isinstance(node, ast.Name):
        name = _allowed_name(node.id)
        return lambda scope, value: scope.__setitem__(name, value)
    if isinstance(node, (ast.Tuple, ast.List)):
        if any(isinstance(element, ast.Starred) for element in node.elts):
            raise ExpressionError("'*' unpacking is not allowed")
        parts = [_assigner(element, depth + 1) for element in node.elts]

        def unpack(scope: MutableMapping[str, Any], value: Any) -> None:
            items = list(itertools.islice(iter(value), len(parts) + 1))
            if len(items) != len(parts):
                raise ValueError(f"{len(parts)} values to unpack were expected, not {len(items)}"
                                 + (" or more" if len(items) > len(parts) else ""))
            for part, item in zip(parts, items):
                part(scope, item)

        return unpack
    if isinstance(node, ast.Subscript):
        container, index = _build(node.value, depth), _build(node.slice, depth)

        def store(scope: MutableMapping[str, Any], value: Any) -> None:
            target = container(scope)
            if not isinstance(target, (list, dict)):
                raise TypeError(f"{type(target).__name__} values cannot be changed in place")
            _spend(built=1)
            target[index(scope)] = value

        return store
    if isinstance(node, ast.Attribute):
        raise ExpressionError("assigning a field (x.name = ...) is not allowed; write x['name'] = ...")
    raise ExpressionError(f"{type(node).__name__} cannot be assigned to")


def _expression_statement(node: ast.Expr, depth: int, in_loop: bool) -> _Exec:
    value = _build(node.value, depth)

    def run(frame: _Frame) -> None:
        value(frame)

    return run


def _assign(node: ast.Assign, depth: int, in_loop: bool) -> _Exec:
    targets, value = [_assigner(target, depth) for target in node.targets], _build(node.value, depth)

    def run(frame: _Frame) -> None:
        result = value(frame)
        for target in targets:
            target(frame, result)

    return run


def _annotated_assign(node: ast.AnnAssign, depth: int, in_loop: bool) -> _Exec:
    if node.value is None:
        return lambda frame: None
    return _assign(ast.Assign([node.target], node.value), depth, in_loop)


def _augmented_assign(node: ast.AugAssign, depth: int, in_loop: bool) -> _Exec:
    """`x += e` runs as `x = x + e` (an unknown x is reported as such); `c[k] += e` reads c and k once."""
    if isinstance(node.target, ast.Name):
        return _assign(ast.Assign([node.target], ast.BinOp(ast.Name(node.target.id, ast.Load()), node.op,
                                                               node.value)), depth, in_loop)
    if not isinstance(node.target, ast.Subscript):
        raise ExpressionError("only a name or container[key] can be changed with an augmented assignment")
    apply = _BINARY_OPERATORS.get(type(node.op))
    if apply is None:
        raise ExpressionError(f"the operator {type(node.op).__name__} is not allowed")
    container, index = _build(node.target.value, depth), _build(node.target.slice, depth)
    value = _build(node.value, depth)

    def run(frame: _Frame) -> None:
        target, key = container(frame), index(frame)
        if not isinstance(target, (list, dict)):
            raise TypeError(f"{type(target).__name__} values cannot be changed in place")
        target[key] = apply(target[key], value(frame))

    return run


def _if_statement(node: ast.If, depth: int, in_loop: bool) -> _Exec:
    test = _build(node.test, depth)
    body, orelse = _block(node.body, depth, in_loop), _block(node.orelse, depth, in_loop)
    return lambda frame: body(frame) if test(frame) else orelse(frame)


def _loop_body(statements: list[ast.stmt], depth: int) -> Callable[[_Frame], bool]:
    """A loop's body: False when it breaks out of the loop."""
    body = _block(statements, depth, in_loop=True)

    def run(frame: _Frame) -> bool:
        _spend(operations=1)
        try:
            body(frame)
        except _Break:
            return False
        except _Continue:
            pass
        return True

    return run


def _for(node: ast.For, depth: int, in_loop: bool) -> _Exec:
    target, iterable = _assigner(node.target, depth), _build(node.iter, depth)
    body, orelse = _loop_body(node.body, depth), _block(node.orelse, depth, in_loop)

    def run(frame: _Frame) -> None:
        for item in iterable(frame):
            target(frame, item)
            if not body(frame):
                return
        orelse(frame)

    return run


def _while(node: ast.While, depth: int, in_loop: bool) -> _Exec:
    test, body, orelse = _build(node.test, depth), _loop_body(node.body, depth), _block(node.orelse, depth, in_loop)

    def run(frame: _Frame) -> None:
        while test(frame):
            if not body(frame):
                return
        orelse(frame)

    return run


def _jump(jump: type[_Jump]) -> Callable[[ast.stmt, int, bool], _Exec]:
    def build(node: ast.stmt, depth: int, in_loop: bool) -> _Exec:
        def run(frame: _Frame) -> None:
            raise jump

        return run

    return build


def _delete(node: ast.Delete, depth: int, in_loop: bool) -> _Exec:
    """`del name` deletes a variable (as SpiffWorkflow removes it from the task's data); `del c[k]` a member."""
    steps: list[_Exec] = []
    targets = list(node.targets)
    while targets:
        target = targets.pop(0)
        if isinstance(target, (ast.Tuple, ast.List)):  # del(a, b)
            targets[:0] = target.elts
        elif isinstance(target, ast.Name):
            name = _allowed_name(target.id)
            steps.append(lambda frame, name=name: frame.__delitem__(name))  # type: ignore[misc]
        elif isinstance(target, ast.Subscript):
            container, index = _build(target.value, depth), _build(target.slice, depth)
            steps.append(lambda frame, c=container, i=index: _delete_member(c(frame), i(frame)))  # type: ignore[misc]
        else:
            raise ExpressionError("only a name or container[key] can be deleted")

    def run(frame: _Frame) -> None:
        for step in steps:
            step(frame)

    return run


def _delete_member(container: Any, key: Any) -> None:
    if not isinstance(container, (list, dict)):
        raise TypeError(f"{type(container).__name__} values cannot be changed in place")
    del container[key]


def _exception_classes(node: ast.expr | None) -> tuple[type[Exception], ...]:
    """The classes an `except` names, each one the sandbox knows."""
    if node is None:
        return (Exception,)
    names = node.elts if isinstance(node, ast.Tuple) else [node]
    classes = []
    for name in names:
        if not (isinstance(name, ast.Name) and name.id in _EXCEPTIONS):
            raise ExpressionError(f"'except {ast.unparse(name)}' names no exception a script can catch here; "
                                  f"name one of {', '.join(sorted(_EXCEPTIONS))}")
        classes.append(_EXCEPTIONS[name.id])
    return tuple(classes)


def _try(node: ast.Try, depth: int, in_loop: bool) -> _Exec:
    """try/except/else/finally; no `except` catches the sandbox's own refusals (ExpressionError), so a budget
    that is spent stays spent."""
    body, orelse = _block(node.body, depth, in_loop), _block(node.orelse, depth, in_loop)
    final = _block(node.finalbody, depth, in_loop)
    handlers = [(_exception_classes(h.type), _allowed_name(h.name) if h.name else None,
                 _block(h.body, depth, in_loop)) for h in node.handlers]

    def run(frame: _Frame) -> None:
        try:
            try:
                body(frame)
            except ExpressionError:
                raise
            except Exception as exc:
                for classes, name, handler in handlers:
                    if isinstance(exc, classes):
                        if name:
                            frame[name] = exc
                        try:
                            handler(frame)
                        finally:
                            if name:
                                frame.assigned.pop(name, None)
                        break
                else:
                    raise
            else:
                orelse(frame)
        finally:
            final(frame)

    return run


def _raise(node: ast.Raise, depth: int, in_loop: bool) -> _Exec:
    """`raise` again in an `except`, or `raise ValueError("...")` with a class the sandbox knows."""
    if node.exc is None:
        def again(frame: _Frame) -> None:
            raise  # noqa: PLE0704 - runs inside the except of _try, which re-raises what it caught

        return again
    if node.cause is not None:
        raise ExpressionError("'raise ... from ...' is not allowed")
    call = node.exc if isinstance(node.exc, ast.Call) else ast.Call(node.exc, [], [])
    if not (isinstance(call.func, ast.Name) and call.func.id in _EXCEPTIONS):
        raise ExpressionError(f"a script can raise only {', '.join(sorted(_EXCEPTIONS))}")
    error = _build(call, depth)

    def run(frame: _Frame) -> None:
        raise error(frame)

    return run


def _assert(node: ast.Assert, depth: int, in_loop: bool) -> _Exec:
    test = _build(node.test, depth)
    message = _build(node.msg, depth) if node.msg is not None else None

    def run(frame: _Frame) -> None:
        if not test(frame):
            raise AssertionError(message(frame) if message is not None else "assertion failed")

    return run


_STATEMENTS: dict[type[ast.AST], Callable[[Any, int, bool], _Exec]] = {
    ast.Expr: _expression_statement, ast.Assign: _assign, ast.AnnAssign: _annotated_assign,
    ast.AugAssign: _augmented_assign, ast.If: _if_statement, ast.For: _for, ast.While: _while,
    ast.Break: _jump(_Break), ast.Continue: _jump(_Continue), ast.Pass: lambda node, depth, in_loop: lambda f: None,
    ast.Delete: _delete, ast.Try: _try, ast.Raise: _raise, ast.Assert: _assert,
}


# --- Operators, bounded where they could build huge values ---

_SEQUENCES = (str, list, tuple)
_BUILT = (str, list, tuple, dict, set, frozenset)  # what operators build, counted against the run's budget
_CONTAINERS = (list, tuple, dict, set, frozenset)


def _check_items(count: int) -> None:
    """Refuse one value of more than _MAX_ITEMS; count it against the run's budget of all it builds."""
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
    return _built(separator.join(items))


def _replace(text: str, old: str, new: str, count: int = -1) -> str:
    _check_items(len(text) + text.count(old) * max(len(new) - len(old), 0))
    return _built(text.replace(old, new, count))


def _text(value: Any, convert: Callable[[Any], str] = str) -> str:
    """str() or repr() of a value, refused before it is built when it would be huge (a list holding the same
    long text a million times is small until it is written out)."""
    if isinstance(value, _CONTAINERS):
        _check_items(_text_size(value))
    return _built(convert(value))


def _text_size(value: Any) -> int:
    """About how many characters `value` takes written out; walking stops once it is past _MAX_ITEMS."""
    size, pending = 0, [value]
    while pending and size <= _MAX_ITEMS:
        item = pending.pop()
        if isinstance(item, str):
            size += len(item) + 4
        elif isinstance(item, Mapping):
            size += 2 + 2 * len(item)
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, _CONTAINERS):
            size += 2 + 2 * len(item)
            pending += list(item)
        else:
            size += 24
    return size


def _str(value: Any = "") -> str:
    return _text(value)


def _range(*bounds: int) -> range:
    numbers = range(*bounds)
    _check_items(len(numbers))
    return numbers


def _collection(kind: Callable[..., Any]) -> Callable[..., Any]:
    """list(), tuple(), set() and dict(): refused when what they would copy is too large, counted when built."""
    def build(*args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], Sized):
            _check_items(len(args[0]))
        return _built(kind(*args, **kwargs))

    return build


# The exceptions a script may catch and raise.
_EXCEPTIONS: dict[str, type[Exception]] = {
    cls.__name__: cls for cls in (Exception, ArithmeticError, AssertionError, AttributeError, IndexError, KeyError,
                                  LookupError, NameError, TypeError, ValueError, ZeroDivisionError)
}

_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "str": _str, "repr": lambda value: _text(value, repr), "int": int, "float": float, "bool": bool,
    "abs": abs, "min": min, "max": max, "sum": _sum, "round": _round, "sorted": _collection(sorted), "any": any,
    "all": all, "range": _range, "enumerate": enumerate, "zip": zip, "reversed": reversed,
    "list": _collection(list), "tuple": _collection(tuple), "set": _collection(set), "dict": _collection(dict),
    "timedelta": timedelta, "datetime": datetime, **_EXCEPTIONS,
    "empty": _empty,  # `empty x` in plain text is translated to empty(x)
}

def _building(method: Callable[..., Sized]) -> Callable[..., Any]:
    """A method that builds a new text or collection (`split`, `items`), counted against the run's budget."""
    return lambda *args, **kwargs: _built(method(*args, **kwargs))


_JAVA_COMMON: dict[str, Callable[..., Any]] = {"equals": operator.eq, "isEmpty": _empty}
_STRING_METHODS: dict[str, Callable[..., Any]] = {
    "lower": str.lower, "upper": str.upper, "strip": str.strip, "lstrip": str.lstrip, "rstrip": str.rstrip,
    "startswith": str.startswith, "endswith": str.endswith, "split": _building(str.split), "join": _join,
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
    "get": Mapping.get, "keys": _building(lambda mapping: list(mapping.keys())),
    "values": _building(lambda mapping: list(mapping.values())),
    "items": _building(lambda mapping: list(mapping.items())),
    "containsKey": operator.contains, "size": len, **_JAVA_COMMON,
}


def _growing(method: Callable[..., Any], count: Callable[..., int] = lambda *args: 1) -> Callable[..., Any]:
    """A method that adds to a list, map or set in place, counted against the run's budget."""
    def grow(container: Any, *args: Any, **kwargs: Any) -> Any:
        _spend(built=count(*args))
        return method(container, *args, **kwargs)

    return grow


def _sized(*args: Any) -> int:
    return len(args[0]) if args and isinstance(args[0], Sized) else 1


# Methods that change the list, map or set they are called on: only scripts may call them.
_LIST_CHANGES: dict[str, Callable[..., Any]] = {
    "append": _growing(list.append), "extend": _growing(list.extend, _sized), "insert": _growing(list.insert),
    "pop": list.pop, "remove": list.remove, "clear": list.clear, "reverse": list.reverse, "sort": list.sort,
}
_MAP_CHANGES: dict[str, Callable[..., Any]] = {
    "update": _growing(dict.update, _sized), "pop": dict.pop, "setdefault": _growing(dict.setdefault),
    "clear": dict.clear, "popitem": dict.popitem,
}
_SET_CHANGES: dict[str, Callable[..., Any]] = {
    "add": _growing(set.add), "update": _growing(set.update, _sized), "discard": set.discard,
    "remove": set.remove, "clear": set.clear, "pop": set.pop,
}
_CHANGES_IN_PLACE = frozenset(_LIST_CHANGES) | frozenset(_MAP_CHANGES) | frozenset(_SET_CHANGES)
_LIST_METHODS = {**_SEQUENCE_METHODS, **_LIST_CHANGES, "copy": _collection(list)}
_MAP_METHODS = {**_MAPPING_METHODS, **_MAP_CHANGES, "copy": _collection(dict)}
_SET_METHODS: dict[str, Callable[..., Any]] = {
    **_SET_CHANGES, "copy": _collection(set), "union": _building(set.union),
    "intersection": _building(set.intersection), "difference": _building(set.difference), "issubset": set.issubset, "issuperset": set.issuperset,
    "contains": operator.contains, "size": len, **_JAVA_COMMON,
}
_STRING_TESTS: dict[str, Callable[..., Any]] = {
    "isdigit": str.isdigit, "isalpha": str.isalpha, "isalnum": str.isalnum, "isspace": str.isspace,
    "islower": str.islower, "isupper": str.isupper, "title": str.title, "capitalize": str.capitalize,
    "splitlines": _building(str.splitlines), "partition": str.partition, "rpartition": str.rpartition,
}


def _strftime(value: date, layout: str) -> str:
    _check_items(len(layout) * 40)  # no directive writes more than about 40 characters
    return value.strftime(layout)


_DATE_METHODS: dict[str, Callable[..., Any]] = {
    "strftime": _strftime, "isoformat": lambda value, *args: value.isoformat(*args),
    "timestamp": datetime.timestamp, "date": datetime.date, "weekday": date.weekday,
    "isoweekday": date.isoweekday, "replace": lambda value, **fields: value.replace(**fields),
    "astimezone": lambda value, zone=None: value.astimezone(zone),
}
_DURATION_METHODS: dict[str, Callable[..., Any]] = {"total_seconds": timedelta.total_seconds}
_TIME_FIELDS = frozenset({"year", "month", "day", "hour", "minute", "second", "microsecond", "tzinfo", "days",
                          "seconds", "microseconds"})


class _Module(Mapping[str, Any]):
    """A module of SpiffWorkflow's script environment: its members read as fields (`datetime.timezone.utc`),
    its functions called as methods (`datetime.utcnow()`); clock reads use the engine's clock."""

    def __init__(self, name: str, members: dict[str, Any], functions: dict[str, Callable[..., Any]]) -> None:
        self.name, self.members, self.functions = name, members, functions

    def __getitem__(self, key: str) -> Any:
        return self.members[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)

    def __repr__(self) -> str:
        return f"<module {self.name}>"


def _local_now(zone: Any = None) -> datetime:
    """datetime.now(): the engine's clock, in local time without a zone as Python gives it, or in `zone`."""
    return _clock().astimezone(zone) if zone is not None else _clock().astimezone().replace(tzinfo=None)


_TIMEZONE = _Module("timezone", {"utc": timezone.utc}, {})
# SpiffArena gives scripts the class datetime, spiff-example-cli the module: this one serves as both
# (datetime.utcnow() and datetime.datetime.utcnow()).
_DATETIME = _Module("datetime", {"timezone": _TIMEZONE}, {
    "now": lambda module, zone=None: _local_now(zone), "today": lambda module: _local_now(),
    "utcnow": lambda module: _clock().astimezone(timezone.utc).replace(tzinfo=None),
    "fromisoformat": lambda module, text: datetime.fromisoformat(text),
    "strptime": lambda module, text, layout: datetime.strptime(text, layout),
    "fromtimestamp": lambda module, seconds, zone=None: datetime.fromtimestamp(seconds, zone),
    "utcfromtimestamp": lambda module, seconds: datetime.fromtimestamp(seconds, timezone.utc).replace(tzinfo=None),
    "timedelta": lambda module, *args, **kwargs: timedelta(*args, **kwargs),
    "datetime": lambda module, *args, **kwargs: datetime(*args, **kwargs),
})
_DATETIME.members["datetime"] = _DATETIME
_TIME = _Module("time", {}, {"time": lambda module: _clock().timestamp()})
# The names SpiffWorkflow's script environments give scripts besides their variables.
_NAMES: dict[str, Any] = {"datetime": _DATETIME, "time": _TIME}

_METHOD_NAMES = frozenset().union(*(table.keys() for table in (
    _STRING_METHODS, _STRING_TESTS, _LIST_METHODS, _MAP_METHODS, _SET_METHODS, _DATE_METHODS, _DURATION_METHODS,
    _DATETIME.functions, _TIME.functions)))


def _methods_of(value: Any) -> Mapping[str, Callable[..., Any]]:
    if isinstance(value, _Module):
        return value.functions
    return next((table for kind, table in _METHODS_BY_TYPE if isinstance(value, kind)), {})


_METHODS_BY_TYPE: tuple[tuple[type, Mapping[str, Callable[..., Any]]], ...] = (
    (str, {**_STRING_METHODS, **_STRING_TESTS}), (list, _LIST_METHODS), (tuple, _SEQUENCE_METHODS),
    (dict, _MAP_METHODS), (Mapping, _MAPPING_METHODS), (set, _SET_METHODS), (date, _DATE_METHODS),
    (timedelta, _DURATION_METHODS))


def _refuse_changes_in_place(tree: ast.AST) -> None:
    """An expression must not change a variable in place (`items.append(x)` in a condition): only a script's
    changes are written back."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in _CHANGES_IN_PLACE:
            raise ExpressionError(f"the method {node.func.attr!r} changes a value in place, which only a "
                                  f"script may do")

