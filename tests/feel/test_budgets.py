"""Budgets stop runaway evaluations quickly, with a plain message, and can be configured."""
from __future__ import annotations

import time

import pytest

from bpmn_runtime.feel import Budget, FeelBudgetError
from tests.feel.conftest import feel


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("for x in 1..1000000000 return x", "iterating over 1000000000 values would take more than 1000000 steps"),
        ("{f: function(n) f(n + 1)}.f(1)", "function calls nested more than 200 deep"),
        ('{f: function(s, n) if n = 0 then s else f(s + s, n - 1)}.f("abcdefgh", 30)',
         "characters, more than 10000000"),
        ('string join(for x in 1..200000 return "0123456789012345678901234567890123456789012345678901")',
         "characters, more than 10000000"),
        ("{f: function(l, n) if n = 0 then l else f(concatenate(l, l), n - 1)}.f([1], 30)",
         "more than 1000000"),
    ],
)
def test_runaway_expressions_stop_quickly(text: str, message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(FeelBudgetError, match=message):
        feel(text)
    assert time.perf_counter() - started < 10


def test_budgets_are_configurable() -> None:
    with pytest.raises(FeelBudgetError, match="more than 100 steps"):
        feel("for x in 1..50, y in 1..3 return x", budget=Budget(steps=100))
    with pytest.raises(FeelBudgetError, match="a list would have 11 items, more than 10"):
        feel("for x in 1..11 return x", budget=Budget(list_items=10))
    with pytest.raises(FeelBudgetError, match="a string would have 6 characters, more than 5"):
        feel('"abc" + "def"', budget=Budget(string_length=5))
    shallow = Budget(depth=3)
    with pytest.raises(FeelBudgetError, match="more than 3 deep"):
        feel("{f: function(n) if n = 0 then 0 else f(n - 1)}.f(5)", budget=shallow)
    assert feel("{f: function(n) if n = 0 then 0 else f(n - 1)}.f(2)", budget=shallow) == 0


def test_deep_recursion_within_the_default_depth_is_computed() -> None:
    assert feel("{f: function(n) if n = 0 then 0 else 1 + f(n - 1)}.f(190)") == 190
