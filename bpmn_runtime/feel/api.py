"""Compiling FEEL text once (cached) and evaluating it against variables."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from lark import Token, Tree

from bpmn_runtime.feel.builtins import BUILTINS
from bpmn_runtime.feel.compiler import Compiled, Compiler, references
from bpmn_runtime.feel.errors import FeelBudgetError, FeelSyntaxError
from bpmn_runtime.feel.fastpath import Fast, fast_form
from bpmn_runtime.feel.grammar import parse
from bpmn_runtime.feel.lexer import KnownNames, tokenize
from bpmn_runtime.feel.operators import matches_value
from bpmn_runtime.feel.scope import DEFAULT_BUDGET, Budget, Env, JsonScope, Scope, State
from bpmn_runtime.feel.types import ALIASES, SIMPLE_TYPES
from bpmn_runtime.feel.values import EqualityTest, Range, compare, equal, to_python

MAX_TEXT = 100_000  # characters of expression text
CACHE_SIZE = 4096
# built-in function and type names with keywords in them (`date and time`, `get or else`)
_BUILTIN_NAMES = KnownNames((*BUILTINS, *SIMPLE_TYPES, *ALIASES))


class Expression:
    """A compiled FEEL expression; evaluate it as often as needed, from any thread."""

    def __init__(self, text: str, run: Compiled, fast: Fast | None = None) -> None:
        self.text = text
        self._run = run
        self._fast = fast  # the same expression without evaluation state, when it is simple enough

    def evaluate(
        self,
        variables: Mapping[str, Any] | Scope | None = None,
        *,
        notes: list[str] | None = None,
        budget: Budget = DEFAULT_BUDGET,
        now: Any = None,
    ) -> Any:
        """The FEEL value of the expression.

        variables: JSON values (converted when read) or a `Scope` of FEEL values (used as they are).
        notes: if given, receives the reasons why parts of the evaluation gave null.
        now: what now() and today() give, a FEEL date and time or a Python datetime (default: the system clock).
        Raises FeelBudgetError past the budget and FeelEvaluationError when evaluation cannot go on.
        """
        if self._fast is not None and notes is None and budget is DEFAULT_BUDGET and not isinstance(variables, Scope):
            return self._fast({} if variables is None else variables)
        return _run(self._run, variables, notes, budget, now)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


class UnaryTests:
    """Compiled unary tests (`< 5`, `[1..10]`, `"a", "b"`, `not(...)`, `-`, expressions with `?`)."""

    def __init__(self, text: str, tests: list[tuple[Compiled, bool, bool]] | None, negated: bool) -> None:
        self.text = text
        self._tests = tests  # None for "-"; else (test, is a comparison or interval, mentions ?)
        self._negated = negated

    def matches(
        self,
        input_value: Any,
        variables: Mapping[str, Any] | Scope | None = None,
        *,
        notes: list[str] | None = None,
        budget: Budget = DEFAULT_BUDGET,
        now: Any = None,
    ) -> bool | None:
        """Whether the input satisfies the tests: true, false, or None (null) when it cannot be decided.

        input_value is a FEEL value (use `to_feel` on JSON values); `?` names it inside the tests.
        """
        if self._tests is None:
            return True
        tests = self._tests

        def decide(env: Env) -> bool | None:
            scoped = env.child({"?": input_value})
            outcome: bool | None = False
            for test, is_simple, mentions_input in tests:
                result = _satisfies(input_value, test(scoped), is_simple, mentions_input)
                if result is True:
                    outcome = True
                    break
                if result is None:
                    outcome = None
            if self._negated and outcome is not None:
                return not outcome
            return outcome

        result: bool | None = _run(decide, variables, notes, budget, now)
        return result

    def __repr__(self) -> str:
        return f"UnaryTests({self.text!r})"


def _satisfies(input_value: Any, value: Any, is_simple: bool, mentions_input: bool) -> bool | None:
    """DMN 1.5's unary tests: a range or list contains the input, a boolean result decides (unless it is a
    constant, compared with a boolean input), any other value is compared with the input."""
    if is_simple or isinstance(value, (Range, EqualityTest, list)):
        return matches_value(input_value, value)
    if isinstance(value, bool) and (mentions_input or not isinstance(input_value, bool)):
        return value
    return equal(input_value, value) is True


def _run(
    run: Callable[[Env], Any],
    variables: Mapping[str, Any] | Scope | None,
    notes: list[str] | None,
    budget: Budget,
    now: Any,
) -> Any:
    """Run compiled FEEL with fresh evaluation state over JSON variables or a scope of FEEL values."""
    scope = variables if isinstance(variables, Scope) else JsonScope({} if variables is None else variables)
    try:
        return run(State(scope, budget, notes, now))
    except RecursionError:
        raise FeelBudgetError("the evaluation nested too deeply") from None


def _prepared(text: str, names: frozenset[str]) -> list[Token]:
    """The tokens of text not too long to compile, names with spaces and symbols merged."""
    if len(text) > MAX_TEXT:
        raise FeelSyntaxError(f"the expression is longer than {MAX_TEXT} characters", 1, 1)
    return tokenize(text, KnownNames(names, base=_BUILTIN_NAMES))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compile_expression(text: str, names: frozenset[str]) -> Expression:
    tokens = _prepared(text, names)
    if not tokens:
        raise FeelSyntaxError("the expression is empty", 1, 1)
    tree = parse(tokens, text, "start")
    return Expression(text, Compiler(text).compile(tree), fast_form(tree))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _compile_unary_tests(text: str, names: frozenset[str]) -> UnaryTests:
    tokens = _prepared(text, names)
    if not tokens:
        raise FeelSyntaxError("the unary tests are empty", 1, 1)
    tree = parse(tokens, text, "unary_tests")
    if tree.data == "any_input":
        return UnaryTests(text, None, False)
    compiler = Compiler(text)
    nodes: list[Any] = [child for child in tree.children if isinstance(child, Tree)]
    negated = False
    if len(nodes) == 1 and nodes[0].data == "keyword_invocation" and str(nodes[0].children[0]) == "not":
        arguments = nodes[0].children[2]
        if isinstance(arguments, Tree) and arguments.data == "positional":  # not(tests): the tests negated
            nodes = [child for child in arguments.children if not (isinstance(child, Token) and child.type == "COMMA")]
            negated = True
    tests = [(compiler.compile(node), _is_simple_test(node), references(node, "?")) for node in nodes]
    return UnaryTests(text, tests, negated)


def _is_simple_test(node: Any) -> bool:
    return isinstance(node, Tree) and node.data in ("unary_comparison", "interval")


def compile_expression(text: str, names: Iterable[str] = ()) -> Expression:
    """Compile FEEL expression text (cached); raises FeelSyntaxError with line and column.

    names: names in scope that contain keywords or symbols (`Loan-Pre-Qualification`, `Is Gold and Active`),
    which the text cannot show to be single names; plain multi-word names need no declaring.
    """
    return _compile_expression(text, frozenset(names))


def compile_unary_tests(text: str, names: Iterable[str] = ()) -> UnaryTests:
    """Compile FEEL unary tests (a decision table input entry), cached like expressions."""
    return _compile_unary_tests(text, frozenset(names))


def check(text: str, names: Iterable[str] = ()) -> None:
    """Raise FeelSyntaxError if `text` is not a FEEL expression."""
    compile_expression(text, names)


def special_names(variables: Mapping[str, Any]) -> frozenset[str]:
    """The variable names that tokenizing must be told about: those that are not plain identifiers."""
    return frozenset(name for name in variables if not name.isidentifier())


def evaluate(text: str, variables: Mapping[str, Any] | None = None, **options: Any) -> Any:
    """Evaluate FEEL text against JSON variables and return a JSON value (see `to_python`)."""
    variables = {} if variables is None else variables
    expression = compile_expression(text, special_names(variables))
    return to_python(expression.evaluate(variables, **options))


def parse_range(text: str) -> Range | None:
    """What range("...") denotes: an interval from a literal to a literal not below it, else None."""
    try:
        tokens = _prepared(text, frozenset())
        tree = parse(tokens, text, "start") if tokens else None
    except FeelSyntaxError:
        return None
    node = tree.children[0] if tree is not None else None
    if not isinstance(node, Tree) or node.data != "interval" or not _literal_ends(node):
        return None
    value = Compiler(text).compile(node)(State(Scope({}), DEFAULT_BUDGET, None, None))
    if not isinstance(value, Range) or (value.start is None and value.end is None):
        return None
    order = compare(value.start, value.end)
    return value if order is None or order <= 0 else None


def _literal_ends(node: Any) -> bool:
    """Whether a test's end points are literals: numbers, strings, @-literals, temporal constructor calls."""
    if isinstance(node, Token):
        return node.type != "NAME"
    if node.data == "invocation":  # date("..."): one string literal given to a temporal constructor
        callee, arguments = node.children[0], node.children[2]
        argument = arguments.children[0] if isinstance(arguments, Tree) and len(arguments.children) == 1 else None
        return (isinstance(callee, Tree) and callee.data == "name"
                and str(callee.children[0]) in ("date", "time", "date and time", "duration")
                and isinstance(argument, Tree) and argument.data == "literal"
                and isinstance(argument.children[0], Token) and argument.children[0].type == "STRING")
    return all(_literal_ends(child) for child in node.children if child is not None)
