"""EL's coercions and arithmetic (EL spec 1.7, 1.8, 1.23), as JUEL computes them in Camunda 7."""
from __future__ import annotations

import math
from typing import Any

import pytest

from bpmn_runtime.juel import JuelEvaluationError, coerce_to_boolean, coerce_to_string, compile_template


def evaluate(text: str, **variables: Any) -> Any:
    return compile_template(text).evaluate(variables)


# EL 1.23.2, coerce to Boolean: null and "" are false, a text is Boolean.valueOf, other types fail.
@pytest.mark.parametrize(("value", "expected"), [
    (None, False), ("", False), (True, True), (False, False),
    ("true", True), ("TRUE", True), ("True", True), ("yes", False), ("1", False), ("false", False),
])
def test_coerce_to_boolean(value: Any, expected: bool) -> None:
    assert coerce_to_boolean(value) is expected
    assert evaluate("${v ? 'y' : 'n'}", v=value) == ("y" if expected else "n")


@pytest.mark.parametrize("value", [0, 1, 1.5, [], {}, [True]])
def test_other_types_do_not_coerce_to_boolean(value: Any) -> None:
    with pytest.raises(TypeError, match="is not true or false"):
        coerce_to_boolean(value)
    with pytest.raises(JuelEvaluationError, match="is not true or false"):
        evaluate("${!v}", v=value)


# EL 1.23.1, coerce to String: null is "", numbers and booleans as Java writes them.
@pytest.mark.parametrize(("value", "expected"), [
    (None, ""), ("text", "text"), (True, "true"), (False, "false"), (42, "42"), (-7, "-7"),
    (1.0, "1.0"), (0.5, "0.5"), (100.0, "100.0"), (1234567.0, "1234567.0"), (1e7, "1.0E7"), (1.5e10, "1.5E10"),
    (0.001, "0.001"), (0.0001, "1.0E-4"), (1.5e-7, "1.5E-7"), (-2.5, "-2.5"), (0.0, "0.0"), (-0.0, "-0.0"),
    (math.inf, "Infinity"), (-math.inf, "-Infinity"), (math.nan, "NaN"), (0.1 + 0.2, "0.30000000000000004"),
    ([1, "a", None, [True]], "[1, a, null, [true]]"), ({"k": 1, "m": {"n": None}}, "{k=1, m={n=null}}"),
])
def test_coerce_to_string(value: Any, expected: str) -> None:
    assert coerce_to_string(value) == expected
    assert evaluate("[${v}]", v=value) == f"[{expected}]"


@pytest.mark.parametrize(("text", "expected"), [
    ('${"1" + 2}', 3),  # + is numeric: texts are read as numbers
    ('${"1.5" + 1}', 2.5),  # a text with '.', 'e' or 'E' is a double
    ('${"1e2" + 1}', 101.0),
    ("${null + 1}", 1),  # null is 0
    ("${null + null}", 0),
    ("${'' + 1}", 1),
    ("${1 + 1.0}", 2.0),  # a double makes the result a double
    ("${5 - 7}", -2),
    ("${3 * 1.5}", 4.5),
    ("${1 / 2}", 0.5),  # / is always a double division
    ("${4 / 2}", 2.0),
    ("${4 div 2}", 2.0),
    ('${"6" / "4"}', 1.5),
    ("${7.5 % 2}", 1.5),
    ("${-7.5 % 2}", -1.5),
    ("${-'3'}", -3),
    ("${-'3.5'}", -3.5),
    ("${-null}", 0),
    ("${9223372036854775807 + 1}", -(2**63)),  # Java longs wrap around
    ("${-9223372036854775807 - 2}", 2**63 - 1),
    ("${big + 1}", 2**70 + 1),  # beyond a long: a BigInteger
    ("${big * 2}", 2**71),
    ("${big % 7}", 2**70 % 7),
])
def test_arithmetic(text: str, expected: Any) -> None:
    result = evaluate(text, big=2**70)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("${1 / 0}", math.inf), ("${-1 / 0}", -math.inf), ("${1 / -0.0}", -math.inf), ("${0 / 0}", math.nan),
    ("${1.5 % 0}", math.nan), ("${'NaN' + 1.0}", math.nan),
])
def test_division_by_zero_of_doubles_gives_infinity_or_nan(text: str, expected: float) -> None:
    result = evaluate(text)
    assert math.isnan(result) if math.isnan(expected) else result == expected


