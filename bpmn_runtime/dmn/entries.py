"""Decision table input entries as matchers: FEEL unary tests, with a fast form for the common literal ones.

Most cells of real tables are `-`, a string or number literal, a list of them, or a comparison or interval
with literal end points. Those are matched here in plain Python, without FEEL's evaluation state (a tenth
of the time), giving true, false or null exactly as FEEL's unary tests do (`!= 5` holds for null, `< 5`
is null for a string). Every other entry goes to FEEL's `UnaryTests`; `tests/dmn/test_entries.py` checks
that both forms agree.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bpmn_runtime.feel import Budget, Scope, UnaryTests, compile_unary_tests

# (input value, scope, notes, budget, now) -> matched
Matcher = Callable[[Any, Scope, "list[str] | None", Budget, Any], "bool | None"]

_NUMBER = r"-?\d+(?:\.\d+)?"
_STRING = r'"[^"\\]*"'
_LITERAL = rf"(?:{_NUMBER}|{_STRING})"
_COMPARISON = re.compile(rf"\s*(<=|>=|<|>|=|!=)?\s*({_LITERAL})\s*")
_INTERVAL = re.compile(rf"\s*([\[\(\]])\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*([\]\)\[])\s*")
_BOOLEAN = re.compile(r"\s*(true|false)\s*")
_SPLIT = re.compile(rf"\s*((?:{_STRING}|[^,\"])+)\s*(?:,|$)")


def _literal(text: str) -> Decimal | str:
    return text[1:-1] if text.startswith('"') else Decimal(text)


def _single(text: str) -> Callable[[Any], bool | None] | None:
    """A fast test for one literal comparison or interval (true, false or null as FEEL gives), or None when
    the text is anything else."""
    found = _COMPARISON.fullmatch(text)
    if found:
        operator, value = found.group(1), _literal(found.group(2))
        kind = type(value)
        if operator is None:  # a bare literal: equal or not, whatever the input
            return lambda input_value: type(input_value) is kind and input_value == value
        if operator == "=":  # a comparison: null for an input of another type
            return lambda input_value: (False if input_value is None
                                        else input_value == value if type(input_value) is kind else None)
        if operator == "!=":
            return lambda input_value: (True if input_value is None
                                        else input_value != value if type(input_value) is kind else None)
        compare: Callable[[Any], bool] = {"<": lambda a: a < value, "<=": lambda a: a <= value,
                                          ">": lambda a: a > value, ">=": lambda a: a >= value}[operator]
        return lambda input_value: compare(input_value) if type(input_value) is kind else None
    found = _INTERVAL.fullmatch(text)
    if found:
        low, high = Decimal(found.group(2)), Decimal(found.group(3))
        low_in, high_in = found.group(1) == "[", found.group(4) == "]"

        def within(value: Any) -> bool | None:
            if type(value) is not Decimal:
                return None
            above = value >= low if low_in else value > low
            return above and (value <= high if high_in else value < high)
        return within
    found = _BOOLEAN.fullmatch(text)
    if found:  # a boolean constant decides for an input that is not a boolean
        flag = found.group(1) == "true"
        return lambda input_value: input_value is flag if type(input_value) is bool else flag
    return None


def fast_test(text: str) -> Callable[[Any], bool | None] | None:
    """A fast form of `text` when it is a list of literal tests, possibly negated by not(...)."""
    stripped = text.strip()
    negated = stripped.startswith("not(") and stripped.endswith(")")
    if negated:
        stripped = stripped[4:-1]
    pieces = _pieces(stripped)
    if not pieces:
        return None
    tests = [_single(piece) for piece in pieces]
    checks: list[Callable[[Any], bool | None]] = [test for test in tests if test is not None]
    if len(checks) != len(tests):
        return None
    if len(checks) == 1 and not negated:
        return checks[0]

    def any_of(value: Any) -> bool | None:
        outcome: bool | None = False
        for check in checks:
            result = check(value)
            if result is True:
                return True
            if result is None:
                outcome = None
        return outcome
    if negated:
        return lambda value: None if (result := any_of(value)) is None else not result
    return any_of


def _pieces(text: str) -> list[str] | None:
    """The comma-separated parts of `text` (commas in strings kept), or None when it cannot be split so."""
    pieces, position = [], 0
    while position < len(text):
        found = _SPLIT.match(text, position)
        if found is None or found.end() == position:
            return None
        pieces.append(found.group(1).strip())
        position = found.end()
    return pieces


def matcher(text: str, names: frozenset[str]) -> Matcher | None:
    """The matcher of an input entry; None for `-` (and empty), which matches anything. Raises FeelSyntaxError."""
    if text.strip() in ("", "-"):
        return None
    fast = fast_test(text)
    if fast is not None:
        # the FEEL form still checks the text: a literal the fast form took must be FEEL
        compile_unary_tests(text, names)
        return lambda value, scope, notes, budget, now: fast(value)
    tests: UnaryTests = compile_unary_tests(text, names)
    return lambda value, scope, notes, budget, now: tests.matches(value, scope, notes=notes, budget=budget, now=now)
