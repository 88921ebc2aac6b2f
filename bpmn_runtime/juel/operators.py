"""EL's operators (EL spec 1.7 to 1.10) as JUEL computes them: Long arithmetic wraps around like Java's,
`/` and `div` always divide as doubles (1/0 is Infinity), `%` of longs by zero is an error.

Deviation: Java turns a BigInteger mixed with a double into a BigDecimal; here that gives a double.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Set
from typing import Any

from bpmn_runtime.juel.coercion import (
    JavaObject, describe, is_big_integer, java_equals, to_big_integer, to_boolean, to_double, to_long, to_string,
    wrap_long,
)
from bpmn_runtime.juel.errors import Failure, LimitExceeded
from bpmn_runtime.juel.limits import MAX_INT_BITS, Budget

_NUMBER_CONTEXT = {"+": "adds", "-": "subtracts", "*": "multiplies", "/": "divides", "%": "divides"}


def _double_like(value: Any) -> bool:
    """A Double, or a text that reads as one (it has a '.', 'e' or 'E')."""
    return type(value) is float or (type(value) is str and any(c in value for c in ".eE"))


def _big(result: int) -> int:
    if result.bit_length() > MAX_INT_BITS:
        raise LimitExceeded(f"the result would have {result.bit_length():,} bits, more than {MAX_INT_BITS:,}")
    return result


def _arithmetic(operator: str, on_doubles: Callable[[float, float], float],
                on_integers: Callable[[int, int], int]) -> Callable[[Any, Any, Budget], Any]:
    """`+`, `-`, `*`, `%` (EL 1.7.1, 1.7.3): doubles if either side is one, else BigInteger or wrapping Long."""

    def apply(left: Any, right: Any, budget: Budget) -> Any:
        budget.charge(1)
        if left is None and right is None:
            return 0
        try:
            if _double_like(left) or _double_like(right):
                return on_doubles(to_double(left), to_double(right))
            big = is_big_integer(left) or is_big_integer(right)
            coerce = to_big_integer if big else to_long
            a, b = coerce(left), coerce(right)
        except Failure as failure:
            raise _numeric_failure(operator, left, right, failure) from None
        if not big:
            return wrap_long(on_integers(a, b))
        if max(abs(a).bit_length(), abs(b).bit_length()) > MAX_INT_BITS:
            raise LimitExceeded(f"a number has more than {MAX_INT_BITS:,} bits")
        return _big(on_integers(a, b))

    return apply


def _numeric_failure(operator: str, left: Any, right: Any, failure: Failure) -> Failure:
    hint = ""
    if operator == "+" and (type(left) is str or type(right) is str):
        hint = "; to join texts, write the expressions side by side: ${a}${b}"
    return Failure(f"'{operator}' {_NUMBER_CONTEXT[operator]} numbers in EL, and {failure}{hint}")


add = _arithmetic("+", lambda a, b: a + b, lambda a, b: a + b)
subtract = _arithmetic("-", lambda a, b: a - b, lambda a, b: a - b)
multiply = _arithmetic("*", lambda a, b: a * b, lambda a, b: a * b)


def divide(left: Any, right: Any, budget: Budget) -> Any:
    """`/` and `div` (EL 1.7.2): always a double division, as Java's: x/0 is Infinity, 0/0 is NaN."""
    budget.charge(1)
    if left is None and right is None:
        return 0
    try:
        dividend, divisor = to_double(left), to_double(right)
    except Failure as failure:
        raise _numeric_failure("/", left, right, failure) from None
    if divisor == 0:
        if dividend == 0 or math.isnan(dividend):
            return math.nan
        return math.copysign(math.inf, dividend) * math.copysign(1.0, divisor)
    return dividend / divisor


def _double_remainder(dividend: float, divisor: float) -> float:
    """Java's % of doubles: NaN for a zero divisor or an infinite dividend."""
    if divisor == 0 or math.isinf(dividend):
        return math.nan
    return math.fmod(dividend, divisor)


def _whole_remainder(dividend: int, divisor: int) -> int:
    """Java's % of whole numbers keeps the dividend's sign; by zero it is an error."""
    if divisor == 0:
        raise Failure(f"the remainder of {describe(dividend)} divided by zero is undefined for whole numbers")
    remainder = abs(dividend) % abs(divisor)
    return -remainder if dividend < 0 else remainder


modulo = _arithmetic("%", _double_remainder, _whole_remainder)