@pytest.mark.parametrize(("text", "reason"), [
    ('${"a" + 1}', "'+' adds numbers in EL, and the text \"a\" is not a whole number; to join texts"),
    ("${true + 1}", "'+' adds numbers in EL, and true is not a number"),
    ('${"1.5x" * 2}', "'*' multiplies numbers in EL, and the text \"1.5x\" is not a number"),
    ("${items + 1}", "'+' adds numbers in EL, and a list is not a number"),
    ("${7 % 0}", "the remainder of the number 7 divided by zero is undefined for whole numbers"),
    ("${7 mod null}", "divided by zero"),  # null is 0
    ("${-true}", "'-' negates numbers in EL, and true is not one"),
    ("${-'x'}", "'-' negates numbers in EL, and the text \"x\" is not a whole number"),
])
def test_arithmetic_errors_name_the_operator_and_the_value(text: str, reason: str) -> None:
    with pytest.raises(JuelEvaluationError) as caught:
        evaluate(text, items=[1])
    assert reason in str(caught.value)


@pytest.mark.parametrize(("text", "expected"), [
    ("${1 == 1.0}", True),  # a double on either side: both compared as doubles
    ('${1 == "1"}', True),  # a long: both as longs
    ('${"1" == 1}', True),
    ('${true == "true"}', True),  # a boolean: both as booleans
    ('${true == "yes"}', False),
    ('${"a" == "a"}', True),
    ("${null == null}", True),
    ("${null == 0}", False),  # null equals only null
    ('${null == ""}', False),
    ("${items == items2}", True),  # lists by Java's equals
    ("${items == items3}", False),  # a long never equals a double in Java's equals
    ("${map == map2}", True),
    ('${"b" > "a"}', True),  # texts lexically
    ('${"10" < 9}', False),  # a long on either side: both as longs
    ('${"10" < "9"}', True),  # texts lexically
    ("${2 > 1.5}", True),
    ("${null < 1}", False), ("${null > 1}", False), ("${null <= null}", True), ("${null < null}", False),
    ("${false < true}", True),  # booleans are Comparable
    ("${nan < 1}", False), ("${nan > 1}", False), ("${nan >= 1}", True),  # >= is "not <" in JUEL
    ("${big > 9223372036854775807}", True),
])
def test_comparisons_coerce(text: str, expected: bool) -> None:
    variables = {"items": [1, "a"], "items2": [1, "a"], "items3": [1.0, "a"], "map": {"k": [1]},
                 "map2": {"k": [1]}, "nan": math.nan, "big": 2**64}
    assert evaluate(text, **variables) is expected


@pytest.mark.parametrize(("text", "reason"), [
    ('${1 == "a"}', 'the number 1 and the text "a" cannot be compared: the text "a" is not a whole number'),
    ("${items < 1}", "cannot be compared"),
    ("${items < other}", "a list and a list cannot be compared"),
    ("${true < 'x' && 1 < items}", "cannot be compared"),
])
def test_comparisons_that_cannot_coerce(text: str, reason: str) -> None:
    with pytest.raises(JuelEvaluationError) as caught:
        evaluate(text, items=[1], other=[1])
    assert reason in str(caught.value)


def test_a_value_compared_with_itself_is_not_coerced() -> None:
    assert evaluate("${items < items}", items=[1]) is False  # JUEL checks identity first
    assert evaluate("${items <= items}", items=[1]) is True


@pytest.mark.parametrize(("value", "expected"), [
    (None, True), ("", True), ([], True), ({}, True), (set(), True), ((), True),
    ("x", False), ([None], False), ({"k": None}, False), (0, False), (False, False),
])
def test_empty(value: Any, expected: bool) -> None:
    assert evaluate("${empty v}", v=value) is expected


def test_properties_of_null_are_null_and_unknown_names_are_errors() -> None:
    assert evaluate("${order.customer.name}", order={"customer": None}) is None
    assert evaluate("${order.missing}", order={}) is None  # a map without the key gives null, as in EL
    assert evaluate("${items[5]}", items=[1]) is None  # so does a position outside a list
    assert evaluate("${items[-1]}", items=[1]) is None
    assert evaluate("${items['0']}", items=[7]) == 7  # positions are coerced to whole numbers
    assert evaluate("${order[null]}", order={}) is None
    with pytest.raises(JuelEvaluationError) as caught:
        evaluate("${a > 1 && missing}", a=2)
    assert str(caught.value) == ('cannot evaluate "${a > 1 && missing}": line 1, column 12: '
                                 "no variable named 'missing' is set here")
    with pytest.raises(JuelEvaluationError, match="a list is read by position, and the text \"x\" is not"):
        evaluate("${items.x}", items=[1])
    with pytest.raises(JuelEvaluationError, match="the number 1 has no property 'x'"):
        evaluate("${n.x}", n=1)


def test_a_map_lookup_follows_javas_equals() -> None:
    assert evaluate("${m[1]}", m={"1": "text key"}) is None
    assert evaluate("${m['1']}", m={"1": "text key"}) == "text key"
