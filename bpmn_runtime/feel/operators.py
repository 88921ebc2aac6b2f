"""Arithmetic of DMN 1.5 10.3.2.3 (numbers, strings, dates, times, durations) and range membership.

Each operator returns the result, None when an operand is null, or raises NullResult naming the
mismatch ("cannot add a date and a number") so the caller can give null and keep the reason.
"""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, DecimalException
from typing import Any

from bpmn_runtime.feel.functions import NullResult
from bpmn_runtime.feel.numbers import CONTEXT
from bpmn_runtime.feel.temporal import (
    NANOS_PER_DAY,
    NANOS_PER_SECOND,
    DayTimeDuration,
    FeelDate,
    FeelDateTime,
    FeelTime,
    YearMonthDuration,
    add_months,
    date_time_at,
    from_instant,
    in_range,
    time_of_nanos,
)
from bpmn_runtime.feel.values import UNBOUNDED, EqualityTest, Range, compare, equal, type_name


def _article(value: Any) -> str:
    name = type_name(value)
    return ("an " if name[0] in "aeiou" else "a ") + name


def _mismatch(verb: str, left: Any, right: Any) -> NullResult:
    return NullResult(f"cannot {verb} {_article(left)} and {_article(right)}")


def _number(operation: Any, left: Decimal, right: Decimal) -> Decimal:
    try:
        result: Decimal = operation(left, right)
    except DecimalException as error:
        raise NullResult(_decimal_reason(error)) from None
    return result


def _decimal_reason(error: DecimalException) -> str:
    name = type(error).__name__
    if "Zero" in name:
        return "division by zero"
    if "Overflow" in name:
        return "the result is too large for a FEEL number"
    return "the result is not a number"


def _checked(value: Any) -> Any:
    if not in_range(value):
        raise NullResult("the resulting date is outside the years FEEL supports")
    return value


def _date_time(value: FeelDate) -> FeelDateTime:
    """A date as a date and time: its midnight, UTC (how DMN subtracts a date from a date and time)."""
    return FeelDateTime(value, FeelTime(0, 0, 0, 0, 0))


def _plus_duration(value: Any, duration: Any) -> Any:
    """A date, time or date and time moved by a duration; None if the pair has no meaning."""
    if isinstance(duration, YearMonthDuration):
        if isinstance(value, FeelDate):
            return _checked(add_months(value, duration.months))
        if isinstance(value, FeelDateTime):
            return _checked(FeelDateTime(add_months(value.date, duration.months), value.time))
        return None
    if isinstance(value, FeelDate):
        days = (value.epoch_day() * NANOS_PER_DAY + duration.nanoseconds) // NANOS_PER_DAY
        return _checked(FeelDate.from_epoch_day(days))
    if isinstance(value, FeelDateTime):
        if value.time.zone is not None:
            return _checked(from_instant(value.instant_nanos() + duration.nanoseconds, value.time))
        return _checked(date_time_at(value.date, value.time.nanos_of_day() + duration.nanoseconds, value.time))
    if isinstance(value, FeelTime):
        t = value
        return time_of_nanos(t.nanos_of_day() + duration.nanoseconds, t.offset, t.zone)
    return None


_MOVABLE = (FeelDate, FeelDateTime, FeelTime)
_DURATIONS = (DayTimeDuration, YearMonthDuration)


def add(left: Any, right: Any) -> Any:
    kind = type(left)
    if kind is Decimal and type(right) is Decimal:
        return _number(CONTEXT.add, left, right)
    if left is None or right is None:
        return None
    if kind is str and type(right) is str:
        return left + right
    if kind is type(right) and kind in _DURATIONS:
        return kind(left.nanoseconds + right.nanoseconds) if kind is DayTimeDuration else kind(left.months + right.months)
    if isinstance(left, _MOVABLE) and isinstance(right, _DURATIONS):
        result = _plus_duration(left, right)
    elif isinstance(right, _MOVABLE) and isinstance(left, _DURATIONS):
        result = _plus_duration(right, left)
    else:
        result = None
    if result is None:
        raise _mismatch("add", left, right)
    return result


def _negated(duration: Any) -> Any:
    if isinstance(duration, DayTimeDuration):
        return DayTimeDuration(-duration.nanoseconds)
    return YearMonthDuration(-duration.months)


