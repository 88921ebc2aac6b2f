"""Semantics of DMN 1.5 10.3.2: null and three-valued logic, equality and order, arithmetic tables, paths,
filters, iteration, functions, contexts, and the `instance of` types."""
from __future__ import annotations

from decimal import Decimal

import pytest

from bpmn_runtime.feel import FeelEvaluationError, Range
from tests.feel.conftest import feel


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true and null", None), ("false and null", False), ("null and false", False), ("true or null", True),
        ("false or null", None), ("not(null)", None), ("not(true)", False), ('1 and true', None),
        ("if null then 1 else 2", 2), ('if "yes" then 1 else 2', None),  # DMN 1.5: not boolean, not null
        ('[1, 2][if item = 1 then true else "x"]', None), ('some x in [1] satisfies "x"', None),
        ("[1, 2][null]", []), ("some x in [1] satisfies null", False), ("every x in [1] satisfies null", False),
        ("null = null", True), ("1 = null", False), ("null != 1", True), ('1 = "1"', None), ("1 < null", None),
        ("true < false", None), ("[1, 2] = [1, 2]", True), ("{a: 1} = {a: 1.0}", True),
    ],
)
def test_null_and_three_valued_logic(text: str, expected: object) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.1 + 0.2 = 0.3", True), ("1 / 3", Decimal("0.3333333333333333333333333333333333")),
        ("2 / 3 * 3", Decimal("2.000000000000000000000000000000000")), ("10 ** 2", 100),
        ("1 / 0", None), ("0 / 0", None), ("10 ** 10000", None), ('"a" + "b"', "ab"), ('"a" + 1', None),
        ("-(1)", -1), ('-"a"', None), ("123456789012345678901234567890123456789 + 0",
                                        Decimal("1.234567890123456789012345678901235E+38")),
    ],
)
def test_numbers_are_decimal128(text: str, expected: object) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # dates
        ('date("2021-01-31") + duration("P1M")', 'date("2021-02-28")'),  # the last day when the month is short
        ('date("2020-02-29") + duration("P1Y")', 'date("2021-02-28")'),
        ('date("2021-01-01") - duration("P1D")', 'date("2020-12-31")'),
        ('date("2021-01-01") + duration("PT36H")', 'date("2021-01-02")'),
        ('date("2021-03-01") - date("2021-02-01")', 'duration("P28D")'),
        # date and time
        ('date and time("2021-01-01T10:00:00") + duration("PT1H")', 'date and time("2021-01-01T11:00:00")'),
        ('date and time("2021-01-01T10:00:00+01:00") - date and time("2021-01-01T10:00:00Z")',
         'duration("-PT1H")'),
        ('date and time("2021-03-28T01:30:00@Europe/Paris") + duration("PT1H")',
         'date and time("2021-03-28T03:30:00@Europe/Paris")'),  # across the change to summer time
        ('date and time("2021-01-01T00:00:00") - date and time("2021-01-01T00:00:00Z")', "null"),
        ('date and time("-2021-01-01T10:10:10+11:00") + duration("P1D")',
         'date and time("-2021-01-02T10:10:10+11:00")'),
        # times
        ('time("23:00:00") + duration("PT2H")', 'time("01:00:00")'),
        ('time("10:00:00") - time("08:30:00")', 'duration("PT1H30M")'),
        ('time("10:00:00+02:00") - time("10:00:00Z")', 'duration("-PT2H")'),
        # durations
        ('duration("P1Y") + duration("P2M")', 'duration("P1Y2M")'),
        ('duration("P1D") * 1.5', 'duration("P1DT12H")'),
        ('duration("P1Y") / 2', 'duration("P6M")'),
        ('duration("P1D") / duration("PT6H")', "4"),
        ('duration("P1Y") + duration("P1D")', "null"),
        ('date("2021-01-01") + 1', "null"),
    ],
)
def test_temporal_arithmetic(text: str, expected: str) -> None:
    assert feel(text) == feel(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('date("2021-01-01") < date("2021-01-02")', True),
        ('date and time("2021-01-01T10:00:00+01:00") = date and time("2021-01-01T09:00:00Z")', True),
        ('date and time("2021-01-01T10:00:00") < date and time("2021-01-01T10:00:00Z")', None),
        ('time("10:00:00") < time("11:00:00")', True),
        ('duration("P1D") > duration("PT23H")', True), ('duration("P1Y") > duration("P11M")', True),
        ('duration("P1Y") > duration("P1D")', None), ('"a" < "b"', True), ('"B" < "a"', True),
        ('date("2021-01-01") = date and time("2021-01-01T00:00:00")', None),
    ],
)
def test_order_and_equality_of_temporal_values(text: str, expected: object) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('date("2021-03-04").year', 2021), ('date("2021-03-04").weekday', 4),
        ('date and time("2021-03-04T05:06:07+02:00").time offset', feel('duration("PT2H")')),
        ('date and time("2021-03-04T05:06:07@Europe/Paris").timezone', "Europe/Paris"),
        ('time("05:06:07").minute', 6), ('duration("P2DT3H").hours', 3), ('duration("-P1Y5M").months', -5),
        ("[1..5].end included", True), ("(< 5).start", None),
        ("{a: 1}.b", None), ("null.a", None), ("[{a: 1}, {a: 2}].a", [1, 2]), ('"x".length', None),
    ],
)
def test_paths(text: str, expected: object) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1, 2, 3][1]", 1), ("[1, 2, 3][-1]", 3), ("[1, 2, 3][0]", None), ("[1, 2, 3][4]", None),
        ("[1, 2, 3][item > 1]", [2, 3]), ("[{a: 1}, {a: 2}][a > 1]", [{"a": 2}]),
        ("[{a: 1}, {a: 2}][item.a = 1].a", [1]), ("5[1]", 5), ("5[item > 3]", [5]), ("[1, 2][i]", 2),
        ('[1, "a", 3][item > 2]', [3]), ("[{item: 5}, {item: 1}][item > 2]", [{"item": 5}]),
    ],
)
def test_filters(text: str, expected: object) -> None:
    assert feel(text, {"i": 2}) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("for x in [1, 2] return x * 2", [2, 4]), ("for x in 1..3 return x", [1, 2, 3]),
        ("for x in 3..1 return x", [3, 2, 1]), ("for x in [1, 2], y in [10, 20] return x + y", [11, 21, 12, 22]),
        ("for x in 0..4 return if x = 0 then 1 else x * partial[-1]", [1, 1, 2, 6, 24]),
        ('for d in @"2021-01-30"..@"2021-02-01" return string(d)', ["2021-01-30", "2021-01-31", "2021-02-01"]),
        ("for x in 1.5..3 return x", None), ("for x in [] return x", []),
        ("some x in [1, 2] satisfies x > 1", True), ("every x in [1, 2] satisfies x > 1", False),
        ("some x in [] satisfies true", False), ("every x in [] satisfies false", True),
        ("some x in [1, 2], y in [2, 3] satisfies x = y", True),
    ],
)
def test_iteration(text: str, expected: object) -> None:
    assert feel(text) == expected


