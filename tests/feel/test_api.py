"""The public API: JSON conversion at the boundary, scopes of FEEL values, Python functions, notes, threads."""
from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest

from bpmn_runtime.feel import (
    FeelEvaluationError,
    PythonFunction,
    Scope,
    compile_expression,
    evaluate,
    to_feel,
    to_python,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 1", 2), ("1 / 4", 0.25), ('date("2020-01-01")', "2020-01-01"), ('duration("P1D")', "P1D"),
        ('duration("P1Y2M")', "P1Y2M"), ('time("10:00:00+02:00")', "10:00:00+02:00"),
        ('date and time("2020-01-01T10:00:00@Europe/Paris")', "2020-01-01T10:00:00+01:00[Europe/Paris]"),
        ('date and time("2020-01-01T10:00:00")', "2020-01-01T10:00:00"),
        ("{a: [1, 2.5, null]}", {"a": [1, 2.5, None]}), ("1e40", 10**40),
    ],
)
def test_results_become_json_as_zeebe_stores_them(text: str, expected: Any) -> None:
    result = evaluate(text)
    assert result == expected and type(result) is type(expected)


def test_json_variables_become_feel_values() -> None:
    assert to_feel({"a": [1, 2.5, True, None, "x"]}) == {"a": [Decimal(1), Decimal("2.5"), True, None, "x"]}
    assert to_feel(0.1) == Decimal("0.1")  # the float's shortest text, not its binary expansion
    assert evaluate("amount * 2", {"amount": 0.1}) == 0.2


def test_a_stored_date_and_time_in_a_zone_reads_back() -> None:
    stored = evaluate('date and time("2022-09-14T17:00:00@Europe/Berlin")')
    assert stored == "2022-09-14T17:00:00+02:00[Europe/Berlin]"  # as Zeebe stores it (java.time's form)
    assert evaluate('string(date and time(x))', {"x": stored}) == "2022-09-14T17:00:00@Europe/Berlin"


def test_strings_that_look_like_dates_stay_strings_as_in_zeebe() -> None:
    assert evaluate('d < date("2021-01-01")', {"d": "2020-01-01"}) is None
    assert evaluate('date(d) < date("2021-01-01")', {"d": "2020-01-01"}) is True


def test_functions_and_ranges_cannot_be_stored() -> None:
    with pytest.raises(FeelEvaluationError, match="cannot be stored"):
        to_python(compile_expression("[1..2]").evaluate())
    with pytest.raises(FeelEvaluationError, match="cannot be a FEEL value"):
        to_feel(object())


def test_a_scope_of_feel_values_is_used_without_conversion() -> None:
    """What a DMN engine does: decisions, inputs and BKMs as FEEL values, BKMs as Python functions."""
    discount = PythonFunction("discount", ["amount", "rate"], lambda amount, rate: amount * rate)
    scope = Scope({"Order Total": Decimal(200), "discount": discount, "Tier": "gold"})
    assert compile_expression("discount(Order Total, 0.1)").evaluate(scope) == Decimal("20.0")
    assert compile_expression("discount(rate: 0.5, amount: 10)").evaluate(scope) == 5
    inner = Scope({"Tier": "silver"}, parent=scope)
    assert compile_expression("Tier + \" \" + string(Order Total)").evaluate(inner) == "silver 200"


def test_python_functions_can_be_passed_to_feel_functions() -> None:
    by_length = PythonFunction("by length", ["a", "b"], lambda a, b: len(a) < len(b))
    assert compile_expression("sort(words, by length)").evaluate(Scope({"words": ["ccc", "a", "bb"], "by length":
                                                                         by_length})) == ["a", "bb", "ccc"]


def test_notes_say_why_a_result_is_null() -> None:
    notes: list[str] = []
    assert compile_expression('amount + " EUR"').evaluate({"amount": 5}, notes=notes) is None
    assert notes == ["cannot add a number and a string"]


def test_compiled_expressions_are_shared_between_threads() -> None:
    expression = compile_expression("for x in 1..200 return x * n")
    results: list[Any] = []

    def work(n: int) -> None:
        results.append(expression.evaluate({"n": n})[-1])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200 * n for n in range(8)]
