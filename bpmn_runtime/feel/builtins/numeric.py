"""Numeric functions of DMN 1.5 10.3.4.5, and Camunda's random number()."""
from __future__ import annotations

import decimal
import random
from decimal import Decimal, DecimalException
from typing import Any

from bpmn_runtime.feel.builtins.arguments import integer, number
from bpmn_runtime.feel.functions import BuiltinFunction, NullResult, Signature
from bpmn_runtime.feel.numbers import CONTEXT
from bpmn_runtime.feel.scope import Env
from bpmn_runtime.feel.temporal import DayTimeDuration, YearMonthDuration

MAX_SCALE = 6176  # the scale limits of decimal128
MIN_SCALE = -6111


def _rounded(value: Any, scale: Any, mode: str) -> Decimal:
    n = number(value, "n")
    places = integer(scale, "scale")
    if not MIN_SCALE <= places <= MAX_SCALE:
        raise NullResult(f"scale must be between {MIN_SCALE} and {MAX_SCALE}, not {places}")
    exponent = n.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -places:
        return n  # no digit below the scale: nothing to round (and 1E+6000 stays itself)
    try:
        return n.quantize(Decimal(1).scaleb(-places), rounding=mode, context=CONTEXT)
    except DecimalException:
        raise NullResult(f"{n} rounded to {places} places has more than 34 digits") from None


def _rounding(mode: str) -> Any:
    return lambda env, n, scale: _rounded(n, scale, mode)


def _whole(mode: str) -> Any:
    return lambda env, n: _rounded(n, Decimal(0), mode)


def _abs(env: Env, n: Any) -> Any:
    if isinstance(n, DayTimeDuration):
        return DayTimeDuration(abs(n.nanoseconds))
    if isinstance(n, YearMonthDuration):
        return YearMonthDuration(abs(n.months))
    return abs(number(n, "n"))


def _modulo(env: Env, dividend: Any, divisor: Any) -> Decimal:
    """dividend - divisor * floor(dividend / divisor): the result has the divisor's sign."""
    a, b = number(dividend, "dividend"), number(divisor, "divisor")
    if b.is_zero():
        raise NullResult("division by zero")
    try:
        quotient = CONTEXT.divide(a, b).to_integral_value(rounding=decimal.ROUND_FLOOR)
        return CONTEXT.subtract(a, CONTEXT.multiply(b, quotient))
    except DecimalException:
        raise NullResult("the result is too large for a FEEL number") from None


def _checked(operation: str, value: Any, valid: Any) -> Decimal:
    n = number(value, "number")
    if not valid(n):
        raise NullResult(f"{operation} is not defined for {n}")
    try:
        result: Decimal = getattr(CONTEXT, operation)(n)
    except DecimalException:
        raise NullResult(f"{operation}({n}) is too large for a FEEL number") from None
    return result


def _parity(remainder: int) -> Any:
    def check(env: Env, value: Any) -> bool:
        return integer(value, "number") % 2 == remainder

    return check


FUNCTIONS = [
    BuiltinFunction("decimal", [Signature(("n", "scale"), _rounding(decimal.ROUND_HALF_EVEN))]),
    BuiltinFunction("floor", [Signature(("n",), _whole(decimal.ROUND_FLOOR)),
                              Signature(("n", "scale"), _rounding(decimal.ROUND_FLOOR))]),
    BuiltinFunction("ceiling", [Signature(("n",), _whole(decimal.ROUND_CEILING)),
                                Signature(("n", "scale"), _rounding(decimal.ROUND_CEILING))]),
    BuiltinFunction("round up", [Signature(("n", "scale"), _rounding(decimal.ROUND_UP))]),
    BuiltinFunction("round down", [Signature(("n", "scale"), _rounding(decimal.ROUND_DOWN))]),
    BuiltinFunction("round half up", [Signature(("n", "scale"), _rounding(decimal.ROUND_HALF_UP))]),
    BuiltinFunction("round half down", [Signature(("n", "scale"), _rounding(decimal.ROUND_HALF_DOWN))]),
    BuiltinFunction("abs", [Signature(("n",), _abs)]),
    BuiltinFunction("modulo", [Signature(("dividend", "divisor"), _modulo)]),
    BuiltinFunction("sqrt", [Signature(("number",), lambda env, n: _checked("sqrt", n, lambda x: x >= 0))]),
    BuiltinFunction("log", [Signature(("number",), lambda env, n: _checked("ln", n, lambda x: x > 0))]),
    BuiltinFunction("exp", [Signature(("number",), lambda env, n: _checked("exp", n, lambda x: True))]),
    BuiltinFunction("odd", [Signature(("number",), _parity(1))]),
    BuiltinFunction("even", [Signature(("number",), _parity(0))]),
    BuiltinFunction("random number", [Signature((), lambda env: CONTEXT.create_decimal(repr(random.random())))]),
]
