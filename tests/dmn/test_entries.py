"""The fast form of literal input entries gives what FEEL's unary tests give, for every kind of input."""
from __future__ import annotations

from decimal import Decimal

import pytest

from bpmn_runtime.dmn.entries import fast_test
from bpmn_runtime.feel import compile_unary_tests
from bpmn_runtime.feel.temporal import parse_date

ENTRIES = ['"a"', '"a", "b"', 'not("a")', 'not("a", "b")', "5", "-1.5", "< 5", "<= 5", "> 5", ">= 5", "!= 5",
           '!= "a"', "= 5", "[1..5]", "(1..5)", "]1..5[", "[1..5)", "not(< 5)", "not([1..5])", "true", "false",
           "not(true)", '"x,y"', '"a", < 5']
INPUTS = [None, Decimal(0), Decimal(1), Decimal(3), Decimal(5), Decimal("-1.5"), Decimal(7), "a", "b", "x,y", "c",
          True, False, [Decimal(1)], {"a": 1}, parse_date("2024-01-01")]


@pytest.mark.parametrize("entry", ENTRIES)
def test_the_fast_form_agrees_with_feel(entry: str) -> None:
    fast = fast_test(entry)
    assert fast is not None, f"{entry} has no fast form"
    feel = compile_unary_tests(entry)
    for value in INPUTS:
        assert fast(value) == feel.matches(value), f"{entry} with {value!r}"


@pytest.mark.parametrize("entry", ["< x", "[1..x]", "date(\"2024-01-01\")", '"a\\"b"', "5 + 1", "not(5) + 1", "",
                                   "?.a = 1"])
def test_anything_else_is_left_to_feel(entry: str) -> None:
    assert fast_test(entry) is None
