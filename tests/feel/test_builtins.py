"""Built-in functions: the examples of DMN 1.5 10.3.4 and of Camunda's FEEL documentation, named parameters,
and null (with a reason) for arguments of the wrong kind."""
from __future__ import annotations

import time
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from bpmn_runtime.feel import FeelEvaluationError
from bpmn_runtime.feel.builtins import BUILTINS
from tests.feel.conftest import feel

EXAMPLES = [
    # conversion
    ('date("2012-12-25") - date("2012-12-24") = duration("P1D")', "true"),
    ('date(2012, 12, 25)', 'date("2012-12-25")'), ('date(date and time("2012-12-25T11:00:00"))', 'date("2012-12-25")'),
    ('date("2012-02-30")', "null"), ('date and time("2012-12-24T23:59:00") + duration("PT1M")',
                                     'date and time("2012-12-25T00:00:00")'),
    ('date and time(date("2012-12-24"), time("23:59:00"))', 'date and time("2012-12-24T23:59:00")'),
    ('date and time(@"2020-07-31T14:27:30@Europe/Berlin", "America/Los_Angeles")',
     'date and time("2020-07-31T05:27:30@America/Los_Angeles")'),
    ('time("23:59:00z") + duration("PT2M")', "null"), ('time("23:59:00Z") + duration("PT2M")', 'time("00:01:00Z")'),
    ('time(14, 30, 0, duration("PT1H"))', 'time("14:30:00+01:00")'), ('time(23, 59, 0)', 'time("23:59:00")'),
    ('time(date and time("2012-12-25T11:00:00Z"))', 'time("11:00:00Z")'),
    ('number("1 000,0", " ", ",")', "1000.0"), ('number("12")', "12"), ('number("1e3")', "1000"),
    ('number("abc")', "null"),
    ('string(1.1)', '"1.1"'), ('string(null)', "null"), ('string(date("2012-12-25"))', '"2012-12-25"'),
    ('string(1/3)', '"0.3333333333333333333333333333333333"'), ('string(100)', '"100"'), ('string(1e2)', '"100"'),
    ('string([1, "a"])', '"[1, \\"a\\"]"'),
    ('duration("P2DT20H14M")', 'duration("P2DT20H14M")'), ('duration("P2Y2M")', 'duration("P26M")'),
    ('duration("P1Y2D")', "null"),
    ('years and months duration(date("2011-12-22"), date("2013-08-24"))', 'duration("P1Y8M")'),
    ('years and months duration(date("2013-08-24"), date("2011-12-22"))', 'duration("-P1Y8M")'),
    ('context([{key: "a", value: 1}, {key: "b", value: 2}])', "{a: 1, b: 2}"),
    ('context([{key: "a"}])', "null"), ('range("[18..21)")', "[18..21)"), ('range("<18")', "null"),
    # boolean
    ("not(true)", "false"), ("is defined(null)", "false"), ("is defined(1)", "true"),
    ('get or else("this", "default")', '"this"'), ('get or else(null, null)', "null"),
    # string
    ('substring("foobar", 3)', '"obar"'), ('substring("foobar", 3, 3)', '"oba"'), ('substring("foobar", -2, 1)', '"a"'),
    ('substring("\\U01F40Efoo", 2)', '"foo"'), ('string length("foo")', "3"), ('upper case("aBc4")', '"ABC4"'),
    ('lower case("aBc4")', '"abc4"'), ('substring before("foobar", "bar")', '"foo"'),
    ('substring before("foobar", "xyz")', '""'), ('substring after("foobar", "ob")', '"ar"'),
    ('substring after("", "a")', '""'), ('replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")', '"[1=ab][2=]cd"'),
    ('replace("0123456789", "(\\d{3})(\\d{3})(\\d{4})", "($1) $2-$3")', '"(012) 345-6789"'),
    ('replace("How do you feel?", "Feel", "FEEL", "i")', '"How do you FEEL?"'),
    ('replace("a.b.c", ".", "-", "q")', '"a-b-c"'), ('replace("abc", "x*", "-")', "null"),
    ('contains("foobar", "of")', "false"), ('starts with("foobar", "fo")', "true"),
    ('ends with("foobar", "r")', "true"), ('matches("foobar", "^fo*b")', "true"),
    ('matches("FooBar", "foo", "i")', "true"), ('matches("a\\nb", "^b$", "m")', "true"),
    ('matches("ab", "a b", "x")', "true"),
    ('split("John Doe", "\\s")', '["John", "Doe"]'), ('split("a;b;c;;", ";")', '["a", "b", "c", "", ""]'),
    ('string join(["a", "b", "c"], "_and_")', '"a_and_b_and_c"'), ('string join(["a", null, "c"])', '"ac"'),
    ('string join([])', '""'), ('string join(["a", "b", "c"], ", ", "[", "]")', '"[a, b, c]"'),
    ('string join([1])', "null"),
    ('extract("references are 1234, 1256, 1378", "12[0-9]*")', '["1234", "1256"]'),
    ('trim("  hello  ")', '"hello"'), ('is blank(" ")', "true"), ('is blank("a")', "false"),
    ('to base64("FEEL")', '"RkVFTA=="'), ('from json("{\\"a\\": [1, true, null]}")', "{a: [1, true, null]}"),
    ('to json({a: [1, "x", null]})', '"{\\"a\\": [1, \\"x\\", null]}"'), ('from json("{")', "null"),
    # list
    ("list contains([1, 2, 3], 2)", "true"), ("count([1, 2, 3])", "3"), ("min([1, 2, 3])", "1"),
    ("min(1, 2, 3)", "1"), ('max("a", "c", "b")', '"c"'), ("max([])", "null"), ("sum([1, 2, 3])", "6"),
    ("sum(1, 2, 3)", "6"), ("sum([])", "null"), ("mean([1, 2, 3])", "2"), ("mean(1, 2, 3)", "2"),
    ("product(2, 3, 4)", "24"), ("median(8, 2, 5, 3, 4)", "4"), ("median([6, 1, 2, 3])", "2.5"),
    ("stddev(2, 4, 7, 5)", "2.081665999466132735282297706979931"), ("mode(6, 3, 9, 6, 6)", "[6]"),
    ("mode([6, 1, 9, 6, 1])", "[1, 6]"), ("mode([])", "[]"), ("all([false, null, true])", "false"),
    ("all(true)", "true"), ("all([])", "true"), ("any([false, null, true])", "true"), ("any([])", "false"),
    ("and([true, null])", "null"), ("or(false, true)", "true"),
    ("sublist([4, 5, 6], 1, 2)", "[4, 5]"), ("sublist([4, 5, 6], -1)", "[6]"), ("sublist([1], 3)", "null"),
    ("append([1], 2, 3)", "[1, 2, 3]"), ("concatenate([1, 2], [3])", "[1, 2, 3]"),
    ("insert before([1, 3], 1, 2)", "[2, 1, 3]"), ("remove([1, 2, 3], 2)", "[1, 3]"),
    ("reverse([1, 2, 3])", "[3, 2, 1]"), ("index of([1, 2, 3, 2], 2)", "[2, 4]"),
    ("union([1, 2], [2, 3])", "[1, 2, 3]"), ("distinct values([1, 2, 3, 2, 1])", "[1, 2, 3]"),
    ("distinct values([[1], [1], {a: 1}, {a: 1.0}])", "[[1], {a: 1}]"),
    ("duplicate values([1, 2, 1, 3, 2, 2])", "[1, 2]"),
    ("flatten([[1, 2], [[3]], 4])", "[1, 2, 3, 4]"),
    ("sort(list: [3, 1, 4, 5, 2], precedes: function(x, y) x < y)", "[1, 2, 3, 4, 5]"), ("sort([3, 1, 2])", "[1, 2, 3]"),
    ("list replace([2, 4, 7, 8], 3, 6)", "[2, 4, 6, 8]"),
    ("list replace([2, 4, 7, 8], function(item, newItem) item < newItem, 5)", "[5, 5, 7, 8]"),
    ("is empty([])", "true"), ("is empty([1])", "false"), ("partition([1, 2, 3, 4, 5], 2)", "[[1, 2], [3, 4], [5]]"),
    ("partition([1], 0)", "null"),
    # numeric
    ("decimal(1/3, 2)", "0.33"), ("decimal(1.5, 0)", "2"), ("decimal(2.5, 0)", "2"), ("decimal(1.035, 2)", "1.04"),
    ("floor(1.5)", "1"), ("floor(-1.56, 1)", "-1.6"), ("ceiling(-1.5)", "-1"), ("ceiling(-1.56, 1)", "-1.5"),
    ("round up(5.5, 0)", "6"), ("round up(-5.5, 0)", "-6"), ("round up(1.121, 2)", "1.13"),
    ("round down(-5.5, 0)", "-5"), ("round half up(-5.5, 0)", "-6"), ("round half up(1.121, 2)", "1.12"),
    ("round half down(5.5, 0)", "5"), ("round half down(-1.126, 2)", "-1.13"),
    ("abs(-10)", "10"), ('abs(duration("-PT5H"))', 'duration("PT5H")'), ("modulo(12, 5)", "2"),
    ("modulo(-12, 5)", "3"), ("modulo(12, -5)", "-3"), ("modulo(10.1, 4.5)", "1.1"), ("modulo(1, 0)", "null"),
    ("sqrt(16)", "4"), ("sqrt(-1)", "null"), ("decimal(log(10), 12)", "2.302585092994"),
    ("decimal(exp(5), 10)", "148.4131591026"), ("odd(5)", "true"), ("even(2)", "true"), ("even(5)", "false"),
    # temporal
    ('day of year(date(2019, 9, 17))', "260"), ('day of week(date(2019, 9, 17))', '"Tuesday"'),
    ('month of year(date(2019, 9, 17))', '"September"'), ('week of year(date(2019, 9, 17))', "38"),
    ('week of year(date(2003, 12, 29))', "1"), ('week of year(date(2005, 1, 1))', "53"),
    ('last day of month(date("2022-10-16"))', 'date("2022-10-31")'),
    ('is(date("2012-12-25"), time("23:00:50"))', "false"), ('is(date("2012-12-25"), date("2012-12-25"))', "true"),
    ('is(time("23:00:50Z"), time("23:00:50"))', "false"),
    # context
    ('get value({foo: 123}, "foo")', "123"), ('get value({a: 1}, "b")', "null"),
    ('get value({x: 1, y: {z: 0}}, ["y", "z"])', "0"), ("get entries({foo: 123})", '[{key: "foo", value: 123}]'),
    ('context put({x: 1}, "y", 2)', "{x: 1, y: 2}"), ('context put({x: 1, y: {z: 0}}, ["y", "a"], 2)',
                                                     "{x: 1, y: {z: 0, a: 2}}"),
    ("context merge([{x: 1}, {y: 2}])", "{x: 1, y: 2}"), ("context merge([{x: 1}, {x: 2}])", "{x: 2}"),
    ('put({x: 1}, "y", 2)', "{x: 1, y: 2}"), ("put all({x: 1}, {y: 2})", "{x: 1, y: 2}"),
    # range
    ("before(1, 10)", "true"), ("before(10, 1)", "false"), ("before(1, [2..5])", "true"),
    ("before([1..5], 10)", "true"), ("before([1..5], [6..8])", "true"), ("before([1..5], [5..8])", "false"),
    ("before([1..5), [5..8])", "true"), ("after(10, 1)", "true"), ("after([6..8], [1..5])", "true"),
    ("meets([1..5], [5..8])", "true"), ("meets([1..5), [5..8])", "false"), ("met by([5..8], [1..5])", "true"),
    ("overlaps([1..5], [3..8])", "true"), ("overlaps([1..5], [6..8])", "false"),
    ("overlaps before([1..5], [3..8])", "true"), ("overlaps after([3..8], [1..5])", "true"),
    ("finishes(10, [1..10])", "true"), ("finishes([3..5], [1..5])", "true"), ("finished by([1..10], 10)", "true"),
    ("includes([1..10], 5)", "true"), ("includes([1..10], [4..6])", "true"), ("during(5, [1..10])", "true"),
    ("during([4..6], [1..10])", "true"), ("starts(1, [1..5])", "true"), ("starts([1..5], [1..10])", "true"),
    ("started by([1..10], 1)", "true"), ("coincides(5, 5)", "true"), ("coincides([1..5], [1..5])", "true"),
    ("before(1, < 5)", "false"), ("after(10, < 5)", "true"), ('before("a", 1)', "null"),
]