def negate(value: Any, budget: Budget) -> Any:
    """Unary `-` (EL 1.7.4): keeps a number's kind; a text becomes a double or a long."""
    budget.charge(1)
    if value is None:
        return 0
    if type(value) is float:
        return -value
    if type(value) is int:
        return -value if is_big_integer(value) else wrap_long(-value)
    if type(value) is str:
        try:
            return -to_double(value) if _double_like(value) else wrap_long(-to_long(value))
        except Failure as failure:
            raise Failure(f"'-' negates numbers in EL, and {failure}") from None
    raise Failure(f"'-' negates numbers in EL, and {describe(value)} is not one")


def is_empty(value: Any) -> bool:
    """`empty` (EL 1.10): null, "", and lists, sets and maps without elements."""
    if value is None or value == "":
        return True
    if isinstance(value, (list, tuple, Set, Mapping)):
        return len(value) == 0
    return False


def equals(left: Any, right: Any, budget: Budget) -> bool:
    """`==` (EL 1.8.2): both sides coerced to the type the first matching rule names."""
    budget.charge(1)
    if left is right:
        return True
    if left is None or right is None:
        return False
    try:
        if type(left) is float or type(right) is float:
            return java_equals(to_double(left), to_double(right))
        if is_big_integer(left) or is_big_integer(right):
            return to_big_integer(left) == to_big_integer(right)
        if type(left) is int or type(right) is int:
            return to_long(left) == to_long(right)
        if type(left) is bool or type(right) is bool:
            return to_boolean(left) == to_boolean(right)
        if type(left) is str or type(right) is str:
            left_text, right_text = to_string(left, budget), to_string(right, budget)
            budget.charge(min(len(left_text), len(right_text)))
            return left_text == right_text
    except Failure as failure:
        raise Failure(f"{describe(left)} and {describe(right)} cannot be compared: {failure}") from None
    return java_equals(left, right)


def not_equals(left: Any, right: Any, budget: Budget) -> bool:
    return not equals(left, right, budget)


def _less(left: Any, right: Any, budget: Budget) -> bool:
    return _order(left, right, budget) < 0


def _greater(left: Any, right: Any, budget: Budget) -> bool:
    return _order(left, right, budget) > 0


def _order(left: Any, right: Any, budget: Budget) -> float:
    """Sign of left - right by EL 1.8.1's rules; NaN gives NaN, so both < and > are false for it."""
    if type(left) is int and type(right) is int:  # the common case; longs and BigIntegers compare alike
        return (left > right) - (left < right)
    try:
        if type(left) is float or type(right) is float:
            a, b = to_double(left), to_double(right)
            return math.nan if math.isnan(a) or math.isnan(b) else (a > b) - (a < b)
        if is_big_integer(left) or is_big_integer(right):
            x, y = to_big_integer(left), to_big_integer(right)
            return (x > y) - (x < y)
        if type(left) is int or type(right) is int:
            x, y = to_long(left), to_long(right)
            return (x > y) - (x < y)
        if type(left) is str or type(right) is str:
            s, t = to_string(left, budget), to_string(right, budget)
            budget.charge(min(len(s), len(t)))
            return (s > t) - (s < t)
    except Failure as failure:
        raise Failure(f"{describe(left)} and {describe(right)} cannot be compared: {failure}") from None
    if type(left) is bool and type(right) is bool:
        return int(left) - int(right)
    if isinstance(left, JavaObject):
        return left.compare(right)
    if isinstance(right, JavaObject):
        return -right.compare(left)
    raise Failure(f"{describe(left)} and {describe(right)} cannot be compared")


def _comparison(strict: bool, test: Callable[[Any, Any, Budget], bool],
                negated: bool) -> Callable[[Any, Any, Budget], bool]:
    """JUEL's comparisons: null compares false (except null <= null), `>=` is "not less", `<=` "not greater"."""

    def compare(left: Any, right: Any, budget: Budget) -> bool:
        budget.charge(1)
        if left is right:  # Java's identity check comes first
            return not strict
        if left is None or right is None:
            return False
        return test(left, right, budget) is not negated

    return compare


less = _comparison(True, _less, False)
greater = _comparison(True, _greater, False)
less_or_equal = _comparison(False, _greater, True)
greater_or_equal = _comparison(False, _less, True)

BINARY: dict[str, Callable[[Any, Any, Budget], Any]] = {
    "+": add, "-": subtract, "*": multiply, "/": divide, "%": modulo,
    "==": equals, "!=": not_equals, "<": less, ">": greater, "<=": less_or_equal, ">=": greater_or_equal,
}