def test_user_functions_close_over_their_scope_and_take_named_arguments() -> None:
    assert feel("(function(a, b) a - b)(5, 3)") == 2
    assert feel("(function(a, b) a - b)(b: 5, a: 3)") == -2
    assert feel("{rate: 2, f: function(x) x * rate}.f(4)") == 8
    assert feel("{make: function(n) function(x) x + n, add2: make(2), r: add2(1)}.r") == 3
    assert feel("(function(a: number) a)(\"x\")") is None  # a typed parameter refuses another type
    assert feel("(function(a) a)(1, 2)") is None
    assert feel("(function(a, b) b)(1)") is None  # a missing argument is null


def test_contexts_see_earlier_entries_and_keep_order() -> None:
    assert feel('{"b": 1, a: b + 1, "c d": a * 2}') == {"b": 1, "a": 2, "c d": 4}
    assert list(feel("{z: 1, a: 2}")) == ["z", "a"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 instance of number", True), ('"a" instance of string', True), ("null instance of number", False),
        ("[1, 2] instance of list<number>", True), ('[1, "a"] instance of list<number>', False),
        ('{a: 1, b: "x"} instance of context<a: number>', True), ("{b: 1} instance of context<a: number>", False),
        ("(function(a) a) instance of function<Any> -> Any", True), ("count instance of function", True),
        ("[1..2] instance of range<number>", True), ('@"P1D" instance of days and time duration', True),
        ("1 instance of Any", True), ("null instance of Null", True), ("1 instance of tUnknown", None),
    ],
)
def test_instance_of(text: str, expected: object) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 in [1..10]", True), ("5 in (5..10]", False), ("5 in < 10", True), ("5 in (1, 5, 9)", True),
        ("5 in [4, 5]", True), ("5 in [[1..3], [4..6]]", True), ("5 in 5", True), ('5 in "5"', None),
        ("5 in (> 6, < 4)", False), ("null in [1, null]", True),
    ],
)
def test_in(text: str, expected: object) -> None:
    assert feel(text) == expected


def test_ranges_are_values() -> None:
    assert feel("[1..10]") == Range(Decimal(1), Decimal(10), True, True)
    assert feel('[1.."a"]') is None  # end points of different kinds


def test_unknown_names_are_null_with_a_reason(notes: list[str]) -> None:
    assert feel("missing + 1", notes=notes) is None
    assert notes == ["no variable named 'missing'"]


def test_a_function_cannot_leave_feel_as_data() -> None:
    from bpmn_runtime.feel import evaluate

    with pytest.raises(FeelEvaluationError, match="cannot be stored"):
        evaluate("function(x) x")