@pytest.mark.parametrize(("text", "expected"), EXAMPLES)
def test_examples(text: str, expected: str) -> None:
    assert feel(text) == feel(expected)


@pytest.mark.parametrize(
    "text",
    ['substring(string: "foobar", start position: 3)', 'substring(start position: 3, string: "foobar")',
     'sublist(list: ["o", "b", "a", "r"], start position: 1)', 'string length(string: "obar")'],
)
def test_named_parameters_use_the_specification_names(text: str) -> None:
    assert feel(text) in ("obar", ["o", "b", "a", "r"], 4)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abs(number: -1)", "abs() cannot be called with the parameters 'number'"),
        ('substring(1, 2)', "substring(): string must be a string, not number"),
        ('count()', "count() cannot be called with no arguments"),
        ('sum([1, "a"])', "sum(): list must hold only numbers, not string"),
        ('matches("a", "(")', "matches(): the pattern '(' is not a valid regular expression"),
        ('matches("aa", "(a)\\1")', "back-references"),
        ('matches("a", "[a-z-[aeiou]]")', "character class subtraction"),
        ('matches("a", "\\i")', "XML name characters"),
        ('matches("a", "a", "g")', "unknown regular expression flag 'g'"),
        ('date("2021-02-30")', "is not a valid date"),
    ],
)
def test_wrong_arguments_give_null_with_a_reason(text: str, reason: str, notes: list[str]) -> None:
    assert feel(text, notes=notes) is None
    assert any(reason in note for note in notes), notes


