"""Unary tests, as decision table input entries and Camunda's input checks use them (DMN 1.5 10.3.2.12)."""
from __future__ import annotations

from typing import Any

import pytest

from bpmn_runtime.feel import FeelSyntaxError, Scope, compile_unary_tests, to_feel
from tests.feel.conftest import feel


@pytest.mark.parametrize(
    ("tests", "value", "expected"),
    [
        ("-", 99, True), ("-", None, True),
        ("< 5", 3, True), ("< 5", 5, False), ("<= 5", 5, True), ("> 5", 6, True), (">= 5", 4, False),
        ("[1..10]", 10, True), ("(1..10)", 10, False), ("]1..10[", 1, False), ("[1..10)", 10, False),
        ('"a", "b"', "b", True), ('"a", "b"', "c", False), ("< 5, > 10", 11, True), ("< 5, > 10", 7, False),
        ('not("a", "b")', "c", True), ('not("a", "b")', "a", False), ("not(< 5)", 3, False),
        ("? > 5", 6, True), ("? > 5", 4, False), ('contains(?, "x")', "abx", True), ("count(?) > 1", [1, 2], True),
        ("odd(?)", 3, True),
        ("true", True, True), ("true", False, False), ("false", False, True),  # a boolean entry is compared
        ("x", 3, True), ("x", 4, False),  # an expression's value is compared with the input
        ("[1, 2, 3]", 2, True), ("[1, 2, 3]", 5, False),  # ... or a list containing it
        ("y", 4, True),  # ... or a range containing it
        ("x > 2", 1, True),  # ... or, when it is a boolean and the input is not, the boolean decides
        ("null", None, True), ("null", 1, False), ("not(null)", 1, True),
        ('date("2020-01-01")', None, False), ('> date("2020-01-01")', None, None),  # null cannot be ordered
        ("10", 10.0, True), ('"10"', 10, False),
    ],
)
def test_matches(tests: str, value: Any, expected: bool | None) -> None:
    variables = Scope({"x": to_feel(3), "y": feel("[3..5]")})
    assert compile_unary_tests(tests).matches(to_feel(value), variables) is expected


def test_unary_test_syntax_errors_are_located() -> None:
    with pytest.raises(FeelSyntaxError, match="line 1, column 6: expected an expression"):
        compile_unary_tests("not(-)")
    with pytest.raises(FeelSyntaxError, match="the unary tests are empty"):
        compile_unary_tests("  ")
