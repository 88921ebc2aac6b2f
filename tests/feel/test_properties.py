"""Properties over generated input: FEEL never leaks a Python exception, JSON values survive a round trip,
and decimal arithmetic keeps its laws within 34 digits."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpmn_runtime.feel import FeelError, compile_expression, compile_unary_tests, to_feel, to_python

FEEL_PIECES = st.sampled_from([
    "1", "2.5", '"a"', "x", "y", "null", "true", "[", "]", "(", ")", "{", "}", ",", ":", "..", ".", "+", "-",
    "*", "/", "**", "=", "!=", "<", ">=", "and", "or", "not", "in", "if", "then", "else", "for", "return",
    "some", "every", "satisfies", "between", "instance of", "function", "item", "?", "@", '"2020-01-01"',
    "date", "count", "sum", "string length", "x y", "list<number>", "date and time", "  ", "\n", "//", "/*",
])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**30, max_value=10**30) | st.text(max_size=8)
    # floats past 2**53 that are whole numbers print with fewer digits than they hold: FEEL keeps the
    # printed decimal (42995255443415820 for 4.299525544341582e+16), so they are left out here
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: f == 0 or 1e-300 < abs(f) < 2.0**53),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=12,
)
# products of two such numbers need at most 24 digits, so no law is broken by rounding to 34
SMALL = st.decimals(min_value=-10**6, max_value=10**6, places=6, allow_nan=False, allow_infinity=False)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(FEEL_PIECES, min_size=1, max_size=12), st.text(max_size=6))
def test_any_text_raises_only_feel_errors(pieces: list[str], noise: str) -> None:
    for text in (" ".join(pieces), " ".join(pieces) + noise, "".join(pieces)):
        try:
            compile_expression(text).evaluate({"x": [1, "a", None], "y": {"x": 2}})
        except FeelError:
            pass
        try:
            compile_unary_tests(text).matches(to_feel(1), {"x": 1})
        except FeelError:
            pass


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_json_values_survive_the_round_trip(value: Any) -> None:
    result = to_python(to_feel(value))
    assert result == value
    if isinstance(value, float) and value.is_integer():
        assert isinstance(result, int)  # integral numbers come back as int, as Zeebe stores them


@settings(max_examples=300, deadline=None)
@given(SMALL, SMALL, SMALL)
def test_decimal_arithmetic_laws(a: Decimal, b: Decimal, c: Decimal) -> None:
    run = compile_expression
    values = {"a": a, "b": b, "c": c}
    assert run("a + b = b + a").evaluate(values) is True
    assert run("(a + b) + c = a + (b + c)").evaluate(values) is True  # exact: well within 34 digits
    assert run("a * (b + c) = a * b + a * c").evaluate(values) is True
    assert run("a - a = 0").evaluate(values) is True
    if b != 0:
        assert run("abs(a / b * b - a) <= 0.000000000000000000001").evaluate(values) is True


SIMPLE_CONDITIONS = [
    'amount > 1000 and status = "open"', "a = b", "a < 1.5", 'x.y.z = "q"', "a + b * 2 > c", "flag = true",
    "missing = null", 'a != "x" or b <= 3', 's + "x" = "ax"', "d.e > 2", "-a < b - c / 2",
]
SCALARS = st.sampled_from([None, 0, 1, 1500, -3, 1.5, 0.1, 10**40, True, False, "a", "open", [1, 2],
                           {"y": {"z": "q"}}, {"e": 3}, {"y": [{"z": "q"}]}])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SIMPLE_CONDITIONS), st.dictionaries(st.sampled_from("amount status a b c x flag s d".split()),
                                                           SCALARS))
def test_the_fast_form_of_simple_conditions_agrees_with_the_general_one(text: str, variables: dict[str, Any]) -> None:
    expression = compile_expression(text)
    assert expression._fast is not None, "a simple condition should have a fast form"
    fast = expression.evaluate(variables)  # no notes asked: the fast form runs
    general = expression.evaluate(variables, notes=[])  # notes asked: the general form runs
    assert fast == general and type(fast) is type(general)