def test_regular_expressions_cannot_backtrack_catastrophically() -> None:
    started = time.perf_counter()
    assert feel('matches(x, "(a+)+$")', {"x": "a" * 50_000 + "!"}) is False
    assert time.perf_counter() - started < 1.0


def test_assert_fails_the_evaluation_with_its_cause() -> None:
    assert feel("assert(4, 4 >= 0)") == 4
    with pytest.raises(FeelEvaluationError, match="'x' should be positive"):
        feel("assert(x, x >= 0, \"'x' should be positive\")", {"x": -1})


def test_now_and_today_use_the_given_moment() -> None:
    moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert str(feel("now()", now=moment)) == "2030-01-02T03:04:05Z"
    assert str(feel("today()", now=moment)) == "2030-01-02"
    assert feel("now() instance of date and time") is True


def test_uuid_and_random_number_are_fresh_values() -> None:
    assert feel("uuid()") != feel("uuid()")
    assert len(feel("uuid()")) == 36
    number = feel("random number()")
    assert isinstance(number, Decimal) and 0 <= number < 1


def test_every_builtin_of_dmn_1_5_is_there() -> None:
    dmn = {
        "date", "date and time", "time", "number", "string", "duration", "years and months duration", "not",
        "substring", "string length", "upper case", "lower case", "substring before", "substring after", "replace",
        "contains", "starts with", "ends with", "matches", "split", "string join", "list contains", "count",
        "min", "max", "sum", "mean", "all", "any", "sublist", "append", "concatenate", "insert before", "remove",
        "reverse", "index of", "union", "distinct values", "flatten", "product", "median", "stddev", "mode",
        "decimal", "floor", "ceiling", "round up", "round down", "round half up", "round half down", "abs",
        "modulo", "sqrt", "log", "exp", "odd", "even", "is", "before", "after", "meets", "met by", "overlaps",
        "overlaps before", "overlaps after", "finishes", "finished by", "includes", "during", "starts",
        "started by", "coincides", "day of year", "day of week", "month of year", "week of year", "sort",
        "get value", "get entries", "context", "context put", "context merge", "now", "today", "range",
        "list replace",
    }
    assert dmn <= set(BUILTINS), sorted(dmn - set(BUILTINS))
