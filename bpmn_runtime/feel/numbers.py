"""FEEL numbers: Python Decimals computed in an IEEE 754-2008 decimal128 context (34 significant digits)."""
from __future__ import annotations

import decimal
from decimal import Decimal

# Every arithmetic operation goes through this context explicitly, so the thread's current context
# (which other code may change) never decides a FEEL result.
CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-6143,
    Emax=6144,
    clamp=1,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


def number(text: str) -> Decimal:
    """A number literal or numeric string, rounded to 34 digits; raises decimal.DecimalException when too large."""
    return CONTEXT.create_decimal(text)


def format_number(value: Decimal) -> str:
    """FEEL's string form of a number: plain digits, no exponent, no trailing fractional zeros."""
    if value.is_zero():
        return "0"
    return format(value.normalize(CONTEXT), "f")
