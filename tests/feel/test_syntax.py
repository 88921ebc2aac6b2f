"""The grammar: names with spaces and symbols, literals, comments, precedence, and located syntax errors."""
from __future__ import annotations

from decimal import Decimal

import pytest

from bpmn_runtime.feel import FeelSyntaxError, check, compile_expression
from bpmn_runtime.feel.api import MAX_TEXT
from bpmn_runtime.feel.compiler import MAX_NESTING
from tests.feel.conftest import feel


@pytest.mark.parametrize(
    ("text", "variables", "expected"),
    [
        ("monthly salary * 12", {"monthly salary": 100}, 1200),
        ("monthly   salary * 12", {"monthly salary": 100}, 1200),  # whitespace inside a name is normalized
        ("address line 1", {"address line 1": "Main St"}, "Main St"),
        ("Applicant's age + 1", {"Applicant's age": 41}, 42),
        ("Loan-Pre-Qualification", {"Loan-Pre-Qualification": "ok"}, "ok"),  # a name in scope with symbols
        ("a-b", {"a-b": 10, "a": 1, "b": 2}, 10),  # the longest name in scope wins, as the spec says
        ("a - b", {"a-b": 10, "a": 1, "b": 2}, -1),  # spaced differently: a subtraction
        ("Is Gold and Active", {"Is Gold and Active": True}, True),  # a name with a keyword, in scope
        ("`order-id`", {"order-id": 7}, 7),  # backticks, as in Camunda 8
        ('{"a-b": 1, c: a-b + 1}.c', {}, 2),  # keys written in the expression are known names
        ("{foo bar: 1, baz: foo bar + 1}.baz", {}, 2),
        ("{foo+bar: 1}", {}, {"foo+bar": Decimal(1)}),
        ("date and time(\"2020-01-01T00:00:00\").year", {}, 2020),  # a built-in name with a keyword
        ("get or else(null, 5)", {}, 5),
        ("x instance of years and months duration", {"x": 1}, False),
        ("order.order date", {"order": {"order date": "today"}}, "today"),
        ("🐎 + 1", {"🐎": 1}, 2),
    ],
)
def test_names(text: str, variables: dict, expected: object) -> None:
    assert feel(text, variables) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", Decimal(1)), (".5", Decimal("0.5")), ("1.23e4", Decimal(12300)), ("-0", Decimal(0)),
        ('"a\\"b"', 'a"b'), ('"tab\\tnew\\nline"', "tab\tnew\nline"), ('"\\u00e9"', "é"),
        ('"\\uD83D\\uDCA9"', "💩"), ('"\\U01F40E"', "🐎"), ('"back\\\\slash"', "back\\slash"),
        ('"\\s+"', "\\s+"),  # an escape FEEL does not define keeps its backslash, for regular expressions
        ("true", True), ("false", False), ("null", None),
        ('@"2020-01-02"', feel('date("2020-01-02")')), ('@"P1D"', feel('duration("P1D")')),
        ("1 + /* two */ 2 // three", Decimal(3)),
        ("1 +\n 2", Decimal(3)),
    ],
)
def test_literals_and_comments(text: str, expected: object) -> None:
    assert feel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("2 ** 3 ** 2", 64), ("-2 ** 2", 4), ("2 ** -1", Decimal("0.5")),
        ("10 - 2 - 3", 5), ("12 / 2 / 3", 2), ("1 + 1 = 2", True), ("1 < 2 and 2 < 3", True),
        ("false and false or true", True), ("true or false and false", True),
        ("5 between 1 + 1 and 2 * 3", True), ("1 + 2 in [3, 4]", True), ("1 + 1 instance of number", True),
        ("if 1 > 2 then 1 else 2 + 3", 5), ("[1, 2, 3][2] * 10", 20), ("{a: {b: 4}}.a.b ** 2", 16),
        ("-[1, 2][1]", -1),
    ],
)
def test_precedence(text: str, expected: object) -> None:
    assert feel(text) == expected


def test_intervals_open_with_either_bracket() -> None:
    assert feel("[1..10[") == feel("[1..10)")
    assert feel("]1..10]") == feel("(1..10]")
    assert feel("5 in ]1..5[") is False
    assert feel("[] = []") is True  # `]` right after `[` closes an empty list


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("foo(1, 2", 1, 9, "expected ')' or ','"),
        ("1 +", 1, 4, "expected an expression"),
        ("if x then 1", 1, 12, "expected 'else'"),
        ("1 2", 1, 3, "expected an operator or the end of the expression, but found the number 2"),
        ("{a 1}", 1, 2, "expected a name followed by ':' or '}'"),
        ('"abc', 1, 1, "this string is never closed"),
        ("a /* b", 1, 3, "this comment is never closed"),
        ("a # b", 1, 3, "unexpected character '#'"),
        ("{a: 1, a: 2}", 1, 8, "the key 'a' appears twice"),
        ('@"2020-13-01"', 1, 1, "is not a date, time, date and time or duration"),
        ("function(a) external {}", 1, 1, "external functions are not supported"),
        ("x\n  + * 2", 2, 5, "expected an expression"),
        ("'a'", 1, 1, "strings are written in double quotes"),
        ('"\\u12"', 1, 2, "\\u must be followed by 4 hexadecimal digits"),
        ("", 1, 1, "the expression is empty"),
        ("function(a, a) a", 1, 1, "two parameters of this function have the same name"),
        ("f(a: 1, a: 2)", 1, 3, "an argument is named twice"),
    ],
)
def test_syntax_errors_are_located_and_worded_in_feel(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(FeelSyntaxError) as caught:
        check(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"line {line}, column {column}: ")
    for internal in ("Token", "RPAR", "LSQB", "Tree", "lark", "Traceback"):
        assert internal not in str(caught.value)


def test_nesting_and_length_limits_refuse_before_running() -> None:
    with pytest.raises(FeelSyntaxError, match=f"nested more than {MAX_NESTING} levels"):
        check("(" * 500 + "1" + ")" * 500)
    assert feel("(" * 40 + "1" + ")" * 40) == 1
    with pytest.raises(FeelSyntaxError, match="longer than"):
        check("1" + " " * MAX_TEXT)


def test_compiled_expressions_are_cached() -> None:
    assert compile_expression("1 + 1") is compile_expression("1 + 1")
    assert compile_expression("a-b", ["a-b"]) is not compile_expression("a-b")