def subtract(left: Any, right: Any) -> Any:
    kind = type(left)
    if kind is Decimal and type(right) is Decimal:
        return _number(CONTEXT.subtract, left, right)
    if left is None or right is None:
        return None
    if kind is type(right) and kind in _DURATIONS:
        return add(left, _negated(right))
    if isinstance(left, _MOVABLE) and isinstance(right, _DURATIONS):
        result = _plus_duration(left, _negated(right))
        if result is not None:
            return result
    if kind is FeelDate and type(right) is FeelDate:
        return DayTimeDuration((left.epoch_day() - right.epoch_day()) * NANOS_PER_DAY)
    if isinstance(left, (FeelDate, FeelDateTime)) and isinstance(right, (FeelDate, FeelDateTime)):
        first = _date_time(left) if isinstance(left, FeelDate) else left
        second = _date_time(right) if isinstance(right, FeelDate) else right
        if first.has_zone != second.has_zone:
            raise NullResult("cannot subtract a date and time with a zone and one without")
        return DayTimeDuration(first.instant_nanos() - second.instant_nanos())
    if kind is FeelTime and type(right) is FeelTime:
        left_offset, right_offset = left.effective_offset(), right.effective_offset()
        if (left_offset is None) != (right_offset is None):
            raise NullResult("cannot subtract a time with a zone and one without")
        return DayTimeDuration(
            left.nanos_of_day() - right.nanos_of_day() - ((left_offset or 0) - (right_offset or 0)) * NANOS_PER_SECOND
        )
    raise _mismatch("subtract", left, right)


def _scaled(duration: Any, factor: Decimal, divide: bool = False) -> Any:
    try:
        if isinstance(duration, DayTimeDuration):
            amount = Decimal(duration.nanoseconds)
            scaled = CONTEXT.divide(amount, factor) if divide else CONTEXT.multiply(amount, factor)
            return DayTimeDuration(int(scaled.to_integral_value(rounding=ROUND_HALF_EVEN)))
        months = Decimal(duration.months)
        scaled = CONTEXT.divide(months, factor) if divide else CONTEXT.multiply(months, factor)
        return YearMonthDuration(int(scaled.to_integral_value(rounding=ROUND_DOWN)))
    except DecimalException as error:
        raise NullResult(_decimal_reason(error)) from None


def multiply(left: Any, right: Any) -> Any:
    if type(left) is Decimal and type(right) is Decimal:
        return _number(CONTEXT.multiply, left, right)
    if left is None or right is None:
        return None
    if isinstance(left, _DURATIONS) and type(right) is Decimal:
        return _scaled(left, right)
    if isinstance(right, _DURATIONS) and type(left) is Decimal:
        return _scaled(right, left)
    raise _mismatch("multiply", left, right)


def divide(left: Any, right: Any) -> Any:
    if type(left) is Decimal and type(right) is Decimal:
        return _number(CONTEXT.divide, left, right)
    if left is None or right is None:
        return None
    if isinstance(left, _DURATIONS) and type(right) is Decimal:
        if right.is_zero():
            raise NullResult("division by zero")
        return _scaled(left, right, divide=True)
    if type(left) is type(right) and isinstance(left, _DURATIONS):
        if isinstance(left, DayTimeDuration):
            return _number(CONTEXT.divide, Decimal(left.nanoseconds), Decimal(right.nanoseconds))
        return _number(CONTEXT.divide, Decimal(left.months), Decimal(right.months))
    raise _mismatch("divide", left, right)


def power(left: Any, right: Any) -> Any:
    if type(left) is Decimal and type(right) is Decimal:
        return _number(CONTEXT.power, left, right)
    if left is None or right is None:
        return None
    raise _mismatch("raise", left, right)


def negate(value: Any) -> Any:
    if type(value) is Decimal:
        return CONTEXT.minus(value)
    if value is None:
        return None
    if isinstance(value, _DURATIONS):
        return _negated(value)
    raise NullResult(f"cannot negate {_article(value)}")


# --- Membership: `in` and unary tests ---


def range_contains(interval: Range, value: Any) -> bool | None:
    """Whether `value` lies in the range; None when it cannot be compared with an end point."""
    if interval.start is not UNBOUNDED:
        order = compare(value, interval.start)
        if order is None:
            return None
        if order < 0 or (order == 0 and not interval.start_included):
            return False
    if interval.end is not UNBOUNDED:
        order = compare(value, interval.end)
        if order is None:
            return None
        if order > 0 or (order == 0 and not interval.end_included):
            return False
    return True


def matches_value(value: Any, test: Any) -> bool | None:
    """Whether `value` satisfies the value of a test: inside a range, equal to one item of a list, or equal."""
    if isinstance(test, Range):
        return range_contains(test, value)
    if isinstance(test, EqualityTest):
        result = equal(value, test.value)
        return result if result is None or not test.negated else not result
    if isinstance(test, list):
        for item in test:
            outcome = range_contains(item, value) if isinstance(item, Range) else equal(value, item)
            if outcome is True:
                return True
        return False
    return equal(value, test)
